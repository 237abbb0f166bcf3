/**
 * difflux public API (browser-safe: everything that is not a file; `difflux/node` adds files).
 * Named re-exports only. The training section loads @jax-js/jax; a bundle that uses none of it
 * leaves it out (the package has no side effects).
 */

// Arrays and time conventions
export type { FloatArray, Shape } from "./array.js";
export {
  type DiffusionTime,
  type LogSnr,
  type Sigma,
  type Time,
  type TrainStep,
  diffusionTime,
  diffusionTimeToTime,
  logSnr,
  logSnrToSigma,
  sigmaTilde,
  sigmaToLogSnr,
  time,
  timeToDiffusionTime,
  timeToTrainStep,
  trainStep,
  trainStepToTime,
} from "./time.js";

// Random numbers
export { Rng, type RngState, perSampleNormals } from "./random/rng.js";

// Scalar math

// Schedules
export {
  type ForwardSde,
  type NoiseLevel,
  type Schedule,
  type ScheduleSpec,
  SAFE_LOG_SNR,
  levelLogSnr,
} from "./schedule/schedule.js";
export { linearSchedule } from "./schedule/linear.js";
export { cosineSchedule } from "./schedule/cosine.js";
export { polynomialSchedule } from "./schedule/polynomial.js";
export { linearVpSchedule } from "./schedule/linearVp.js";
export { subVpSchedule, vpSchedule } from "./schedule/vp.js";
export { veSchedule } from "./schedule/ve.js";
export { edmSchedule } from "./schedule/edm.js";
export {
  type BetaScheduleName,
  type DiscreteSchedule,
  type DiscreteScheduleOptions,
  discreteSchedule,
} from "./schedule/discrete.js";
export { type ShiftOptions, shiftedSchedule } from "./schedule/shifted.js";
export { type CustomScheduleOptions, customSchedule } from "./schedule/custom.js";
export { scheduleFromSpec } from "./schedule/spec.js";

// The conversion hub
export {
  type Basis,
  type ConvertOptions,
  type Kind,
  type Precision,
  type SimdArena,
  conversionArena,
  KINDS,
} from "./convert/kernel.js";
export { dataAndNoiseToXt } from "./convert/data.js";
export { dataToNoise, noiseToData } from "./convert/noise.js";
export { dataToScore, scoreToData } from "./convert/score.js";
export { dataToVelocity, velocityToData } from "./convert/velocity.js";
export { dataToV, vToData } from "./convert/v.js";
export { dataToDrift, driftToData } from "./convert/drift.js";
export {
  conversionCoefficients,
  convert,
  noiseToScore,
  noiseToV,
  noiseToVelocity,
  scoreToNoise,
  scoreToVelocity,
  vToNoise,
  vToVelocity,
  velocityToNoise,
  velocityToScore,
  velocityToV,
} from "./convert/convert.js";

// Paths and models
export type {
  ConditionalGaussian,
  ConversionMap,
  CoordinateLevels,
  GaussianPath,
  MatJson,
  PathSlice,
  PathSpec,
  Prior,
  Targets,
} from "./path/path.js";
export { type AffinePath, type AffineSlice, affinePath, affineSlice } from "./path/affine.js";
export { matchLevel, retime } from "./model/retime.js";
export { pathFromSpec } from "./path/spec.js";
export {
  type Conditioning,
  type Model,
  checkConditioning,
  conditioningRows,
  predict,
  unconditional,
} from "./model/model.js";

// Small matrices and Gaussians
export type { SymmetricEigen } from "./math/dense.js";
export {
  type Gaussian,
  type GaussianOptions,
  gaussian,
  gaussianLogProb,
  gaussianSample,
} from "./math/gaussian.js";

// Linear SDEs
export type { LinearSde, SdeParams, SdeSpec, Transition, TransitionGrid } from "./sde/sde.js";
export type { OdeOptions, OdeSolution, OdeStats } from "./sde/ode.js";
export { type BrownianMotionOptions, brownianMotion } from "./sde/brownianMotion.js";
export { type OrnsteinUhlenbeckOptions, ornsteinUhlenbeck } from "./sde/ornsteinUhlenbeck.js";
export { type VariancePreservingOptions, variancePreservingSde } from "./sde/variancePreserving.js";
export { timeScaledSde } from "./sde/timeScaled.js";
export { type LtiOptions, linearTimeInvariantSde } from "./sde/lti.js";
export { type LinearSdeOptions, linearSde } from "./sde/linearSde.js";
export {
  type CriticallyDampedLangevinOptions,
  criticallyDampedLangevin,
} from "./sde/criticallyDampedLangevin.js";
export { sdeFromSpec } from "./sde/spec.js";

