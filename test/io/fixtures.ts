/** Locations and expected values of the numpy-written fixtures (test/fixtures/make_fixtures.py). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "../../src/io/atomic.js";

export const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

export interface Expected {
  readonly shape: number[];
  readonly values: number[];
  readonly descr?: string;
  readonly header?: string[] | null;
  readonly code?: number;
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, "expected.json"), "utf8")) as {
  numpy_version: string;
  npy: Record<string, Expected>;
  csv: Record<string, Expected>;
  idx: Record<string, Expected>;
};

/** A fresh temporary directory, and a function that removes it. */
export function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "difflux-io-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Numbered scratch folders under one temporary root: `fresh(create)` returns a new path (created
 * unless `create` is false); `done` removes them all.
 */
export function scratchDirs(prefix: string): { fresh: (create?: boolean) => string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), `difflux-${prefix}-`));
  let n = 0;
  return {
    fresh: (create = true) => {
      const d = join(root, `d${n++}`);
      if (create) mkdirSync(d);
      return d;
    },
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The pid of a process that has exited (a child that printed its pid and ended). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  const pid = Number(r.stdout.toString());
  assert.ok(Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid), "the child has exited");
  return pid;
}

/**
 * Makes `dir` a folder of the user's that looks like a training run (notes.txt, loss.csv,
 * train.json, weights-7.safetensors) and returns a snapshot function: every file's bytes (base64).
 */
export function foreignFolder(dir: string): () => Record<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "notes.txt"), "my notes");
  writeFileSync(join(dir, "loss.csv"), "step,loss\n1,0.5\n");
  writeFileSync(join(dir, "train.json"), "{}");
  writeFileSync(join(dir, "weights-7.safetensors"), new Uint8Array([1, 2, 3]));
  return () =>
    Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString("base64")]));
}
