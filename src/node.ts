/**
 * difflux Node entry (`difflux/node`): everything in the core entry plus the parts that touch the
 * file system or load the autodiff engine (@jax-js/jax): file I/O, dataset files, the trainer and
 * checkpoints. The core entry (`difflux`) has no runtime dependency.
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

// Training (autodiff through @jax-js/jax behind one small engine module)
export { type DType, type DiffOps, type HostTensor, type TensorOps, hostOps } from "./train/tensor.js";
export { type Dual, constantDual, dualOps } from "./train/dual.js";
export {
  type CompiledFn,
  type DeviceTensor,
  type Engine,
  type JaxEngineOptions,
  type TracedFn,
  jaxEngine,
} from "./train/engine.js";
export {
  type Activation,
  type MlpConfig,
  type MlpOptions,
  ACTIVATIONS,
  checkMlpConfig,
  initMlpParams,
  mlpConfig,
  mlpForward,
  mlpParamSpecs,
} from "./train/mlp.js";
export {
  type AdamMoments,
  type EmaWarmup,
  type LrSchedule,
  type OptimizerConfig,
  type OptimizerOptions,
  adamUpdate,
  checkOptimizerConfig,
  clipByGlobalNorm,
  DEFAULT_EMA_WARMUP,
  emaDecayAt,
  emaUpdate,
  globalNorm,
  learningRate,
  optimizerConfig,
} from "./train/optim.js";
export { type Batch, lossAndGradient, weightedMse } from "./train/loss.js";
export {
  type AdaptiveTraining,
  type TrainState,
  adaptiveTraining,
  checkAdaptiveTraining,
  checkFiniteState,
  checkTrainState,
  initTrainState,
} from "./train/state.js";
export {
  type OptState,
  type StepOutput,
  type TrainStep,
  type TrainStepOptions,
  disposeState,
  downloadState,
  trainStep,
  uploadState,
} from "./train/step.js";
export {
  type BatchSource,
  type DivergedQuantity,
  type StepInfo,
  type StepResult,
  type TrainOptions,
  type TrainResult,
  type TrainSessionOptions,
  type TrainSnapshot,
  TrainingDivergedError,
  TrainSession,
  train,
} from "./train/trainer.js";
export {
  type NetworkModelOptions,
  type NetworkParameterization,
  ENGINE_MIN_ROW_MACS,
  checkParameterization,
  networkModel,
} from "./train/network.js";
export {
  type PreparedTraining,
  type RecipeOptions,
  type RecipeWeightProfile,
  MAX_TAIL_SHARE,
  checkRecipe,
  prepareTraining,
  recipeProblem,
  recipeWeightProfile,
} from "./train/recipe.js";
export {
  type Standardization,
  STANDARDIZATION_FLOOR,
  checkStandardization,
  fitStandardization,
  standardizationLogDet,
  standardize,
  unstandardize,
} from "./train/standardize.js";
export { type DatasetBatchesOptions, datasetBatches } from "./train/batches.js";
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointMeta,
  type CheckpointModelOptions,
  CHECKPOINT_CONFIG,
  checkpointModel,
  checkpointSaver,
  loadCheckpoint,
  saveCheckpoint,
} from "./train/checkpoint.js";
export {
  type EncodeSafetensorsOptions,
  type Safetensors,
  type SafetensorsDType,
  SAFETENSORS_DTYPES,
  decodeSafetensors,
  encodeSafetensors,
} from "./io/safetensors.js";
export { type StateDictOptions, mlpParamsFromStateDict } from "./train/stateDict.js";
