/**
 * difflux public API (browser-safe core). Named re-exports only.
 */

// Arrays and time conventions
export type { FloatArray, Shape } from "./array.js";
export {
  type DiffusionTime,
  type LogSnr,
  type Sigma,
  type Time,
  type TrainStep,
  checkTime,
  diffusionTime,
  diffusionTimeToTime,
  logSnr,
  logSnrToSigma,
  sigma,
  sigmaToLogSnr,
  time,
  timeToDiffusionTime,
  timeToTrainStep,
  trainStep,
  trainStepToTime,
} from "./time.js";

// Random numbers
export { philox4x32 } from "./random/philox.js";
export { Rng, type RngState, boxMuller, perSampleNormals } from "./random/rng.js";

// Scalar math
export { erf, erfc, logit, logSigmoid, logSumExp, normalCdf, normalQuantile, sigmoid, softplus } from "./math/scalar.js";

// Schedules
export {
  type ForwardSde,
  type NoiseLevel,
  type Schedule,
  type ScheduleSpec,
  SAFE_LOG_SNR,
  defineSchedule,
  levelDLogSnr,
  levelLogSnr,
  levelSde,
} from "./schedule/schedule.js";
export { linearSchedule } from "./schedule/linear.js";
export { cosineSchedule } from "./schedule/cosine.js";
export { polynomialSchedule } from "./schedule/polynomial.js";
export { linearVpSchedule } from "./schedule/linearVp.js";
export { subVpSchedule, vpSchedule } from "./schedule/vp.js";
export { veSchedule } from "./schedule/ve.js";
export { edmSchedule } from "./schedule/edm.js";
export { type BetaScheduleName, type DiscreteSchedule, type DiscreteScheduleOptions, discreteSchedule } from "./schedule/discrete.js";
export { type ShiftOptions, shiftedSchedule } from "./schedule/shifted.js";
export { type CustomScheduleOptions, customSchedule, derivative } from "./schedule/custom.js";
export { scheduleFromSpec } from "./schedule/spec.js";

// The conversion hub
export { type Basis, type ConvertOptions, type Kind, KINDS, affineCombine, checkKind } from "./convert/kernel.js";
export { dataAndNoiseToXt, dataBasis } from "./convert/data.js";
export { dataToNoise, noiseBasis, noiseToData } from "./convert/noise.js";
export { dataToScore, scoreBasis, scoreToData } from "./convert/score.js";
export { dataToVelocity, velocityBasis, velocityToData } from "./convert/velocity.js";
export { dataToV, vBasis, vToData } from "./convert/v.js";
export { dataToDrift, driftBasis, driftToData } from "./convert/drift.js";
export {
  basisOf,
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
export type { ConditionalGaussian, GaussianPath, PathSlice, Prior, Targets } from "./path/path.js";
export { type AffinePath, type AffineSlice, affinePath, affineSlice } from "./path/affine.js";
export { matchLevel, retime } from "./path/retime.js";
export { type Model, predict } from "./model.js";

// Small matrices
export {
  type DenseMat,
  type DiagonalMat,
  type Mat,
  type ScalarMat,
  denseMat,
  diagonalMat,
  scalarMat,
} from "./math/matrix.js";

// The exact Gaussian-mixture oracle
export {
  type CovarianceSpec,
  type GaussianMixture,
  type GaussianMixtureOptions,
  type MixtureOnPath,
  gaussianMixture,
} from "./oracle/mixture.js";
