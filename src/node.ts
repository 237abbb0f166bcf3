/**
 * difflux Node entry (`difflux/node`): everything in the core entry plus the parts that touch the
 * file system: file I/O, dataset files, run folders and checkpoint directories.
 */
export * from "./index.js";
export { MAX_NAME_BYTES, processAlive, removeStaleTemps, tempPathFor, writeFileAtomic } from "./io/atomic.js";
export { INPUT_LIMITS, type InputLimits, readFileBytes } from "./io/fileBytes.js";
export {
  type LockOwner,
  DirectoryLock,
  LOCK_NAME,
  LockBusyError,
  acquireDirectoryLock,
  readLockOwner,
} from "./io/lock.js";
export {
  type RunCommit,
  type RunRecord,
  RUN_RECORD_NAME,
  RunFolder,
  readRunRecord,
  runFolderProblem,
} from "./io/runFolder.js";
export { readNpy, writeNpy } from "./io/npyFile.js";
export { readNpz } from "./io/npzFile.js";
export { encodePng, toGray8 } from "./io/png.js";
export { readCsv, writeCsv } from "./io/csvFile.js";
export { readIdx, writeIdx } from "./io/idxFile.js";
export {
  type LoadDigitsOptions,
  type LoadedDigits,
  digitsPath,
  loadDigits,
} from "./train/datasets/digitsFile.js";
export { type DataFile, type DataFileFormat, dataFileFormat, loadDataFile } from "./train/datasets/file.js";
export {
  type Dataset,
  type DatasetInfo,
  type DatasetName,
  type LoadDatasetOptions,
  DATASET_NAMES,
  DEFAULT_TOY_SIZE,
  datasetInfo,
  isDatasetName,
  loadDataset,
} from "./train/datasets/registry.js";

// The compiled training step under its earlier names here (the core entry calls it trainingStep /
// TrainingStep, since trainStep / TrainStep there are the discrete-timestep adapter and its type)
export { type TrainStep, trainStep } from "./train/step.js";

// WebAssembly relaxed SIMD (the training kernels' fused multiply-adds) on Node 20, where V8 has it behind a flag
export { enableRelaxedSimd } from "./train/kernels/relaxedSimd.js";

// Checkpoint directories (the bytes form, training and the rest are in the core entry)
export { checkpointSaver, loadCheckpoint, saveCheckpoint } from "./train/checkpoint.js";
