/**
 * `difflux/extend`: the building blocks for writing your own samplers, schedules and paths — the sampler
 * step machinery, each kind's (data, noise) basis and the hub's kernel, the bridge paths' affine maps,
 * small dense linear algebra, scalar special functions, the Philox generator and the ODE integrators.
 * The main entry (`difflux`) is the public API; these are stable but lower level.
 */
export { checkTime } from "./time.js";
export { philox4x32 } from "./random/philox.js";
export { boxMuller } from "./random/rng.js";
export {
  erf,
  erfc,
  logit,
  logSigmoid,
  logSumExp,
  normalCdf,
  normalQuantile,
  sigmoid,
  softplus,
} from "./math/scalar.js";
export { defineSchedule, levelDLogSnr, levelSde } from "./schedule/schedule.js";
export { derivative } from "./schedule/custom.js";
export { affineCombine, checkKind } from "./convert/kernel.js";
export { dataBasis } from "./convert/data.js";
export { noiseBasis } from "./convert/noise.js";
export { scoreBasis } from "./convert/score.js";
export { velocityBasis } from "./convert/velocity.js";
export { vBasis } from "./convert/v.js";
export { driftBasis } from "./convert/drift.js";
export { basisOf } from "./convert/convert.js";
export {
  type DenseMat,
  type DiagonalMat,
  type Mat,
  type MatLike,
  type ScalarMat,
  IDENTITY,
  ZERO,
  congruence,
  denseMat,
  diagonalMat,
  matAdd,
  matDim,
  matEntry,
  matMul,
  matMulT,
  matSub,
  matToJson,
  matVec,
  matVecBatch,
  scalarMat,
  scale,
  toDense,
  toMat,
  toRows,
  toVector,
  trace,
  transpose,
} from "./math/matrix.js";
export {
  expm,
  inverse,
  invSqrtPd,
  logAbsDet,
  solve,
  sqrtPsd,
  symmetricEigen,
  symmetricFunction,
} from "./math/dense.js";
export { solveOde } from "./sde/ode.js";
export {
  type AffineConversion,
  type AffineTarget,
  affineConversion,
  applyAffine,
} from "./path/bridge/affine.js";
export { integrate, integrateSync } from "./math/integrate.js";
export { importanceWeight } from "./loss/density.js";
export { samplePlanRows } from "./coupling/coupling.js";
export { linearAssignment } from "./coupling/hungarian.js";
export { coordinateLevels, perCoordinate } from "./sampler/levels.js";
export {
  type SamplerInfo,
  Prediction,
  StepRun,
  defineSampler,
  denoiseTo,
  initState,
} from "./sampler/sampler.js";
export { lagrangeIntegrals } from "./sampler/variable.js";
export { isDataEnd, meanLogSnr } from "./path/path.js";
export { asMatrixShape, shapeSize } from "./io/ndarray.js";
export { binIndex } from "./likelihood/bitsPerDim.js";
export { sliceLogSnr } from "./loss/equivalent.js";
export { timeBin } from "./loss/adaptive.js";
export { squaredDistances } from "./coupling/cost.js";
export { interpolantTarget, interpolate } from "./coupling/interpolant.js";
export { resolveGrid, roundHalfEven } from "./sampler/grid.js";
// Registries of your own components (the `NAME:key=value` syntax and name folding of `registry`).
export { type Entry, type ParamType, Registry, nameKey } from "./registry/component.js";

// Half-precision bit patterns (F16 / BF16) and the ZIP/PNG CRC-32
export { crc32 } from "./io/npz.js";
export {
  bfloat16BitsToNumber,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from "./io/float16.js";
