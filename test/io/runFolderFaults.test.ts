/**
 * Run folders under faults: a writer process publishing checkpoint-like generations (a data file,
 * then the commit file naming it, keeping the previous generation) is killed with SIGKILL at random
 * moments and restarted; the folder must always reopen, its history stays complete, and the final
 * folder is byte-identical to an uninterrupted run's. Two writers started together: exactly one
 * writes; a reader polling the folder meanwhile always finds the file the commit names, whole.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Rng } from "../../src/random/rng.js";
import { readRunRecord, RUN_RECORD_NAME } from "../../src/io/runFolder.js";
import { scratchDirs } from "./fixtures.js";

const { fresh, done } = scratchDirs("runfaults");
after(done);
const GENERATIONS = 6;
const FAULTS = new URL("./faultInjection.mjs", import.meta.url).pathname;

/**
 * The writer: resumes from commit.json, publishes generations up to its second argument (default
 * GENERATIONS; a data file and the history, then the commit naming them and the previous
 * generation's data file), then exits 0. With a third argument "hold" it waits after its first
 * generation, holding the folder, until its standard input ends.
 */
const WRITER = `
  const { RunFolder } = await import(${JSON.stringify(new URL("../../src/io/runFolder.ts", import.meta.url).href)});
  const { createHash } = await import("node:crypto");
  const { readFileSync } = await import("node:fs");
  const dir = process.argv[1];
  const last = Number(process.argv[2] ?? ${GENERATIONS});
  let run;
  try { run = RunFolder.open(dir, "writer"); } catch (e) { process.stdout.write(e.name + "\\n"); process.exit(3); }
  let start = 0, history = "";
  try {
    const c = JSON.parse(readFileSync(dir + "/commit.json", "utf8"));
    start = c.generation;
    history = readFileSync(dir + "/history.csv", "utf8").split("\\n").slice(0, start + 1).join("\\n") + "\\n";
  } catch { history = "generation,value\\n"; }
  for (let g = start + 1; g <= last; g++) {
    const data = new Uint8Array(1 << 18).map((_, i) => (i * 31 + g * 7) & 255);
    const file = "data-" + g + ".bin";
    run.write(file, data);
    history += g + "," + (g * g) + "\\n";
    run.write("history.csv", history);
    const needs = [file, "history.csv", ...(g > 1 ? ["data-" + (g - 1) + ".bin"] : [])];
    run.commit("commit.json", JSON.stringify({ generation: g, file, sha256: createHash("sha256").update(data).digest("hex") }), needs);
    process.stdout.write(g + "\\n");
    if (g === start + 1 && process.argv[3] === "hold") {
      process.stdin.resume();
      await new Promise((resolve) => process.stdin.on("end", resolve));
    }
  }
  run.close();
`;

/** Starts the writer on `dir`; with `fault` (DIFFLUX_FAULT of faultInjection.ts) it kills itself there. */
function startWriter(dir: string, fault = "", last = GENERATIONS, hold = false): ChildProcess {
  return spawn(
    process.execPath,
    [
      ...["--import", "tsx", "--import", FAULTS, "--input-type=module", "-e", WRITER],
      ...[dir, String(last), hold ? "hold" : ""],
    ],
    { env: { ...process.env, DIFFLUX_FAULT: fault } },
  );
}

