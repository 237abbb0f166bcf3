/**
 * Training checkpoints on disk (Node only): a directory holding the two files of checkpointBytes.ts,
 * weights-<step>.safetensors and config.json (see there for their contents).
 * The directory is a run folder (io/runFolder.ts): saving refuses a folder holding files difflux did
 * not write, takes the folder's lock, and lists every file in the run record before writing it.
 * Both files are written atomically (temp file + rename), weights first: config.json is the commit
 * point (`RunFolder.commit`), so an interrupted save leaves the previous checkpoint intact, and
 * after it the older weights files this run wrote are removed — never a file the record does not
 * list, and a save or resume after a kill removes what the kill left. Loading validates config.json
 * (field by field), the hash, and every tensor against the architecture, and names the file and the
 * problem; a reader racing a writer re-reads config.json when the weights it named were replaced
 * meanwhile. No checkpoint holds a non-finite number: saving refuses such a state and loading
 * rejects one.
 */
import { join } from "node:path";
import { readFileBytes } from "../io/fileBytes.js";
import { RunFolder } from "../io/runFolder.js";
import {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointMeta,
  CHECKPOINT_CONFIG,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./checkpointBytes.js";
import type { TrainSnapshot } from "./trainer.js";

export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointMeta,
  type CheckpointModelOptions,
  CHECKPOINT_CONFIG,
  checkpointModel,
} from "./checkpointBytes.js";

/** Whether `name` is a checkpoint weights file (`weights-<step>.safetensors`). */
function isWeightsFile(name: string): boolean {
  return /^weights-\d+\.safetensors$/.test(name);
}

/**
 * Saves `checkpoint` into `target` — a directory (created if missing; opened as a run folder for
 * this save: refused when it holds files difflux did not write or another process holds it) or a
 * run folder the caller holds open — atomically; see the file header. The commit keeps every file
 * of the folder's record except older weights files. Throws if the state does not fit the model
 * and optimizer configs.
 */
export function saveCheckpoint(target: string | RunFolder, checkpoint: Checkpoint): void {
  if (typeof target === "string") {
    let folder: RunFolder;
    try {
      folder = RunFolder.open(target, "difflux saveCheckpoint");
    } catch (err) {
      // The class (LockBusyError for a folder in use) is kept; the message names the function.
      if (err instanceof Error) err.message = `saveCheckpoint: ${err.message}`;
      throw err;
    }
    try {
      saveCheckpoint(folder, checkpoint);
    } finally {
      folder.close();
    }
    return;
  }
  const { weightsFile, weights, config } = encodeCheckpoint(checkpoint, "saveCheckpoint");
  target.write(weightsFile, weights);
  const keep = target.record.files.filter((n) => n !== CHECKPOINT_CONFIG && !isWeightsFile(n));
  target.commit(CHECKPOINT_CONFIG, config, [weightsFile, ...keep]);
}

/**
 * A `train` checkpoint callback that saves each snapshot to `target` (a directory or an open run
 * folder, as `saveCheckpoint` takes) with `meta`:
 * train({ …, checkpoint: { every: 500, save: checkpointSaver(dir, meta) } }).
 */
export function checkpointSaver(
  target: string | RunFolder,
  meta: CheckpointMeta,
): (snapshot: TrainSnapshot) => void {
  return (snapshot) => saveCheckpoint(target, { meta, ...snapshot });
}

/**
 * Loads and validates the checkpoint in `dir`. Errors name the file and what is wrong: unreadable or
 * invalid config.json (with the offending field), a weights file that is missing, corrupt or from
 * another save (size/SHA-256), a missing or misshapen tensor, or a mismatch with `expect`.
 */
export function loadCheckpoint(dir: string, expect: CheckpointExpectation = {}): Checkpoint {
  // A writer may commit a newer checkpoint (and remove the weights the config named) between the
  // reads of config.json and of the weights: then config.json has changed, and reading again gives
  // a whole checkpoint.
  const configPath = join(dir, CHECKPOINT_CONFIG);
  for (let attempt = 1; ; attempt++) {
    const before = configText(configPath);
    try {
      return loadCheckpointOnce(dir, expect);
    } catch (err) {
      if (attempt >= LOAD_ATTEMPTS || before === null || configText(configPath) === before) throw err;
    }
  }
}

/** Attempts at reading a checkpoint that a writer keeps replacing (each sees a newer commit). */
const LOAD_ATTEMPTS = 5;

/** The text of config.json, null when it cannot be read. */
function configText(path: string): string | null {
  try {
    return new TextDecoder().decode(readFileBytes("loadCheckpoint", path));
  } catch {
    return null;
  }
}

function loadCheckpointOnce(dir: string, expect: CheckpointExpectation): Checkpoint {
  const configPath = join(dir, CHECKPOINT_CONFIG);
  return decodeCheckpoint(
    {
      config: readFileBytes("loadCheckpoint", configPath),
      configLabel: configPath,
      weights: (file) => readFileBytes("loadCheckpoint", join(dir, file)),
      weightsLabel: (file) => join(dir, file),
    },
    expect,
    "loadCheckpoint",
  );
}
