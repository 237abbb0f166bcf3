/**
 * Whether a training recipe (path, kind, loss weighting, time density) can train a preconditioned
 * network. With preconditioning (loss/edm.ts) the network F learns a unit-variance residual whatever
 * the kind, and a weight w(t) on the kind's error is the weight
 *   ω(t) = w(t)·cOut(t)²
 * on F's error; the objective is ∫ π(t)·ω(t) dt = E_{u ~ U(0, 1)}[ω(Q(u))] with Q the density's
 * quantile. Where ω grows without bound at an end of the path faster than the density thins out
 * (score or uniform-weighted velocity where σ → 0 polynomially, say), the objective is infinite: a
 * few draws near that end carry the whole loss and training follows them. Such recipes are refused
 * up front, with the share of the loss that the extreme 0.2 % of draws carry and the fix. So are
 * recipes whose weight is concentrated on a narrow band of noise levels (Kish's effective sample
 * size below a fifth of the draws): the network then learns that band only.
 *
 * Under the EDM weighting with the same σ_d (λ·cOut² = 1 for data, and the same for every kind by
 * `equivalentWeight`) ω ≡ 1: every kind then trains the same network on the same objective (up to the
 * sign of F), so `edmWeighting({ sigmaData })` is the weighting that makes the kind irrelevant.
 */
import type { Kind } from "../convert/kernel.js";
import type { TimeDensity } from "../loss/density.js";
import { kindPreconditioning } from "../loss/edm.js";
import { lossWeight } from "../loss/equivalent.js";
import type { Weighting } from "../loss/weighting.js";
import type { GaussianPath } from "../path/path.js";
import { type FloatArray, checkFloatArray } from "../array.js";
import type { NetworkParameterization } from "./network.js";
import { type Standardization, fitStandardization, standardize } from "./standardize.js";

/** What `recipeWeightProfile` measures. */
export interface RecipeWeightProfile {
  /** ∫ π(t)·ω(t) dt over u ∈ [10⁻⁹, 1 − 10⁻⁹] (the objective's scale for unit errors of F). */
  readonly total: number;
  /** The share of `total` carried by u < 10⁻³ and u > 1 − 10⁻³ (the extreme 0.2 % of draws). */
  readonly tailShare: number;
  /** The end whose tail carries more: "noise" (t → 0) or "data" (t → 1). */
  readonly end: "noise" | "data";
  /** The largest ω met and the time it is at. */
  readonly largest: { readonly weight: number; readonly t: number };
  /**
   * Kish's effective sample size of the draws' weights as a fraction of the draws, over the bulk
   * u ∈ [10⁻³, 1 − 10⁻³] (the tails are `tailShare`'s): (∫π·ω)²/(∫π·ω²·∫π) ∈ (0, 1], 1 when every
   * draw counts the same, small when a narrow band of noise levels carries the loss.
   */
  readonly effectiveFraction: number;
}

/** Options of the recipe checks. */
export interface RecipeOptions {
  /** σ_d of the preconditioning (default 1: standardized data). */
  readonly sigmaData?: number;
  /** g² of the generative SDE; required for kind "drift". */
  readonly g2?: number | ((t: number) => number);
}

/** Probability levels u and their widths: a linear grid on [10⁻³, 1 − 10⁻³] and log grids into each tail. */
function probabilityGrid(): { u: number; du: number; tail: "noise" | "data" | null }[] {
  const out: { u: number; du: number; tail: "noise" | "data" | null }[] = [];
  const central = 400;
  const width = (1 - 2e-3) / central;
  for (let k = 0; k < central; k++) out.push({ u: 1e-3 + (k + 0.5) * width, du: width, tail: null });
  const perDecade = 12;
  for (let k = 0; k < 6 * perDecade; k++) {
    const lo = 10 ** -(3 + (k + 1) / perDecade);
    const hi = 10 ** -(3 + k / perDecade);
    const u = Math.sqrt(lo * hi);
    out.push({ u, du: hi - lo, tail: "noise" }, { u: 1 - u, du: hi - lo, tail: "data" });
  }
  return out;
}

/**
 * ω(t) = w(t)·cOut(t)² over the time density (file header): the objective's total, the share of its
 * extreme 0.2 % of draws, and the largest weight. Needs a path with scalar levels (affine).
 */
export function recipeWeightProfile(
  path: GaussianPath,
  kind: Kind,
  weighting: Weighting,
  timeDensity: TimeDensity,
  options: RecipeOptions = {},
): RecipeWeightProfile {
  const fn = "recipeWeightProfile";
  const sigmaData = options.sigmaData ?? 1;
  let total = 0;
  const bulk = { sum: 0, squares: 0, mass: 0 };
  const tails = { noise: 0, data: 0 };
  let largest = { weight: 0, t: Number.NaN };
  for (const { u, du, tail } of probabilityGrid()) {
    const t = timeDensity.quantile(u, path);
    const slice = path.slice(t);
    if (slice.level === undefined) {
      throw new TypeError(
        `${fn}: the path "${path.name}" has no scalar noise level (a bridge); the preconditioned weight profile needs an affine path`,
      );
    }
    const g2 = typeof options.g2 === "function" ? options.g2(t) : options.g2;
    const { cOut } = kindPreconditioning(slice.level, kind, sigmaData, g2);
    const w = lossWeight(weighting, kind, slice, g2 === undefined ? {} : { g2 });
    // cOut = 0 (the prediction is exact there) carries no loss whatever w is.
    const omega = cOut === 0 ? 0 : w * cOut * cOut;
    if (!(omega <= largest.weight)) largest = { weight: omega, t };
    total += omega * du;
    if (tail !== null) tails[tail] += omega * du;
    else {
      bulk.sum += omega * du;
      bulk.squares += omega * omega * du;
      bulk.mass += du;
    }
  }
  const end = tails.data >= tails.noise ? "data" : "noise";
  return {
    total,
    tailShare: (tails.noise + tails.data) / total,
    end,
    largest,
    effectiveFraction: (bulk.sum * bulk.sum) / (bulk.squares * bulk.mass),
  };
}