// Bridge paths (a linear SDE, a prior at t0 = 0 and noisy evidence at t1 = 1)
export { Bridge, type BridgeOptions } from "./path/bridge/bridge.js";
export { type AffineMean, type BridgeTarget, BRIDGE_TARGETS, BridgeSlice } from "./path/bridge/slice.js";
export { type BridgeSlices, bridgeSlices } from "./path/bridge/slices.js";
export {
  type BridgePath,
  type BridgePathOptions,
  BridgePathSlice,
  bridgePath,
} from "./path/bridge/bridgePath.js";
// The linsdex-named API (compat/linsdex.ts)
export {
  DiffusionModelComponents,
  type DiffusionModelComponentsOptions,
  DiffusionModelConversions,
  getProbabilityPath,
  LINSDEX_KINDS,
  type LinsdexKind,
  type MatchingItems,
  ProbabilityPathSlice,
  sampleMatchingItems,
} from "./compat/linsdex.js";

// File formats (bytes ↔ arrays; browser-safe)
export type { NdArray } from "./io/ndarray.js";
export { type EncodeNpyOptions, type NpyArray, encodeNpy, parseNpy } from "./io/npy.js";
export { type ParseNpzOptions, parseNpz } from "./io/npz.js";
export {
  type CsvDelimiter,
  type CsvTable,
  type FormatCsvOptions,
  type ParseCsvOptions,
  detectCsvDelimiter,
  formatCsv,
  parseCsv,
} from "./io/csv.js";
export {
  type EncodeIdxOptions,
  type IdxArray,
  type IdxDtype,
  type ParseIdxOptions,
  encodeIdx,
  parseIdx,
} from "./io/idx.js";

// Resource limits: sizes refused before anything is allocated
export { MAX_ALLOCATION_BYTES, MAX_GRID_STEPS } from "./array.js";
export { NPY_MAX_DIMS, NPY_MAX_HEADER_BYTES, NPY_MAX_HEADER_DEPTH } from "./io/npy.js";
export { SAFETENSORS_MAX_HEADER_BYTES, SAFETENSORS_MAX_HEADER_DEPTH } from "./io/safetensors.js";
export { MAX_SCHEDULE_SPEC_DEPTH } from "./schedule/spec.js";
export { MAX_SDE_SPEC_DEPTH } from "./sde/spec.js";

// Datasets (browser-safe parts)
export {
  type Split,
  type ToyName,
  type ToyOptions,
  REFERENCE_GMM,
  TOY_NAMES,
  sampleToy,
  toyDescription,
} from "./train/datasets/toys.js";
export {
  type DigitsData,
  type DigitsScale,
  DIGITS_COUNT,
  DIGITS_IMAGE_SHAPE,
  DIGITS_PIXELS,
  digitsQuantization,
  parseDigitsCsv,
  scaleDigits,
  unscaleDigits,
} from "./train/datasets/digits.js";

// Sample-quality metrics
export {
  type SlicedDirections,
  slicedWasserstein,
  slicedWassersteinSquared,
  wasserstein2Squared1d,
} from "./metrics/wasserstein.js";
export {
  type MmdEstimator,
  type MmdOptions,
  type MmdResult,
  medianBandwidth,
  mmdRbf,
} from "./metrics/mmd.js";
export { type MeanAndError, meanAndStandardError, rmsDistance } from "./metrics/summary.js";

// The exact Gaussian-mixture oracle
export {
  type CovarianceSpec,
  type GaussianMixture,
  type GaussianMixtureOptions,
  type MixtureOnPath,
  gaussianMixture,
} from "./oracle/mixture.js";

// ODE integration (adaptive Dormand–Prince 5(4), shared or per-row step control; fixed-grid Runge–Kutta)
export {
  type AdaptiveSolver,
  type AsyncRhs,
  type FixedGridSolver,
  type FixedScheme,
  type IntegrateOptions,
  type IntegrateResult,
  type Solver,
  type StepControl,
  type StepInfo as IntegratorStepInfo,
  type SyncRhs,
  DEFAULT_TOLERANCE,
  FIXED_SCHEME_ORDER,
  fixedGrid,
} from "./math/integrate.js";

