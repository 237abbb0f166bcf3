/**
 * Loss weightings and training-time densities by name (src/loss), and their rebuilding from the JSON
 * specs the components carry (`weighting.spec`, `density.spec`: checkpoints, run records). A spec's
 * name is the component's name in camel case (`minSnr` for `min-snr`), which folds to the same name,
 * so the registry is the one list of both.
 */
import { adaptiveWeighting } from "../loss/adaptive.js";
import {
  cosmapTime,
  ddpmTimestepTime,
  logitNormalTime,
  logNormalSigmaTime,
  logUniformSigmaTime,
  modeTime,
  stratifiedTime,
  type TimeDensity,
  type TimeDensitySpec,
  uniformLevelTime,
  uniformTime,
} from "../loss/density.js";
import {
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
  type Weighting,
  type WeightingSpec,
} from "../loss/weighting.js";
import { sigmaTilde } from "../time.js";
import { type Entry, type ParamValue, Registry } from "./component.js";

type Params = Readonly<Record<string, ParamValue>>;
const num = (p: Params, k: string) => p[k] as number | undefined;

/** Every weighting entry, in help order. */
export const WEIGHTING_ENTRIES: readonly Entry<Weighting, void>[] = [
  { name: "uniform", summary: "w = 1 on the trained kind", params: {}, build: () => uniformWeighting() },
  {
    name: "snr",
    summary: "SNR on the data error (= the plain ε-loss, Ho et al. 2020)",
    params: {},
    build: () => snrWeighting(),
  },
  {
    name: "truncated-snr",
    summary: "max(SNR, 1) (Salimans & Ho 2022)",
    params: {},
    build: () => truncatedSnrWeighting(),
  },
  {
    name: "min-snr",
    summary: "min(SNR, γ), default γ = 5 (Hang et al. 2023)",
    params: { gamma: { type: "number", description: "γ > 0 (default 5)" } },
    build: (p) => minSnrWeighting({ gamma: num(p, "gamma") }),
  },
  {
    name: "soft-min-snr",
    summary: "soft min(SNR, γ), default γ = 4 (k-diffusion)",
    params: { gamma: { type: "number", description: "γ > 0 (default 4)" } },
    build: (p) => softMinSnrWeighting({ gamma: num(p, "gamma") }),
  },
  {
    name: "edm",
    summary: "EDM λ(σ), default σ_data = 0.5 (Karras et al. 2022)",
    params: { sigmaData: { type: "number", description: "σ_data > 0 (default 0.5)" } },
    build: (p) => edmWeighting({ sigmaData: num(p, "sigmaData") }),
  },
  {
    name: "sd3-sigma-sqrt",
    summary: "SD3 sigma_sqrt weighting (Esser et al. 2024)",
    params: {},
    build: () => sd3SigmaSqrtWeighting(),
  },
  {
    name: "sd3-cosmap",
    summary: "SD3 cosmap weighting (Esser et al. 2024)",
    params: {},
    build: () => sd3CosmapWeighting(),
  },
  {
    name: "likelihood",
    summary: "g² on the score error (Song et al. 2021, likelihood training)",
    params: {},
    build: () => likelihoodWeighting(),
  },
  {
    name: "snr-on-noise",
    summary: "SNR on the noise (ε) error (the discrete-DDPM recipe's snr)",
    params: {},
    build: () => snrOnNoiseWeighting(),
  },
  {
    name: "truncated-snr-on-noise",
    summary: "min(SNR, max) on the noise (ε) error, default max = 5 (the DDPM recipe's truncated_snr)",
    params: { max: { type: "number", description: "SNR cap > 0 (default 5)" } },
    build: (p) => truncatedSnrOnNoiseWeighting({ max: num(p, "max") }),
  },
  {
    name: "adaptive",
    summary:
      "learned per-time-bin weights ∝ 1/(bin mean loss), default 32 bins, lr 1 (EDM2, Karras et al. 2024)",
    params: {
      bins: { type: "integer", description: "time bins K ≥ 1 (default 32)" },
      lr: { type: "number", description: "learning rate η > 0 of the log-weights (default 1)" },
    },
    // The weights start uniform; a trainer learns them (see `adaptiveTrainingOf`).
    build: (p) => adaptiveWeighting({ bins: num(p, "bins") }),
  },
];

/** The weighting registry. */
export const weightingRegistry = new Registry<Weighting>("weighting", WEIGHTING_ENTRIES);

/**
 * The trainer settings of a learned weighting (`adaptive:bins=…,lr=…` → { bins, learningRate }, absent
 * values left to the trainer's defaults), or null for a fixed weighting.
 */
export function adaptiveTrainingOf(choice: {
  readonly name: string;
  readonly params: Params;
}): { readonly bins?: number; readonly learningRate?: number } | null {
  if (weightingRegistry.entry(choice.name)?.name !== "adaptive") return null;
  return { bins: num(choice.params, "bins"), learningRate: num(choice.params, "lr") };
}

