/**
 * `difflux train` under faults, as a user's machine would deal them: the real binary is killed with
 * SIGKILL right after its first checkpoint is published, in the middle of writing a file, and at
 * seeded random moments (test/io/faultInjection.mjs kills a child just before its K-th atomic rename
 * or halfway through its K-th write); after each kill every checkpoint `sample` can load is one
 * `train` resumes; `difflux train --out DIR` (no other option) then finishes the run with the full
 * loss history and weights bit-identical to an uninterrupted run. While a child trains, a second
 * `train` on the same folder exits 2 naming the holder, and a reader polling the checkpoint always
 * loads a whole one.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs, { existsSync, readFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { readLockOwner } from "../../src/io/lock.js";
import { Rng } from "../../src/random/rng.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { BIN, diffluxInProcess, scratch } from "./cli.js";

const FAULTS = new URL("../io/faultInjection.mjs", import.meta.url).pathname;
const run = [
  ...["train", "--data", "moons", "--n", "200", "--batch", "16", "--width", "8", "--depth", "1"],
  ...["--steps", "300", "--checkpoint-every", "10"],
];

/** Runs `difflux train` in-process, recording the file each atomic rename publishes. */
async function traced(args: readonly string[], cwd: string) {
  const renames: string[] = [];
  const rename = fs.renameSync;
  fs.renameSync = (from, to) => {
    renames.push(basename(String(to)));
    rename(from, to);
  };
  syncBuiltinESMExports();
  try {
    return { ...(await diffluxInProcess(args, cwd)), renames };
  } finally {
    fs.renameSync = rename;
    syncBuiltinESMExports();
  }
}

/** Starts the binary with DIFFLUX_FAULT = `fault` (faultInjection.mjs). */
function start(args: readonly string[], cwd: string, fault: string): ChildProcess {
  return spawn(process.execPath, ["--import", FAULTS, BIN, ...args], {
    cwd,
    env: { ...process.env, DIFFLUX_FAULT: fault, DIFFLUX_DEBUG: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function ended(child: ChildProcess): Promise<{ code: number | null; signal: string | null; err: string }> {
  let err = "";
  child.stderr!.on("data", (b) => {
    err += b;
  });
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, err })));
}

/** Whether `sample` would load the folder's checkpoint (loadCheckpoint succeeds). */
function loadable(dir: string): boolean {
  try {
    loadCheckpoint(dir);
    return true;
  } catch {
    return false;
  }
}

describe("difflux train under faults", () => {
  const { dir, cleanup } = scratch("trainfaults");
  after(cleanup);

  it("killed after its first checkpoint, mid-write and at random moments, resumes to the uninterrupted run's weights and full loss history", async () => {
    const whole = await traced([...run, "--out", "whole"], dir);
    assert.equal(whole.code, 0, `uninterrupted run: ${whole.stderr}`);
    const firstCommit = whole.renames.indexOf("config.json") + 1;
    assert.ok(firstCommit > 0, `the run commits config.json: ${whole.renames.join(" ")}`);
    // A seeded random moment after the resumed process has opened the folder and before it ends.
    const rng = new Rng(15);
    const moment = firstCommit + 2 + Math.floor(rng.uniform() * (whole.renames.length / 2 - firstCommit));
    const faults = [
      `rename:${firstCommit + 1}`, // right after the first checkpoint is published
      "write:12", // halfway through a write
      `rename:${moment}`,
    ];
    const target = join(dir, "run");
    const outcomes: string[] = [];
    for (const [k, fault] of faults.entries()) {
      // The first process starts the run; the others resume it (taking every option from train.json).
      const args = k === 0 ? [...run, "--out", "run"] : ["train", "--out", "run"];
      const child = start(args, dir, fault);
      const done = ended(child);
      if (k === 2) {
        // While this one trains: a second train on the folder is refused, and a reader polling
        // the checkpoint always loads a whole one.
        let reads = 0;
        let refused = "";
        let exited = false;
        void done.then(() => {
          exited = true;
        });
        while (!exited) {
          if (readLockOwner(target)?.pid === child.pid) {
            loadCheckpoint(target);
            reads++;
            if (refused === "") {
              const second = await diffluxInProcess(["train", "--out", "run"], dir);
              refused = `${second.code} ${second.stderr}`;
            }
          }
          await new Promise((r) => setTimeout(r, 2));
        }
        assert.ok(reads > 0, "the reader ran while the run trained");
        assert.match(
          refused,
          /^2 difflux train: --out: run is in use by pid \d+ .*\(difflux train, since/,
          `the second writer is refused while the first trains: ${refused}`,
        );
        outcomes.push(
          `${fault}: ${reads} whole reads, second writer ${refused === "" ? "not tried" : "refused"}`,
        );
      }
      const r = await done;
      assert.equal(r.signal, "SIGKILL", `killed at ${fault}: ${r.err}`);
      if (loadable(target)) {
        assert.ok(
          existsSync(join(target, "train.json")),
          `after a kill at ${fault}, a checkpoint sample loads has its train.json, so train resumes it`,
        );
      }
      outcomes.push(`${fault}: ${r.signal ?? r.code}`);
    }
    const last = await diffluxInProcess(["train", "--out", "run", "--json"], dir);
    assert.equal(last.code, 0, `the run resumes after ${outcomes.join("; ")}: ${last.stderr}`);
    const bytes = (d: string, f: string) => readFileSync(join(dir, d, f));
    assert.ok(
      bytes("run", "weights-300.safetensors").equals(bytes("whole", "weights-300.safetensors")),
      `weights bit-identical to the uninterrupted run after ${outcomes.join("; ")}`,
    );
    assert.equal(
      bytes("run", "loss.csv").toString(),
      bytes("whole", "loss.csv").toString(),
      "the loss history of every step, as the uninterrupted run wrote it",
    );
    assert.equal(bytes("run", "loss.csv").toString().trim().split("\n").length, 301, "300 rows and a header");
  });
});
