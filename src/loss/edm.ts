/**
 * EDM preconditioning (Karras et al. 2022, §5 and Table 1) on any affine path. With σ̃ = σ/α and the
 * scaled input x̃ = x/α (= data + σ̃·noise, the VE form EDM is written in), the denoiser is
 *   D(x) = c_skip(σ̃)·x̃ + c_out(σ̃)·F(c_in(σ̃)·x̃, c_noise(σ̃)),
 *   c_skip = σ_d²/(σ̃² + σ_d²), c_out = σ̃σ_d/√(σ̃² + σ_d²), c_in = 1/√(σ̃² + σ_d²), c_noise = ¼ ln σ̃.
 * Folding 1/α into the coefficients (multiply through by α²) keeps them finite at α = 0:
 *   D(x) = cSkip·x + cOut·F(cIn·x, cNoise),  r = √(σ² + σ_d²α²),
 *   cSkip = σ_d²α/r²,  cOut = σσ_d/r,  cIn = 1/r,  cNoise = ¼(ln σ − ln α).
 * The EDM weighting λ = (σ̃² + σ_d²)/(σ̃σ_d)² (weighting.ts) gives F's error unit weight: λ·cOut² = 1.
 * Singular points: cNoise = +∞ at α = 0 and −∞ at σ = 0 (use noiseInput "time" there); cOut = 0 at σ = 0.
 */
import { type FloatArray, type Shape, checkFloatArray, like } from "../array.js";
import type { Model } from "../model/model.js";
import type { GaussianPath } from "../path/path.js";
import { checkLevel } from "../convert/kernel.js";
import type { NoiseLevel } from "../schedule/schedule.js";

/** The four EDM coefficients in x-space (file header). */
export interface EdmPreconditioning {
  readonly cSkip: number;
  readonly cOut: number;
  readonly cIn: number;
  readonly cNoise: number;
}

function checkSigmaData(fn: string, sigmaData: number): number {
  if (typeof sigmaData !== "number" || !(sigmaData > 0) || !Number.isFinite(sigmaData)) {
    throw new RangeError(
      `${fn}: sigmaData must be a finite number > 0 (the data standard deviation; EDM uses 0.5), got ${String(sigmaData)}`,
    );
  }
  return sigmaData;
}

/** The scalar level of `path` at t (EDM preconditioning needs one α and σ; bridge levels are matrices). */
function levelOf(fn: string, path: GaussianPath, t: number): NoiseLevel {
  if (path === null || typeof path !== "object" || typeof path.slice !== "function") {
    throw new TypeError(`${fn}: path must be a GaussianPath (affinePath(schedule))`);
  }
  const level = path.slice(t).level;
  if (level === undefined) {
    throw new TypeError(
      `${fn}: path must be an affine path (affinePath(schedule)); EDM preconditioning needs α and σ, and the bridge path "${path.name}" has matrix levels`,
    );
  }
  return level;
}

/**
 * cSkip, cOut, cIn, cNoise at `level` (file header) for data standard deviation σ_d (default 0.5).
 * With α = 1 these are EDM's Table 1 entries.
 */
export function edmPreconditioning(level: NoiseLevel, sigmaData = 0.5): EdmPreconditioning {
  const fn = "edmPreconditioning";
  checkLevel(fn, level);
  checkSigmaData(fn, sigmaData);
  const { alpha, sigma } = level;
  const r2 = sigma * sigma + sigmaData * sigmaData * alpha * alpha;
  if (!(r2 > 0)) throw new RangeError(`${fn}: α and σ are both 0 at t = ${level.t}; the level is empty`);
  const r = Math.sqrt(r2);
  return {
    cSkip: (sigmaData * sigmaData * alpha) / r2,
    cOut: (sigma * sigmaData) / r,
    cIn: 1 / r,
    cNoise: 0.25 * (Math.log(sigma) - Math.log(alpha)),
  };
}

/** What the raw network F receives as its noise input: EDM's c_noise = ¼ ln σ̃, or canonical time t. */
export type EdmNoiseInput = "logSigma" | "time";

/** A raw network F(x, noiseInput, shape) (batch-major x; returns batch × dim). */
export type RawNetwork = (
  x: Float64Array,
  noiseInput: number,
  shape: Shape,
) => FloatArray | Promise<FloatArray>;

/**
 * Wraps a raw network F as a `data` Model on `path`: D(x) = cSkip·x + cOut·F(cIn·x, c) with c = cNoise
 * (noiseInput "logSigma", default) or c = t ("time", finite at both ends). Throws where cNoise is
 * infinite (α = 0 or σ = 0) with noiseInput "logSigma".
 */
