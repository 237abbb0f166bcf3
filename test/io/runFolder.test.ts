/**
 * Run folders never touch what difflux did not write: a folder with foreign files is refused with
 * every byte left as it was; the record is written first and lists every file before it is written;
 * cleanup removes listed files only; a hostile record cannot point cleanup outside the folder; two
 * writers exclude each other, and a killed writer's folder opens again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { LockBusyError } from "../../src/io/lock.js";
import { RUN_RECORD_NAME, RunFolder, readRunRecord, runFolderProblem } from "../../src/io/runFolder.js";
import { foreignFolder, scratchDirs } from "./fixtures.js";

const { fresh: freshDir, done } = scratchDirs("runfolder");
after(done);
const fresh = () => freshDir(false);
const root = freshDir();

/** Every file of `dir` with its bytes. */
const listing = (dir: string) =>
  readdirSync(dir)
    .filter((n) => !n.startsWith("."))
    .sort();

describe("run folders", () => {
  test("a folder holding files difflux did not write is refused and left byte for byte as it was", () => {
    const dir = fresh();
    const snapshot = foreignFolder(dir);
    const before = snapshot();
    assert.throws(
      () => RunFolder.open(dir, "difflux train"),
      /holds files difflux did not write \(.*notes\.txt.*\); choose a new or empty folder$/,
    );
    assert.deepEqual(snapshot(), before, "nothing written, nothing removed");
  });

  test("a new or empty folder gets its record first; every write is listed before it happens", () => {
    for (const make of [false, true]) {
      const dir = fresh();
      if (make) mkdirSync(dir);
      const run = RunFolder.open(dir, "difflux train");
      assert.deepEqual(readdirSync(dir).sort(), [".difflux.lock", RUN_RECORD_NAME].sort());
      assert.deepEqual(readRunRecord(dir)!.files, []);
      run.write("weights-10.safetensors", new Uint8Array(4));
      run.write("loss.csv", "step,loss\n");
      assert.deepEqual(readRunRecord(dir)!.files, ["weights-10.safetensors", "loss.csv"]);
      run.close();
      assert.ok(!readdirSync(dir).includes(".difflux.lock"), "close releases the lock");
      assert.equal(runFolderProblem(dir), null, "a run folder is accepted again");
    }
  });

  test("cleanup removes listed files only; files added by the user into a run folder survive", () => {
    const dir = fresh();
    const run = RunFolder.open(dir, "difflux train");
    run.write("weights-1.safetensors", "a");
    run.write("weights-2.safetensors", "b");
    writeFileSync(join(dir, "notes.txt"), "mine");
    writeFileSync(join(dir, "weights-3.safetensors"), "mine too");
    assert.equal(run.remove("notes.txt"), false, "an unlisted file is never removed");
    assert.deepEqual(
      run.clear((n) => n === "weights-2.safetensors"),
      ["weights-1.safetensors"],
    );
    assert.throws(
      () => run.write("weights-3.safetensors", "x"),
      /exists and was not written by this difflux run/,
    );
    assert.equal(readFileSync(join(dir, "weights-3.safetensors"), "utf8"), "mine too");
    run.close();
    assert.deepEqual(
      readdirSync(dir).sort(),
      [RUN_RECORD_NAME, "notes.txt", "weights-2.safetensors", "weights-3.safetensors"].sort(),
    );
  });

  test("a record listing paths outside the folder, or a corrupt record, stops everything", () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(root, "victim.txt"), "keep");
    const record = (files: unknown) =>
      JSON.stringify({ format: "difflux-run", version: 1, command: "x", created: "now", files });
    for (const files of [["../victim.txt"], ["/etc/passwd"], ["a/b"], [".."], [3]]) {
      writeFileSync(join(dir, RUN_RECORD_NAME), record(files));
      assert.throws(() => RunFolder.open(dir, "x"), /is not a valid difflux run record \(files lists/);
    }
    writeFileSync(join(dir, RUN_RECORD_NAME), "{not json");
    assert.throws(() => RunFolder.open(dir, "x"), /is not a valid difflux run record/);
    rmSync(join(dir, RUN_RECORD_NAME));
    symlinkSync("/dev/zero", join(dir, RUN_RECORD_NAME));
    assert.throws(() => RunFolder.open(dir, "x"), /character device, not a regular file/);
    assert.equal(readFileSync(join(root, "victim.txt"), "utf8"), "keep");
    assert.throws(() => RunFolder.open(join(root, "victim.txt"), "x"), /is a file, not a folder/);
  });

  test("a commit keeps exactly what it needs; reopening finishes or rolls back a commit a kill interrupted", () => {
    const dir = fresh();
    const run = RunFolder.open(dir, "x");
    run.write("w-1", "one");
    assert.deepEqual(run.commit("c.json", "1", ["w-1"]), [], "nothing to prune at the first commit");
    run.write("w-2", "two");
    run.write("extra", "never needed");
    assert.deepEqual(run.commit("c.json", "2", ["w-2"]).sort(), ["extra", "w-1"], "the rest is pruned");
    assert.throws(
      () => run.commit("c.json", "3", ["w-3"]),
      /is needed by the commit c\.json but was not written/,
    );
    writeFileSync(join(dir, "mine.txt"), "user");
    assert.throws(() => run.commit("mine.txt", "x", []), /exists and was not written by this difflux run/);
    run.write("w-3", "three");
    run.close();
    // A kill after the pending record and before the commit file: the commit did not happen.
    const record = readRunRecord(dir)!;
    const pending = { file: "c.json", sha256: "0".repeat(64), needs: ["c.json", "w-3"] };
    writeFileSync(join(dir, RUN_RECORD_NAME), JSON.stringify({ ...record, pending }));
    const again = RunFolder.open(dir, "x");
    assert.deepEqual(again.committed?.needs, ["c.json", "w-2"], "the previous commit stands");
    assert.deepEqual(listing(dir), ["c.json", "mine.txt", "w-2"], "w-3 was never committed: pruned");
    // A kill after the commit file and before the committed record: the commit took place.
    again.write("w-4", "four");
    again.close();
    writeFileSync(join(dir, "c.json"), "4");
    const sha = createHash("sha256").update("4").digest("hex");
    const after4 = {
      ...readRunRecord(dir)!,
      pending: { file: "c.json", sha256: sha, needs: ["c.json", "w-4"] },
    };
    writeFileSync(join(dir, RUN_RECORD_NAME), JSON.stringify(after4));
    const third = RunFolder.open(dir, "x");
    assert.deepEqual(third.committed?.needs, ["c.json", "w-4"], "the pending commit is recorded");
    assert.deepEqual(listing(dir), ["c.json", "mine.txt", "w-4"], "and w-2 pruned; the user's file kept");
    third.close();
  });

  test("names written into a run folder must be plain file names", () => {
    const run = RunFolder.open(fresh(), "x");
    for (const bad of ["../x", "a/b", "", ".", "..", RUN_RECORD_NAME, ".difflux.lock", "a\0b"]) {
      assert.throws(() => run.write(bad, "x"), /is not a plain file name for a run folder/, bad);
    }
    run.close();
  });

  test("a second writer is refused while the first holds the folder; a killed writer's folder opens again", async () => {
    const dir = fresh();
    const first = RunFolder.open(dir, "difflux train");
    assert.throws(
      () => RunFolder.open(dir, "difflux train"),
      (err: Error) => err instanceof LockBusyError,
    );
    first.close();
    // A child opens the folder, writes a file and is killed while holding the lock.
    const module = new URL("../../src/io/runFolder.ts", import.meta.url).href;
    const script = `
      const { RunFolder } = await import(${JSON.stringify(module)});
      const run = RunFolder.open(${JSON.stringify(dir)}, "child");
      run.write("step.txt", "1");
      process.stdout.write("ready");
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    assert.throws(() => RunFolder.open(dir, "x"), /in use by pid \d+ .*\(child, since/);
    await new Promise<void>((resolve) => {
      child.on("close", () => resolve());
      child.kill("SIGKILL");
    });
    const again = RunFolder.open(dir, "difflux train");
    assert.ok(again.owns("step.txt"), "the killed run's files are still listed");
    again.close();
  });
});
