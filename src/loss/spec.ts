/**
 * Rebuilding weightings and time densities from their JSON specs (checkpoint configs, the CLI).
 * Unknown names throw listing the known ones; custom (function-valued) ones cannot be rebuilt.
 */
import { sigmaTilde } from "../time.js";
import { adaptiveWeighting } from "./adaptive.js";
import {
  type TimeDensity,
  type TimeDensitySpec,
  cosmapTime,
  ddpmTimestepTime,
  logNormalSigmaTime,
  logUniformSigmaTime,
  logitNormalTime,
  modeTime,
  stratifiedTime,
  uniformLevelTime,
  uniformTime,
} from "./density.js";
import {
  type Weighting,
  type WeightingSpec,
  edmWeighting,
  likelihoodWeighting,
  minSnrWeighting,
  sd3CosmapWeighting,
  sd3SigmaSqrtWeighting,
  snrOnNoiseWeighting,
  snrWeighting,
  softMinSnrWeighting,
  truncatedSnrOnNoiseWeighting,
  truncatedSnrWeighting,
  uniformWeighting,
} from "./weighting.js";

const WEIGHTINGS = [
  "uniform",
  "snr",
  "truncatedSnr",
  "minSnr",
  "softMinSnr",
  "edm",
  "sd3SigmaSqrt",
  "sd3Cosmap",
  "likelihood",
  "snrOnNoise",
  "truncatedSnrOnNoise",
  "adaptive",
] as const;

const DENSITIES = [
  "uniform",
  "stratified",
  "logitNormal",
  "logNormalSigma",
  "logUniformSigma",
  "mode",
  "cosmap",
  "uniformLevel",
  "ddpmTimestep",
] as const;

function unknown(fn: string, known: readonly string[], name: unknown): never {
  throw new TypeError(
    `${fn}: spec.name must be one of ${known.map((k) => `"${k}"`).join(", ")}, got ${JSON.stringify(name)}`,
  );
}

function custom(fn: string, description: string, make: string): never {
  throw new TypeError(`${fn}: the custom "${description}" has no JSON form; rebuild it with ${make}`);
}

/** The weighting described by `spec` (inverse of `weighting.spec`). */
export function weightingFromSpec(spec: WeightingSpec): Weighting {
  const fn = "weightingFromSpec";
  switch (spec?.name) {
    case "uniform":
      return uniformWeighting();
    case "snr":
      return snrWeighting();
    case "truncatedSnr":
      return truncatedSnrWeighting();
    case "minSnr":
      return minSnrWeighting({ gamma: spec.gamma });
    case "softMinSnr":
      return softMinSnrWeighting({ gamma: spec.gamma });
    case "edm":
      return edmWeighting({ sigmaData: spec.sigmaData });
    case "sd3SigmaSqrt":
      return sd3SigmaSqrtWeighting();
    case "sd3Cosmap":
      return sd3CosmapWeighting();
    case "likelihood":
      return likelihoodWeighting();
    case "snrOnNoise":
      return snrOnNoiseWeighting();
    case "truncatedSnrOnNoise":
      return truncatedSnrOnNoiseWeighting({ max: spec.max });
    case "adaptive":
      return adaptiveWeighting({ bins: spec.bins, logWeights: spec.logWeights });
    case "custom":
      return custom(fn, spec.description, "timeWeighting(w)");
    default:
      return unknown(fn, WEIGHTINGS, (spec as { name?: unknown })?.name);
  }
}

/** The time density described by `spec` (inverse of `density.spec`). */
export function timeDensityFromSpec(spec: TimeDensitySpec): TimeDensity {
  const fn = "timeDensityFromSpec";
  switch (spec?.name) {
    case "uniform":
      return uniformTime({ lo: spec.lo, hi: spec.hi });
    case "stratified":
      return stratifiedTime(timeDensityFromSpec(spec.base));
    case "logitNormal":
      return logitNormalTime({ mean: spec.mean, std: spec.std });
    case "logNormalSigma":
      return logNormalSigmaTime({ pMean: spec.pMean, pStd: spec.pStd });
    case "logUniformSigma":
      return logUniformSigmaTime({
        ...(spec.sigmaMin === null ? {} : { sigmaMin: sigmaTilde(spec.sigmaMin) }),
        ...(spec.sigmaMax === null ? {} : { sigmaMax: sigmaTilde(spec.sigmaMax) }),
      });
    case "mode":
      return modeTime({ scale: spec.scale });
    case "cosmap":
      return cosmapTime();
    case "uniformLevel":
      return uniformLevelTime();
    case "ddpmTimestep":
      return ddpmTimestepTime(spec.steps === null ? {} : { steps: spec.steps });
    case "custom":
      return custom(fn, spec.description, "proportionalTime(f) or your own TimeDensity");
    default:
      return unknown(fn, DENSITIES, (spec as { name?: unknown })?.name);
  }
}