export function edmPreconditioned(
  network: RawNetwork,
  path: GaussianPath,
  options: { sigmaData?: number; noiseInput?: EdmNoiseInput } = {},
): Model {
  const fn = "edmPreconditioned";
  if (typeof network !== "function")
    throw new TypeError(`${fn}: network must be a function (x, noiseInput, shape) ↦ F`);
  levelOf(fn, path, path.tMax);
  const sigmaData = checkSigmaData(fn, options.sigmaData ?? 0.5);
  const noiseInput = options.noiseInput ?? "logSigma";
  if (noiseInput !== "logSigma" && noiseInput !== "time") {
    throw new TypeError(`${fn}: noiseInput must be "logSigma" or "time", got ${JSON.stringify(noiseInput)}`);
  }
  return {
    kind: "data",
    path,
    async predict(xt: Float64Array, t: number, shape: Shape): Promise<Float64Array> {
      const c = edmPreconditioning(levelOf(fn, path, t), sigmaData);
      const input = noiseInput === "time" ? t : c.cNoise;
      if (!Number.isFinite(input)) {
        throw new RangeError(
          `${fn}: c_noise = ¼ ln σ̃ is ${input} at t = ${t} (σ̃ = σ/α is 0 or ∞ there); use noiseInput: "time" or times inside [tMin, tMax]`,
        );
      }
      const xIn = new Float64Array(xt.length);
      for (let i = 0; i < xt.length; i++) xIn[i] = c.cIn * xt[i]!;
      const f = await network(xIn, input, shape);
      if (!(f instanceof Float32Array || f instanceof Float64Array) || f.length !== xt.length) {
        throw new RangeError(
          `${fn}: the network returned ${f instanceof Float32Array || f instanceof Float64Array ? `length ${f.length}` : String(f)} for an input of length ${xt.length}`,
        );
      }
      const out = new Float64Array(xt.length);
      for (let i = 0; i < xt.length; i++) out[i] = c.cSkip * xt[i]! + c.cOut * f[i]!;
      return out;
    },
  };
}

/** A batch in the trainer's shape (trainingBatch's output). */
export interface RegressionBatch<A extends FloatArray> {
  readonly t: A;
  readonly xt: A;
  readonly target: A;
  readonly weight: A;
}

/**
 * Turns a `data`-kind training batch into the raw network's regression (Karras et al. 2022, §5):
 * input cIn·xₜ, target F* = (data − cSkip·xₜ)/cOut, weight w·cOut² (= 1 under the EDM weighting).
 * Train F on (input, t) → F*, then serve `edmPreconditioned(F, path, { sigmaData, noiseInput: "time" })`.
 * Throws where cOut = 0 (σ = 0).
 */
export function preconditionBatch<A extends FloatArray>(
  batch: RegressionBatch<A>,
  path: GaussianPath,
  options: { sigmaData?: number; dim: number },
): RegressionBatch<A> {
  const fn = "preconditionBatch";
  levelOf(fn, path, path.tMax);
  const sigmaData = checkSigmaData(fn, options?.sigmaData ?? 0.5);
  const dim = options?.dim;
  for (const name of ["t", "xt", "target", "weight"] as const)
    checkFloatArray(fn, `batch.${name}`, batch?.[name]);
  const n = batch.t.length;
  if (
    !Number.isInteger(dim) ||
    dim < 1 ||
    batch.xt.length !== n * dim ||
    batch.target.length !== n * dim ||
    batch.weight.length !== n
  ) {
    throw new RangeError(
      `${fn}: expected xt and target of length t.length × dim = ${n} × ${dim} and weight of length ${n}; got ${batch.xt.length}, ${batch.target.length}, ${batch.weight.length} — pass the data's dim`,
    );
  }
  const xt = like(batch.xt);
  const target = like(batch.target);
  const weight = like(batch.weight);
  for (let i = 0; i < n; i++) {
    const c = edmPreconditioning(levelOf(fn, path, batch.t[i]!), sigmaData);
    if (!(c.cOut > 0)) {
      throw new RangeError(
        `${fn}: c_out = 0 at t = ${batch.t[i]} (σ = 0): the network target is undefined; sample times below tMax`,
      );
    }
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      xt[j] = c.cIn * batch.xt[j]!;
      target[j] = (batch.target[j]! - c.cSkip * batch.xt[j]!) / c.cOut;
    }
    weight[i] = batch.weight[i]! * c.cOut * c.cOut;
  }
  return { t: batch.t, xt, target, weight };
}
