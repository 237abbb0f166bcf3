/** Locations and expected values of the numpy-written fixtures (test/fixtures/make_fixtures.py). */
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
