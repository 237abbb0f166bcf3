/**
 * Classifier-free guidance (Ho & Salimans 2022, eq. 6) as a Model wrapper, for every kind and path:
 *   guided = u + s·(c − u),   c = model(xₜ, t, cond),  u = model(xₜ, t, unconditional)
 * with both branches evaluated in ONE model call on 2B rows ([cond rows; uncond rows]).
 *
 * In which kind: the model's own output kind. At fixed (xₜ, t) every kind is p·value + q·xₜ with the
 * same (p, q) for both branches (convert/kernel.ts), so guiding in kind A and converting to B equals
 * converting both branches to B and guiding there:
 *   p·(u + s(c − u)) + q·x = (p·u + q·x) + s·((p·c + q·x) − (p·u + q·x)).
 * In the score, the guided value is ∇log p_t(x|c)^s·p_t(x)^{1−s} (Ho & Salimans 2022, §3.2). A drift
 * model (velocity + (g²/2)·score) guides the same way at its own g². What guidance does NOT keep is
 * the agreement between samplers: without guidance, the ODE and every SDE with any g² share the
 * marginals pₜ; the guided field is not the score of the guided flow's marginals, so the ODE and SDEs
 * with different g² sample different distributions (docs/guidance.md; test/guidance/cfg.test.ts).
 *
 * Options practitioners combine with it:
 *   scale schedule  s(t): a number or a function of canonical time (`guidanceRamp`; Wang et al. 2024,
 *                   "Analysis of Classifier-Free Guidance Weight Schedulers": increasing schedules help);
 *   interval        guidance only for noise levels inside (lo, hi]; outside, the conditional branch
 *                   alone (s = 1, one B-row call) — Kynkäänniemi et al. 2024, "Applying Guidance in a
 *                   Limited Interval Improves Sample and Distribution Quality in Diffusion Models";
 *   rescale φ       Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed",
 *                   §3.4: x_r = x_cfg·std(c)/std(x_cfg) per row, result φ·x_r + (1 − φ)·x_cfg. Unlike
 *                   guidance itself, rescale depends on the kind it is applied in (std is not affine
 *                   invariant): Lin et al. apply it to v; `rescale.kind` chooses (default the model's).
 */
import type { FloatArray, Shape } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import {
  type Conditioning,
  type Model,
  checkConditioning,
  predict,
  stackConditioning,
} from "../model/model.js";
import { checkTime, logSnrToSigma } from "../time.js";

/** s(t): a constant, or a function of canonical time t (0 = noise, 1 = data). */
export type GuidanceScale = number | ((t: number) => number);

/**
 * Where guidance applies (outside it the conditional prediction is returned, s = 1):
 * `time`: canonical t ∈ [min, max]; `sigma`: σ̃ = σ/α = exp(−λ/2) ∈ (min, max] (Kynkäänniemi et al.'s
 * form); `logSnr`: λ ∈ [min, max]. `sigma` and `logSnr` need a scalar log-SNR (path.logSnr): affine
 * paths, and bridges with a per-coordinate view (their mean λ).
 */
export type GuidanceInterval =
  | { readonly by: "time"; readonly min: number; readonly max: number }
  | { readonly by: "sigma"; readonly min: number; readonly max: number }
  | { readonly by: "logSnr"; readonly min: number; readonly max: number };

/** Options of `classifierFreeGuidance`. */
export interface GuidanceOptions {
  /** s, or s(t); 1 = the conditional model, 0 = the unconditional one. */
  readonly scale: GuidanceScale;
  /** Apply guidance only inside this interval (default: everywhere). */
  readonly interval?: GuidanceInterval;
  /** Guidance rescale (Lin et al. 2023): φ ∈ [0, 1] and the kind it is computed in (default the model's). */
  readonly rescale?: { readonly phi: number; readonly kind?: Exclude<Kind, "drift"> };
  /**
   * The unconditional branch's embedding, one row (`embeddingSize` values) used for every row — e.g.
   * the empty prompt's embedding. Required when the condition carries an embedding. Labels always
   * become −1.
   */
  readonly nullEmbedding?: Float32Array | Float64Array;
}

/** A guided model: a Model that also reports the scale it applies at t (1 outside the interval). */
export type GuidedModel = Model & { scaleAt(t: number): number };

/**
 * The guided model (file header). Every call needs conditioning (`sample(guided, { condition })`);
 * s = 1 returns the conditional call alone and s = 0 the unconditional one (B rows), otherwise one
 * call on 2B rows. The result is a Float64Array in the model's kind; a drift model keeps its g².
 */