/** The largest share of the objective the extreme 0.2 % of draws may carry. */
export const MAX_TAIL_SHARE = 0.5;

/**
 * The smallest effective fraction of draws (Kish) a recipe may have. Measured on two moons at the
 * default budget (bench/README.md, "Recipe matrix"): uniform-weighted score and v on VE and EDM
 * (0.05–0.17) stay at the moment-matched Gaussian's sliced W₂ after 2000 steps, recipes at 0.3 and
 * above train.
 */
export const MIN_EFFECTIVE_FRACTION = 0.2;

/**
 * Why the recipe cannot train (file header), or null when it can: the weight on the network's
 * error is not finite somewhere, the extreme 0.2 % of draws carry more than half the objective, or
 * fewer than a fifth of the draws count (Kish's effective sample size).
 * Bridge paths (no scalar level) are not judged (null).
 */
export function recipeProblem(
  path: GaussianPath,
  kind: Kind,
  weighting: Weighting,
  timeDensity: TimeDensity,
  options: RecipeOptions = {},
): string | null {
  if (path.slice(0.5).level === undefined) return null;
  const p = recipeWeightProfile(path, kind, weighting, timeDensity, options);
  const what = `${kind} on ${path.name} with the ${weighting.name} weighting and the ${timeDensity.name} time density`;
  const fix = `use the EDM weighting (edmWeighting({ sigmaData: ${options.sigmaData ?? 1} }), which weights the network's error evenly for every kind), or a time density that stays inside [tMin, tMax] = [${path.tMin}, ${path.tMax}]`;
  const ends = p.end === "data" ? "t → 1 (the data end, σ → 0)" : "t → 0 (the noise end, α → 0)";
  if (!Number.isFinite(p.total) || !Number.isFinite(p.largest.weight)) {
    return `${what} weights the network's error by ${p.largest.weight} at t = ${p.largest.t}: the objective is infinite — ${fix}`;
  }
  if (p.tailShare > MAX_TAIL_SHARE) {
    return `${what} puts ${(100 * p.tailShare).toFixed(1)} % of the loss on the 0.2 % of draws nearest ${ends}, where the weight on the network's error grows without bound (up to ${p.largest.weight.toPrecision(3)} at t = ${p.largest.t}); training would follow a few extreme samples — ${fix}`;
  }
  if (p.effectiveFraction < MIN_EFFECTIVE_FRACTION) {
    return `${what} concentrates the loss on a narrow band of noise levels (the weight on the network's error peaks at ${p.largest.weight.toPrecision(3)} at t = ${p.largest.t}; only ${(100 * p.effectiveFraction).toFixed(1)} % of the draws count, by Kish's effective sample size), so the network would learn those levels only — ${fix}`;
  }
  return null;
}

/** Throws a RangeError naming `fn` with `recipeProblem`'s reason when the recipe cannot train. */
export function checkRecipe(
  fn: string,
  path: GaussianPath,
  kind: Kind,
  weighting: Weighting,
  timeDensity: TimeDensity,
  options: RecipeOptions = {},
): void {
  const problem = recipeProblem(path, kind, weighting, timeDensity, options);
  if (problem !== null) throw new RangeError(`${fn}: ${problem}`);
}

/** What `prepareTraining` returns: the rows to train on and how to read the trained network. */
export interface PreparedTraining<A extends FloatArray> {
  /** The training rows: standardised, or the data itself. */
  readonly data: A;
  /** The standardisation applied (store it in the checkpoint's meta), null when none. */
  readonly standardization: Standardization | null;
  /** The preconditioned parameterization with σ_d of the rows trained on. */
  readonly parameterization: NetworkParameterization;
}

/**
 * The data and network parameterization of a training run (docs/training.md): with `standardize`
 * (default true; continuous data) the rows are standardised per coordinate and σ_d = 1; without it
 * (image data in its own [−1, 1] scale) they are kept and σ_d is their standard deviation over all
 * coordinates (1 if they are constant). The network is preconditioned with that σ_d.
 */
export function prepareTraining<A extends FloatArray>(
  data: A,
  dim: number,
  options: { standardize?: boolean } = {},
): PreparedTraining<A> {
  const fn = "prepareTraining";
  checkFloatArray(fn, "data", data);
  if (options.standardize !== false) {
    const standardization = fitStandardization(data, dim);
    return {
      data: standardize(data, standardization),
      standardization,
      parameterization: { kind: "preconditioned", sigmaData: 1 },
    };
  }
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < data.length; i++) {
    sum += data[i]!;
    sumSquares += data[i]! * data[i]!;
  }
  const mean = sum / data.length;
  const sd = Math.sqrt(Math.max(0, sumSquares / data.length - mean * mean));
  if (!Number.isFinite(sd)) throw new RangeError(`${fn}: data holds non-finite values; clean the data first`);
  return {
    data,
    standardization: null,
    parameterization: { kind: "preconditioned", sigmaData: sd > 0 ? sd : 1 },
  };
}
