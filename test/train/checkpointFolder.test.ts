/**
 * Checkpoint folders are run folders: saving never touches a file difflux did not write — a folder
 * with foreign files is refused byte for byte as it was, files a user drops into a run folder
 * survive every save, only the run's own older weights are removed — and a folder another writer
 * holds is refused with the lock's error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LockBusyError } from "../../src/io/lock.js";
import { foreignFolder } from "../io/fixtures.js";
import { RUN_RECORD_NAME, RunFolder, readRunRecord } from "../../src/io/runFolder.js";
import { Rng } from "../../src/random/rng.js";
import { type CheckpointMeta, loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { initTrainState } from "../../src/train/state.js";

const root = mkdtempSync(join(tmpdir(), "difflux-ckptfolder-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `run-${dirs++}`);

const model = mlpConfig({ dim: 2, width: 4, depth: 1, timeEmbedding: { dim: 2 } });
const optimizer = optimizerConfig({ kind: "adamw", lr: 1e-3 });
const meta: CheckpointMeta = {
  path: { kind: "affine", schedule: { family: "linear", sigmaMin: 0 } },
  kind: "velocity",
  schedule: { family: "linear", sigmaMin: 0 },
};

function save(target: string | RunFolder, step: number): void {
  const state = { ...initTrainState(model, optimizer, new Rng(1, 1)), step };
  saveCheckpoint(target, {
    meta,
    model,
    optimizer,
    dtype: "float32",
    adaptive: null,
    state,
    rng: new Rng(1).getState(),
  });
}

test("saveCheckpoint refuses a folder holding files difflux did not write and leaves every byte as it was", () => {
  const dir = freshDir();
  const snapshot = foreignFolder(dir);
  const before = snapshot();
  assert.throws(
    () => save(dir, 3),
    /^Error: saveCheckpoint: .* holds files difflux did not write \(.*weights-7\.safetensors.*\); choose a new or empty folder$/,
  );
  assert.deepEqual(snapshot(), before, "nothing written, nothing removed");
});

test("saves remove only the run's own older weights; files a user adds to the run folder survive", () => {
  const dir = freshDir();
  save(dir, 1);
  writeFileSync(join(dir, "notes.txt"), "mine");
  writeFileSync(join(dir, "weights-0.safetensors"), "mine too");
  save(dir, 2);
  save(dir, 3);
  assert.deepEqual(readdirSync(dir).sort(), [
    RUN_RECORD_NAME,
    "config.json",
    "notes.txt",
    "weights-0.safetensors",
    "weights-3.safetensors",
  ]);
  assert.equal(readFileSync(join(dir, "weights-0.safetensors"), "utf8"), "mine too");
  assert.deepEqual([...readRunRecord(dir)!.files].sort(), ["config.json", "weights-3.safetensors"]);
  assert.equal(loadCheckpoint(dir).state.step, 3);
  // A weights file of the user's under the name the save would write is refused, not overwritten.
  writeFileSync(join(dir, "weights-4.safetensors"), "mine as well");
  assert.throws(() => save(dir, 4), /weights-4\.safetensors exists and was not written by this difflux run/);
  assert.equal(readFileSync(join(dir, "weights-4.safetensors"), "utf8"), "mine as well");
  assert.equal(loadCheckpoint(dir).state.step, 3, "the previous checkpoint stands");
});

test("a save keeps the run folder's other files, and a folder held by another writer is refused", () => {
  const dir = freshDir();
  const run = RunFolder.open(dir, "difflux train");
  run.write("train.json", "{}");
  save(run, 5);
  run.write("loss.csv", "step,loss\n");
  save(run, 6);
  assert.deepEqual(run.committed?.needs.slice().sort(), [
    "config.json",
    "loss.csv",
    "train.json",
    "weights-6.safetensors",
  ]);
  assert.throws(
    () => save(dir, 7),
    (err: Error) => err instanceof LockBusyError && /^saveCheckpoint: .* is in use by pid/.test(err.message),
  );
  run.close();
  assert.equal(loadCheckpoint(dir).state.step, 6);
});