// Likelihood through the probability-flow ODE
export {
  type LogLikelihoodOptions,
  type LogLikelihoodResult,
  DEFAULT_LIKELIHOOD_SOLVER,
  logLikelihood,
} from "./likelihood/logLikelihood.js";
export {
  type DivergenceOptions,
  type ExactDivergence,
  type FiniteDifferenceOptions,
  type HutchinsonDivergence,
  type JacobianCapabilities,
  type JacobianMethod,
  type JacobianModel,
  type TraceEstimator,
  type TraceEvaluation,
  DEFAULT_MAX_ROWS,
  traceEstimator,
} from "./likelihood/divergence.js";
export { type ModelAsKindOptions, mixtureModel, modelAsKind } from "./likelihood/models.js";
export {
  type Dequantization,
  type DiscreteLogLikelihoodOptions,
  type DiscreteLogLikelihoodResult,
  type Quantization,
  binWidth,
  bitsPerDim,
  dequantize,
  discreteLogLikelihood,
  quantize,
} from "./likelihood/bitsPerDim.js";
export {
  type DiscreteVlbOptions,
  type DiscreteVlbResult,
  type VlbDecoder,
  discreteVariationalBound,
} from "./likelihood/vlb.js";

// Objectives: training batches, loss weightings, time densities, EDM preconditioning
export { type TrainingBatch, type TrainingBatchOptions, trainingBatch } from "./loss/batch.js";
export { type TrainingPath, gaussianPathOf, isInterpolant } from "./loss/trainingPath.js";
export {
  type LevelWeighting,
  type LogSnrWeighting,
  type TimeWeighting,
  type Weighting,
  type WeightingSpec,
  edmWeighting,
  likelihoodWeighting,
  minSnrWeighting,
  rectifiedFlowLevel,
  sd3CosmapWeighting,
  sd3SigmaSqrtWeighting,
  snrOnNoiseWeighting,
  snrWeighting,
  softMinSnrWeighting,
  timeWeighting,
  truncatedSnrOnNoiseWeighting,
  truncatedSnrWeighting,
  uniformWeighting,
} from "./loss/weighting.js";
export { equivalentWeight, lossWeight } from "./loss/equivalent.js";
export {
  type AdaptiveWeighting,
  adaptiveWeighting,
  adaptiveWeightingGradient,
  adaptiveWeightingObjective,
  updateAdaptiveWeighting,
} from "./loss/adaptive.js";
export {
  type TimeDensity,
  type TimeDensitySpec,
  cosmapTime,
  ddpmTimestepTime,
  logNormalSigmaTime,
  logUniformSigmaTime,
  logitNormalTime,
  modeTime,
  proportionalTime,
  stratifiedTime,
  uniformLevelTime,
  uniformTime,
} from "./loss/density.js";
export {
  type EdmNoiseInput,
  type EdmPreconditioning,
  type KindPreconditioning,
  type PreconditionOptions,
  type RawNetwork,
  type RegressionBatch,
  type TimeInput,
  edmPreconditioned,
  edmPreconditioning,
  kindPreconditioning,
  noiseLevelInput,
  preconditionBatch,
} from "./loss/edm.js";

// Couplings and interpolants
export {
  type Coupling,
  type CouplingSpec,
  MAX_COUPLING_BATCH,
  exactOtCoupling,
  independentCoupling,
  sinkhornCoupling,
} from "./coupling/coupling.js";
export type { Assignment } from "./coupling/hungarian.js";
export { type SinkhornOptions, type SinkhornResult, sinkhorn } from "./coupling/sinkhorn.js";
export {
  type Coefficient,
  type InterpolantCoefficients,
  type InterpolantKind,
  type InterpolantSpec,
  type StochasticInterpolant,
  type StochasticInterpolantOptions,
  interpolantFromSpec,
  linearInterpolant,
  lipmanPath,
  stochasticInterpolant,
  trigonometricInterpolant,
} from "./coupling/interpolant.js";
export { type SchrodingerBridgeCfm, schrodingerBridgeCfm } from "./coupling/schrodinger.js";