/** Every time-density entry, in help order. */
export const TIME_DENSITY_ENTRIES: readonly Entry<TimeDensity, void>[] = [
  {
    name: "uniform",
    summary: "t ~ U[lo, hi], default [0, 1]",
    params: {
      lo: { type: "number", description: "lower end (default 0)" },
      hi: { type: "number", description: "upper end (default 1)" },
    },
    build: (p) => uniformTime({ lo: num(p, "lo"), hi: num(p, "hi") }),
  },
  {
    name: "stratified",
    summary: "uniform, one t per stratum of the batch",
    params: {},
    build: () => stratifiedTime(),
  },
  {
    name: "logit-normal",
    summary: "SD3 logit-normal, default mean 0, std 1",
    params: {
      mean: { type: "number", description: "mean of logit t (default 0)" },
      std: { type: "number", description: "standard deviation of logit t (default 1)" },
    },
    build: (p) => logitNormalTime({ mean: num(p, "mean"), std: num(p, "std") }),
  },
  {
    name: "log-normal-sigma",
    summary: "EDM log σ ~ N(pMean, pStd²), default −1.2, 1.2",
    params: {
      pMean: { type: "number", description: "P_mean (default −1.2)" },
      pStd: { type: "number", description: "P_std (default 1.2)" },
    },
    build: (p) => logNormalSigmaTime({ pMean: num(p, "pMean"), pStd: num(p, "pStd") }),
  },
  {
    name: "log-uniform-sigma",
    summary: "log σ uniform on [sigmaMin, sigmaMax]",
    params: {
      sigmaMin: { type: "number", description: "smallest σ (default the path's)" },
      sigmaMax: { type: "number", description: "largest σ (default the path's)" },
    },
    build: (p) =>
      logUniformSigmaTime({
        sigmaMin: p.sigmaMin === undefined ? undefined : sigmaTilde(num(p, "sigmaMin")!),
        sigmaMax: p.sigmaMax === undefined ? undefined : sigmaTilde(num(p, "sigmaMax")!),
      }),
  },
  {
    name: "mode",
    summary: "SD3 mode sampling, default scale 1.29",
    params: { scale: { type: "number", description: "scale s (default 1.29)" } },
    build: (p) => modeTime({ scale: num(p, "scale") }),
  },
  { name: "cosmap", summary: "SD3 cosmap", params: {}, build: () => cosmapTime() },
  {
    name: "uniform-level",
    summary:
      "noise level τ = α/(α + σ) uniform on the path's safe range (rectified flow's levels on any path)",
    params: {},
    build: () => uniformLevelTime(),
  },
  {
    name: "ddpm-timestep",
    summary: "DDPM's integer timesteps k ~ randint(0, N), default N = the path's table length",
    params: { steps: { type: "integer", description: "N ≥ 1 (default the path's table)" } },
    build: (p) => ddpmTimestepTime(p.steps === undefined ? {} : { steps: num(p, "steps") }),
  },
];

/** The time-density registry. */
export const timeDensityRegistry = new Registry<TimeDensity>("time density", TIME_DENSITY_ENTRIES);

function custom(fn: string, description: string, make: string): never {
  throw new TypeError(`${fn}: the custom "${description}" has no JSON form; rebuild it with ${make}`);
}

/** The spec's fields other than its name, as parameters (null = the constructor's default). */
function specParams(spec: object): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(spec)) if (k !== "name" && v !== null) out[k] = v as ParamValue;
  return out;
}

/** The weighting described by `spec` (inverse of `weighting.spec`). */
export function weightingFromSpec(spec: WeightingSpec): Weighting {
  const fn = "weightingFromSpec";
  if (spec?.name === "custom") return custom(fn, spec.description, "timeWeighting(w)");
  // The learned log-weights are data, not a parameter of the name.
  if (spec?.name === "adaptive") return adaptiveWeighting({ bins: spec.bins, logWeights: spec.logWeights });
  return weightingRegistry.build(
    weightingRegistry.check({ name: spec?.name, params: spec ? specParams(spec) : {} }, `${fn}: spec`),
    undefined,
  );
}

/** The time density described by `spec` (inverse of `density.spec`). */
export function timeDensityFromSpec(spec: TimeDensitySpec): TimeDensity {
  const fn = "timeDensityFromSpec";
  if (spec?.name === "custom")
    return custom(fn, spec.description, "proportionalTime(f) or your own TimeDensity");
  // stratified wraps another density's spec.
  if (spec?.name === "stratified") return stratifiedTime(timeDensityFromSpec(spec.base));
  return timeDensityRegistry.build(
    timeDensityRegistry.check({ name: spec?.name, params: spec ? specParams(spec) : {} }, `${fn}: spec`),
    undefined,
  );
}
