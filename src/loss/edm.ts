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
 *
 * Every kind, the same way (`kindPreconditioning`): a kind's target y = a·data + b·noise (`basisOf`)
 * is split into the part linear in x that is best for data of variance σ_d² per coordinate and a
 * residual of unit variance, y = cSkip·x + cOut·F*:
 *   cSkip = Cov(y, x)/Var(x) = (a·α·σ_d² + b·σ)/r²,  cOut = √Var(y − cSkip·x) = σ_d·|a·σ − b·α|/r,
 * which for data (a, b) = (1, 0) is the EDM pair above. The network then sees unit-variance inputs
 * (cIn·x) and targets (F*) on every path and for every kind, and a weight w on the kind's error is
 * w·cOut² on F's. Its noise input can be the level τ = α/(α + σ) = sigmoid(λ/2) ∈ [0, 1] (finite at
 * both ends; t itself on rectified flow), so one time embedding serves every path.
 */
import { type FloatArray, type Shape, checkFloatArray, like } from "../array.js";
import type { Model } from "../model/model.js";
import type { GaussianPath } from "../path/path.js";
import { basisOf } from "../convert/convert.js";
import { checkKind, checkLevel, type Kind } from "../convert/kernel.js";
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

/** The three coefficients of a preconditioned network that predicts any kind (file header). */
export interface KindPreconditioning {
  readonly cSkip: number;
  readonly cOut: number;
  readonly cIn: number;
}

/**
 * cSkip, cOut, cIn of a network F that predicts `kind` at `level` through
 * prediction = cSkip·x + cOut·F(cIn·x, ·), for data of standard deviation σ_d per coordinate
 * (default 0.5, EDM's): with (a, b) = basisOf(kind, level, g2) and r = √(σ² + σ_d²α²),
 *   cSkip = (a·α·σ_d² + b·σ)/r²,  cOut = σ_d·|a·σ − b·α|/r,  cIn = 1/r.
 * For Gaussian data the target's residual F* = (y − cSkip·x)/cOut has unit variance per coordinate.
 * Singular points: cOut = 0 where the kind is a multiple of x (data at σ = 0, noise at α = 0: the
 * prediction is cSkip·x exactly); cOut = ∞ where the kind is unbounded (score at σ = 0).
 * Source: Karras et al. 2022, §5 (the data kind); the other kinds by the same variance argument.
 */
export function kindPreconditioning(
  level: NoiseLevel,
  kind: Kind,
  sigmaData = 0.5,
  g2?: number,
): KindPreconditioning {
  const fn = "kindPreconditioning";
  checkLevel(fn, level);
  checkKind(fn, "kind", kind);
  checkSigmaData(fn, sigmaData);
  const { alpha, sigma } = level;
  const r2 = sigma * sigma + sigmaData * sigmaData * alpha * alpha;
  if (!(r2 > 0)) throw new RangeError(`${fn}: α and σ are both 0 at t = ${level.t}; the level is empty`);
  const r = Math.sqrt(r2);
  const [a, b] = basisOf(kind, level, g2);
  // b·σ is 0 when b is infinite only at σ = 0 (score there): the skip is then 0·∞; keep a·α·σ_d².
  const bSigma = sigma === 0 ? 0 : b * sigma;
  return {
    cSkip: (a * alpha * sigmaData * sigmaData + bSigma) / r2,
    cOut: (sigmaData * Math.abs(a * sigma - b * alpha)) / r,
    cIn: 1 / r,
  };
}

/**
 * The noise-level input of a preconditioned network: τ = α/(α + σ) = sigmoid(λ/2), λ = log(α²/σ²);
 * 0 at pure noise, 1 at clean data, t itself on the rectified-flow path (α = t, σ = 1 − t). Unlike
 * EDM's ¼ ln σ̃ it is finite at both ends, and on [0, 1] like canonical time, so one time embedding
 * serves every path. Throws where α + σ = 0.
 */