function finish(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  let out = "";
  child.stdout!.on("data", (b) => {
    out += b;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

/** The folder's files (bookkeeping aside) with their SHA-256. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((n) => n !== ".difflux.lock")
      .sort()
      .map((n) => [
        n,
        n === RUN_RECORD_NAME
          ? JSON.stringify([...readRunRecord(dir)!.files].sort())
          : createHash("sha256")
              .update(readFileSync(join(dir, n)))
              .digest("hex"),
      ]),
  );
}

/** Reads commit.json and the file it names; throws if the named file is missing or not what it says. */
function readCommitted(dir: string): number {
  let commit: { generation: number; file: string; sha256: string };
  try {
    commit = JSON.parse(readFileSync(join(dir, "commit.json"), "utf8"));
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return 0;
    throw err;
  }
  const bytes = readFileSync(join(dir, commit.file));
  assert.equal(createHash("sha256").update(bytes).digest("hex"), commit.sha256, `${commit.file} is whole`);
  return commit.generation;
}

describe("run folders under faults", () => {
  let reference: Record<string, string> = {};
  before(async () => {
    const clean = fresh(false);
    const run = await finish(startWriter(clean));
    assert.equal(run.code, 0, run.out);
    reference = contents(clean);
  });

  /** Runs the writer on `dir` killed at `fault`; checks the committed state is whole. */
  async function killed(dir: string, fault: string, last = GENERATIONS): Promise<void> {
    const r = await finish(startWriter(dir, fault, last));
    assert.equal(r.code, null, `the writer was killed at ${fault} (exit ${r.code}: ${r.out})`);
    assert.ok(readCommitted(dir) >= 0, `the committed generation is whole after a kill at ${fault}`);
  }

  /** Resumes the writer on `dir` to the end and compares the folder with the uninterrupted run. */
  async function resumedMatches(dir: string, kills: string): Promise<void> {
    const last = await finish(startWriter(dir));
    assert.equal(last.code, 0, `the folder resumed after kills ${kills}: ${last.out}`);
    assert.deepEqual(
      contents(dir),
      reference,
      `byte-identical to the uninterrupted run after kills ${kills}`,
    );
  }

  test("a writer killed before each atomic rename of its first and of its last generation, and in the middle of writes, resumes to an identical folder", async () => {
    // Publishing a generation takes 6 renames (data file, record, history, pending record, commit
    // file, committed record) and one for the prune's record; the first k of each process include
    // opening the folder (lock, record repair). So k = 1 … 9 kills at every point of a generation:
    // the window between the commit file and the prune included, where a kill once left the old
    // generation's data file listed for good. A few kills from an empty folder, then every point in
    // the last generation, where no later commit cleans up after the kill (only reopening does).
    const dir = fresh(false);
    const first = ["rename:2", "rename:5", "write:2"];
    for (const fault of first) await killed(dir, fault);
    const upToLast = await finish(startWriter(dir, "", GENERATIONS - 1));
    assert.equal(upToLast.code, 0, upToLast.out);
    const points = [...Array.from({ length: 9 }, (_, k) => `rename:${k + 1}`), "write:3"];
    for (const fault of points) await killed(dir, fault, GENERATIONS);
    await resumedMatches(dir, `${first.join(", ")}, then in the last generation ${points.join(", ")}`);
  });

  test("a writer killed at random moments always resumes and ends byte-identical to an uninterrupted run", async () => {
    const dir = fresh(false);
    const rng = new Rng(15);
    const kills: string[] = [];
    for (let k = 0; k < 3; k++) {
      const child = startWriter(dir);
      const ended = finish(child);
      // Kill after a random number of published generations (0 = before or during the first), at a random delay.
      const after = Math.floor(rng.uniform() * 4);
      let seen = 0;
      await new Promise<void>((resolve) => {
        const kill = () => setTimeout(() => resolve(), Math.floor(rng.uniform() * 30));
        if (after === 0) kill();
        child.stdout!.on("data", (b: Buffer) => {
          seen += String(b).split("\n").filter(Boolean).length;
          if (seen >= after) kill();
        });
        child.on("close", () => resolve());
      });
      child.kill("SIGKILL");
      await ended;
      kills.push(`after ${seen} generations`);
      assert.ok(readCommitted(dir) >= 0, "the committed generation is always whole");
    }
    await resumedMatches(dir, kills.join(", "));
  });

  test("of two writers started together exactly one writes, and a polling reader never sees a broken commit", async () => {
    const dir = fresh(false);
    // Both hold the folder after their first generation until released, so the loser always meets
    // a held lock; they are released once one of them has ended.
    const writers = [startWriter(dir, "", GENERATIONS, true), startWriter(dir, "", GENERATIONS, true)];
    const [a, b] = writers.map(finish) as [ReturnType<typeof finish>, ReturnType<typeof finish>];
    void Promise.race([a, b]).then(() => {
      for (const w of writers) w.stdin!.end();
    });
    let reads = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        readCommitted(dir);
        reads++;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const results = await Promise.all([a, b]);
    polling = false;
    await poll;
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(
      codes,
      [0, 3],
      `one writer finished, the other was refused (${JSON.stringify(results)})`,
    );
    assert.ok(
      results.some((r) => r.out.includes("LockBusyError")),
      "the refused writer was told the folder is busy",
    );
    assert.equal(readCommitted(dir), GENERATIONS);
    assert.ok(reads > 0, "the reader ran");
  });
});
