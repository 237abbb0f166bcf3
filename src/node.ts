/**
 * difflux Node entry (`difflux/node`): everything in the core entry plus the parts that touch the
 * file system or load the autodiff engine (@jax-js/jax): file I/O, dataset files, the trainer and
 * checkpoints. The core entry (`difflux`) has no runtime dependency.
 */
export * from "./index.js";
export { writeFileAtomic } from "./io/atomic.js";
export { readNpy, writeNpy } from "./io/npyFile.js";
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
  type LrSchedule,
  type OptimizerConfig,
  type OptimizerOptions,
  adamUpdate,
  checkOptimizerConfig,
  clipByGlobalNorm,
  emaUpdate,
  globalNorm,
  learningRate,
  optimizerConfig,
} from "./train/optim.js";
export {
  type AdaptiveTraining,
  type Batch,
  type BatchSource,
  type NetworkModelOptions,
  type StepInfo,
  type StepResult,
  type TrainOptions,
  type TrainResult,
  type TrainSessionOptions,
  type TrainSnapshot,
  type TrainState,
  ENGINE_MIN_MACS,
  TrainSession,
  adaptiveTraining,
  checkAdaptiveTraining,
  checkTrainState,
  initTrainState,
  lossAndGradient,
  networkModel,
  train,
  weightedMse,
} from "./train/trainer.js";
export { type DatasetBatchesOptions, datasetBatches } from "./train/batches.js";
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointMeta,
  CHECKPOINT_CONFIG,
  checkpointSaver,
  loadCheckpoint,
  saveCheckpoint,
} from "./train/checkpoint.js";
export {
  type Safetensors,
  type SafetensorsDType,
  decodeSafetensors,
  encodeSafetensors,
} from "./io/safetensors.js";