export function classifierFreeGuidance(model: Model, options: GuidanceOptions): GuidedModel {
  const fn = "classifierFreeGuidance";
  if (model === null || typeof model !== "object" || typeof model.predict !== "function") {
    throw new TypeError(`${fn}: model must be a Model { kind, path, predict }`);
  }
  if (options === null || typeof options !== "object")
    throw new TypeError(`${fn}: options.scale is required`);
  const { scale, interval, rescale, nullEmbedding } = options;
  if (typeof scale === "number") {
    if (!Number.isFinite(scale)) throw new RangeError(`${fn}: options.scale must be finite, got ${scale}`);
  } else if (typeof scale !== "function") {
    throw new TypeError(`${fn}: options.scale must be a number or a function of canonical time t`);
  }
  if (interval !== undefined) checkInterval(fn, model, interval);
  if (rescale !== undefined) {
    if (!(rescale.phi >= 0 && rescale.phi <= 1)) {
      throw new RangeError(
        `${fn}: options.rescale.phi must be in [0, 1] (Lin et al. use 0.7), got ${rescale.phi}`,
      );
    }
    if (rescale.kind === ("drift" as Kind)) {
      throw new TypeError(
        `${fn}: options.rescale.kind cannot be "drift"; choose data, noise, score, velocity or v`,
      );
    }
  }
  if (
    nullEmbedding !== undefined &&
    !(nullEmbedding instanceof Float32Array || nullEmbedding instanceof Float64Array)
  ) {
    throw new TypeError(`${fn}: options.nullEmbedding must be a Float32Array or Float64Array (one row)`);
  }

  const scaleAt = (t: number): number => {
    if (interval !== undefined && !inInterval(model, interval, t)) return 1;
    const s = typeof scale === "number" ? scale : scale(t);
    if (!Number.isFinite(s))
      throw new RangeError(`${fn}: options.scale(${t}) returned ${s}; it must be finite`);
    return s;
  };

  const unconditional = (cond: Conditioning, batch: number, width: number): Conditioning => {
    const out: { labels?: Int32Array; embedding?: Float32Array | Float64Array } = {};
    if (cond.labels !== undefined) out.labels = new Int32Array(batch).fill(-1);
    if (cond.embedding !== undefined) {
      if (nullEmbedding === undefined || nullEmbedding.length !== width) {
        throw new RangeError(
          `${fn}: the condition has an embedding of ${width} values per row, so options.nullEmbedding must hold ${width} values (the unconditional embedding), got ${nullEmbedding?.length ?? "none"}`,
        );
      }
      const e = new (cond.embedding.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(
        batch * width,
      );
      for (let i = 0; i < batch; i++) e.set(nullEmbedding, i * width);
      out.embedding = e;
    }
    return out;
  };

  const guidedPredict = async (
    xt: Float64Array,
    t: number,
    shape: Shape,
    cond?: Conditioning,
  ): Promise<Float64Array> => {
    const { batch, dim } = shape;
    if (cond === undefined || (cond.labels === undefined && cond.embedding === undefined)) {
      throw new TypeError(
        `${fn}: predict needs conditioning to guide towards; pass sample(model, { condition: { labels } })`,
      );
    }
    const width = checkConditioning(`${fn}.predict`, cond, batch);
    const s = scaleAt(t);
    if (s === 1) return predict(model, xt, t, shape, cond);
    if (s === 0) return predict(model, xt, t, shape, unconditional(cond, batch, width));
    // One call on [cond rows; uncond rows].
    const n = batch * dim;
    const x2 = new Float64Array(2 * n);
    x2.set(xt);
    x2.set(xt, n);
    const both2 = { batch: 2 * batch, dim };
    const cond2 = stackConditioning([cond, unconditional(cond, batch, width)]);
    // The model's own array (Float32Array from a float32 network), read without widening it first.
    let both: FloatArray = await model.predict(x2, t, both2, cond2);
    if (!(both instanceof Float64Array || both instanceof Float32Array) || both.length !== 2 * n) {
      both = await predict(model, x2, t, both2, cond2); // throws predict's error
    }
    const c = both.subarray(0, n);
    const u = both.subarray(n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = u[i]! + s * (c[i]! - u[i]!);
    if (rescale !== undefined && rescale.phi > 0) {
      const cond64 = c instanceof Float64Array ? c : new Float64Array(c);
      rescaleGuided(model, rescale.phi, rescale.kind ?? model.kind, out, cond64, xt, t, shape);
    }
    return out;
  };

  const base = {
    path: model.path,
    scaleAt,
    predict: guidedPredict,
    ...(model.precision === undefined ? {} : { precision: model.precision }),
  };
  return model.kind === "drift" ? { ...base, kind: "drift", g2: model.g2 } : { ...base, kind: model.kind };
}

/**
 * Guidance rescale in kind `kind` (Lin et al. 2023, §3.4), in place on `guided` (model kind):
 *   x_r = x_cfg·std(x_c)/std(x_cfg) per row, x = φ·x_r + (1 − φ)·x_cfg.
 * A row whose guided std is 0 is left as is (the ratio is undefined there).
 */
function rescaleGuided(
  model: Model,
  phi: number,
  kind: Kind,
  guided: Float64Array,
  cond: Float64Array,
  xt: Float64Array,
  t: number,
  shape: Shape,
): void {
  const slice = model.path.slice(t);
  const g2 = model.kind === "drift" ? { g2: model.g2(t) } : {};
  const same = kind === model.kind;
  const g = same ? guided : slice.convert(guided, model.kind, kind, xt, g2);
  const c = same ? cond : slice.convert(cond, model.kind, kind, xt, g2);
  const { batch, dim } = shape;
  const r = new Float64Array(g.length);
  for (let i = 0; i < batch; i++) {
    const o = i * dim;
    const ratio = Math.sqrt(variance(c, o, dim) / variance(g, o, dim));
    for (let j = o; j < o + dim; j++) {
      r[j] = Number.isFinite(ratio) ? phi * ratio * g[j]! + (1 - phi) * g[j]! : g[j]!;
    }
  }
  guided.set(same ? r : slice.convert(r, kind, model.kind, xt, g2));
}

/** Variance of a[o … o + n) about its mean (the 1/n form; the std ratio does not depend on it). */
function variance(a: Float64Array, o: number, n: number): number {
  let mean = 0;
  for (let j = o; j < o + n; j++) mean += a[j]!;
  mean /= n;
  let v = 0;
  for (let j = o; j < o + n; j++) v += (a[j]! - mean) ** 2;
  return v / n;
}

function checkInterval(fn: string, model: Model, interval: GuidanceInterval): void {
  const { by, min, max } = interval as { by: unknown; min: number; max: number };
  if (by !== "time" && by !== "sigma" && by !== "logSnr") {
    throw new TypeError(
      `${fn}: options.interval.by must be "time", "sigma" or "logSnr", got ${JSON.stringify(by)}`,
    );
  }
  if (Number.isNaN(min) || Number.isNaN(max) || !(min <= max)) {
    throw new RangeError(`${fn}: options.interval needs min ≤ max, got [${min}, ${max}]`);
  }
  if (by !== "time") {
    try {
      model.path.logSnr((model.path.tMin + model.path.tMax) / 2);
    } catch {
      throw new TypeError(
        `${fn}: options.interval by ${by} needs a path with a scalar log-SNR (affine, or a bridge with a per-coordinate view); use by: "time"`,
      );
    }
  }
}

/** Whether t lies in the interval: σ̃ = exp(−λ/2) and λ = path.logSnr(t) (mean λ on a bridge). */
function inInterval(model: Model, interval: GuidanceInterval, t: number): boolean {
  if (interval.by === "time") return t >= interval.min && t <= interval.max;
  const lambda = model.path.logSnr(t);
  if (interval.by === "logSnr") return lambda >= interval.min && lambda <= interval.max;
  const sigmaTilde = logSnrToSigma(lambda);
  return sigmaTilde > interval.min && sigmaTilde <= interval.max;
}

/**
 * A monotone guidance schedule in canonical time: s(t) = from + (to − from)·r(t), with r(t) = t
 * ("linear") or r(t) = (1 − cos πt)/2 ("cosine"); t = 0 is the noise end. Increasing schedules (from <
 * to: weak guidance at high noise, strong near the data) are those Wang et al. 2024 found to help.
 */
export function guidanceRamp(options: {
  readonly from: number;
  readonly to: number;
  readonly shape?: "linear" | "cosine";
}): (t: number) => number {
  const { from, to } = options;
  const shape = options.shape ?? "linear";
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    throw new RangeError(`guidanceRamp: from and to must be finite, got ${from} and ${to}`);
  }
  if (shape !== "linear" && shape !== "cosine") {
    throw new TypeError(`guidanceRamp: shape must be "linear" or "cosine", got ${JSON.stringify(shape)}`);
  }
  return (t: number) => {
    checkTime(t, "guidanceRamp");
    const r = shape === "linear" ? t : (1 - Math.cos(Math.PI * t)) / 2;
    return from + (to - from) * r;
  };
}