// Samplers
export {
  type DiscreteGridOptions,
  type DiscreteSpacing,
  type DynamicShiftOptions,
  type Grid,
  type GridEnd,
  type GridFunction,
  type GridShift,
  type SigmaGridOptions,
  type TimeGridOptions,
  customGrid,
  discreteGrid,
  discreteTimesteps,
  dynamicShiftGrid,
  dynamicShiftMu,
  edmGrid,
  exponentialGrid,
  karrasGrid,
  polyexponentialGrid,
  shiftGrid,
  timeQuadraticGrid,
  uniformLogSnrGrid,
  uniformTimeGrid,
} from "./sampler/grid.js";
export {
  type InitOptions,
  type NoiseSource,
  type Sampler,
  type SamplerState,
  recordedNoise,
  seededNoise,
} from "./sampler/sampler.js";
export { type SampleOptions, type SampleResult, sample } from "./sampler/sample.js";
export type { OdeVariable, StagePlacement } from "./sampler/variable.js";
export { type EulerOptions, euler } from "./sampler/euler.js";
export { type HeunOptions, heun } from "./sampler/heun.js";
export { type Rk2Options, dpm2, midpoint, rk2 } from "./sampler/rk2.js";
export { rk4 } from "./sampler/rk4.js";
export { type DopriOptions, type DopriSamplerState, dopri } from "./sampler/dopri.js";
export { type LmsOptions, type LmsState, lms } from "./sampler/lms.js";
export { type DeisOptions, type DeisState, deis } from "./sampler/deis.js";
export { type PndmOptions, type PndmState, pndm } from "./sampler/pndm.js";
export { type DdimOptions, ddim } from "./sampler/ddim.js";
export { type DdpmOptions, type DdpmVariance, ddpm } from "./sampler/ddpm.js";
export { type EulerAncestralOptions, eulerAncestral } from "./sampler/eulerAncestral.js";
export type { DataHistoryState, DataRecord } from "./sampler/exponential.js";
export { type DpmSolverMultistepOptions, dpmSolverMultistep } from "./sampler/dpmSolverMultistep.js";
export { type DpmSolverSinglestepOptions, dpmSolverSinglestep } from "./sampler/dpmSolverSinglestep.js";
export { type UniPcOptions, type UniPcState, unipc } from "./sampler/unipc.js";
export { type EdmStochasticOptions, edmStochastic } from "./sampler/edmStochastic.js";
export { type DiffusionSpec, type EulerMaruyamaOptions, eulerMaruyama } from "./sampler/eulerMaruyama.js";
export { type PredictorCorrectorOptions, predictorCorrector } from "./sampler/predictorCorrector.js";
export { type AnnealedLangevinOptions, annealedLangevin } from "./sampler/annealedLangevin.js";
export {
  type DiffusersConfig,
  type DiffusersNet,
  type DiffusersOptions,
  type DiffusersScheduler,
  type DiffusersSetup,
  fromDiffusers,
} from "./compat/diffusers.js";

// Named components (the registry: every name of a sampler, grid, path, weighting, time density,
// coupling and kind, with the names other tools use for the samplers)
export type {
  Alias,
  AliasSource,
  Choice,
  ParamSpec,
  ParamValue,
  Registry,
  Resolution,
} from "./registry/component.js";
export { type NamedSampler, registry, samplerByName } from "./registry/registry.js";
export type { GridContext } from "./registry/grids.js";
export { couplingFromSpec } from "./registry/couplings.js";
export { adaptiveTrainingOf, timeDensityFromSpec, weightingFromSpec } from "./registry/losses.js";
// Fréchet distance between feature statistics (FID-style)
export { type FeatureStatistics, featureStatistics, frechetDistance } from "./metrics/frechet.js";

// Classifier-free guidance and its exact class-conditional oracle
export {
  type GuidanceInterval,
  type GuidanceOptions,
  type GuidanceScale,
  type GuidedModel,
  classifierFreeGuidance,
  guidanceRamp,
} from "./guidance/cfg.js";
export {
  type ClassConditionalMixture,
  type ClassConditionalMixtureOptions,
  classConditionalMixture,
} from "./guidance/mixture.js";

// Training (autodiff through @jax-js/jax behind one small engine module: WebGPU where the browser has
// it, wasm otherwise), networks as models, checkpoints as bytes, safetensors and PyTorch state dicts
export { sha256Hex } from "./io/sha256.js";
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
  type TrainStep as TrainingStep,
  type TrainStepOptions,
  disposeState,
  downloadState,
  trainStep as trainingStep,
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
  type CheckpointBytes,
  type CheckpointExpectation,
  type CheckpointMeta,
  type CheckpointModelOptions,
  type CheckpointSource,
  CHECKPOINT_CONFIG,
  checkpointModel,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./train/checkpointBytes.js";
export {
  type EncodeSafetensorsOptions,
  type Safetensors,
  type SafetensorsDType,
  SAFETENSORS_DTYPES,
  decodeSafetensors,
  encodeSafetensors,
} from "./io/safetensors.js";
export { type StateDictOptions, mlpParamsFromStateDict } from "./train/stateDict.js";