export function noiseLevelInput(level: NoiseLevel): number {
  const total = level.alpha + level.sigma;
  if (!(total > 0))
    throw new RangeError(`noiseLevelInput: α + σ is ${total} at t = ${level.t}; the level is empty`);
  return level.alpha / total;
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
  if (!(sigma * sigma + sigmaData * sigmaData * alpha * alpha > 0))
    throw new RangeError(`${fn}: α and σ are both 0 at t = ${level.t}; the level is empty`);
  return {
    ...kindPreconditioning(level, "data", sigmaData),
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

/** What `preconditionBatch` writes as the network's time input: canonical t, or the level τ = α/(α + σ). */
export type TimeInput = "time" | "level";

/** Options of `preconditionBatch`. */
export interface PreconditionOptions {
  /** Row length of xₜ and target. */
  readonly dim: number;
  /** The data's standard deviation per coordinate σ_d (default 0.5, EDM's; 1 for standardized data). */
  readonly sigmaData?: number;
  /** The kind the batch's targets are (default "data"). */
  readonly kind?: Kind;
  /** g² of the generative SDE, constant or per time; required for kind "drift". */
  readonly g2?: number | ((t: number) => number);
  /** The time input written into the batch's t: "time" (default, t unchanged) or "level" (τ). */
  readonly timeInput?: TimeInput;
}

/**
 * Turns a training batch of `kind` (default data) into the raw network's regression (Karras et al.
 * 2022, §5, for data; `kindPreconditioning` for every kind): input cIn·xₜ, target
 * F* = (target − cSkip·xₜ)/cOut, weight w·cOut² (= 1 for data under the EDM weighting), and as time
 * input t or τ = α/(α + σ) (`timeInput`). Train F on (input, time input) → F*, then serve
 * cSkip·x + cOut·F(cIn·x, ·). Where cOut = 0 the prediction cSkip·x is exact, so the row gets
 * target 0 and weight 0; where cOut is infinite (score at σ = 0) it throws.
 */
export function preconditionBatch<A extends FloatArray>(
  batch: RegressionBatch<A>,
  path: GaussianPath,
  options: PreconditionOptions,
): RegressionBatch<A> {
  const fn = "preconditionBatch";
  levelOf(fn, path, path.tMax);
  const sigmaData = checkSigmaData(fn, options?.sigmaData ?? 0.5);
  const dim = options?.dim;
  const kind = options?.kind ?? "data";
  checkKind(fn, "options.kind", kind);
  const timeInput = options?.timeInput ?? "time";
  if (timeInput !== "time" && timeInput !== "level")
    throw new TypeError(
      `${fn}: options.timeInput must be "time" or "level", got ${JSON.stringify(timeInput)}`,
    );
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
  const t = like(batch.t);
  const xt = like(batch.xt);
  const target = like(batch.target);
  const weight = like(batch.weight);
  for (let i = 0; i < n; i++) {
    const ti = batch.t[i]!;
    const level = levelOf(fn, path, ti);
    const g2 = typeof options.g2 === "function" ? options.g2(ti) : options.g2;
    const c = kindPreconditioning(level, kind, sigmaData, g2);
    if (!Number.isFinite(c.cOut)) {
      throw new RangeError(
        `${fn}: the ${kind} target is unbounded at t = ${ti} (c_out = ${c.cOut}); sample times where it is finite, e.g. uniformTime({ lo: path.tMin, hi: path.tMax })`,
      );
    }
    const zero = c.cOut === 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      xt[j] = c.cIn * batch.xt[j]!;
      target[j] = zero ? 0 : (batch.target[j]! - c.cSkip * batch.xt[j]!) / c.cOut;
    }
    weight[i] = batch.weight[i]! * c.cOut * c.cOut;
    t[i] = timeInput === "time" ? ti : noiseLevelInput(level);
  }
  return { t, xt, target, weight };
}
