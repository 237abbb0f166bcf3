/**
 * Traces tr(W·J + Q) per row, J = ∂prediction/∂xₜ: the divergence a probability-flow likelihood
 * integrates (velocity = W·prediction + Q·xₜ + c, so W·J + Q is the velocity's Jacobian; W = p·I,
 * Q = q·I on affine paths). Four ways to get it:
 *   closed form   tr J from the model's own `divergence` (e.g. the Gaussian-mixture oracle), W scalar;
 *   exact (JVP)   Σⱼ (W·J eⱼ)ⱼ from d forward-mode products J·eⱼ (the model's `jvp`);
 *   exact (FD)    the same with J·eⱼ ≈ (f(x + h eⱼ) − f(x))/h, one directional finite difference per
 *                 dimension (or central: (f(x + h eⱼ) − f(x − h eⱼ))/2h) — any black-box model;
 *                 the default scheme and step follow the model's precision: forward with √ε₆₄ for
 *                 float64 predictions, central with ∛ε₃₂ ≈ 4.9e-3 for float32 ones (a float64 step is
 *                 lost in float32 rounding); one 1-row call finds the precision;
 *   Hutchinson    εᵀ·(W·J + Q)·ε for K probes ε (Rademacher or Gaussian, E[εεᵀ] = I), J·ε by JVP or
 *                 one finite difference per probe. The probes see the velocity's Jacobian W·J + Q, not
 *                 W·J alone: for a data model near the data end W·J ≈ −Q is O(1/σ) while their sum is
 *                 O(1), and the estimator's variance (2‖·‖²_F for Gaussian probes) follows the sum.
 * Exact methods add tr(Q) exactly.
 * All extra model rows are stacked into as few calls as possible (at most `maxRows` rows each).
 * Probes are fixed per sample for a whole solve and drawn from per-sample streams, so sample i's
 * probes do not depend on the batch it is evaluated in.
 * Source: Hutchinson (1989), Commun. Stat. Simul. Comput. 18(3); Grathwohl et al. (2019), FFJORD, §2.
 */
import type { FloatArray, Shape } from "../array.js";
import { type Mat, matVec, trace } from "../math/matrix.js";
import {
  type Conditioning,
  checkConditioning,
  conditioningRows,
  pickConditioning,
  stackConditioning,
  type Model,
  predict,
} from "../model/model.js";
import { perSampleNormals } from "../random/rng.js";

/** Optional exact Jacobian information a model may expose in addition to `predict`. */
export interface JacobianCapabilities {
  /**
   * J·v per row for tangents v (batch × dim), J = ∂prediction/∂xₜ, computed exactly (forward mode).
   * Returns batch × dim numbers.
   */
  jvp?(
    xt: Float64Array,
    t: number,
    shape: Shape,
    tangent: Float64Array,
    cond?: Conditioning,
  ): FloatArray | Promise<FloatArray>;
  /** tr ∂prediction/∂xₜ per row (batch numbers), in closed form. */
  divergence?(
    xt: Float64Array,
    t: number,
    shape: Shape,
    cond?: Conditioning,
  ): FloatArray | Promise<FloatArray>;
}

/** A model with optional exact Jacobian information. */
export type JacobianModel = Model & JacobianCapabilities;

/**
 * How J is accessed. "auto" takes the closed form when the model has one and W is scalar; else the
 * model's `jvp` when its predictions are float64; else finite differences. A model with float32
 * predictions gets central differences even when it has a `jvp`: their error (trace within ~1e-5,
 * measured 4e-6 nats on the trained 2-D MLP of bench/likelihood.ts) is below what float32 predictions
 * resolve, at a fraction of the cost of a float64 forward-mode pass.
 */
export type JacobianMethod = "auto" | "closedForm" | "jvp" | "finiteDifference";

/** Finite-difference settings: step h = step·max(1, ‖xᵢ‖∞)/‖v‖∞ per row and direction. */
export interface FiniteDifferenceOptions {
  /**
   * "forward" (one extra evaluation per direction) or "central" (two). Default: forward for float64
   * predictions, central for float32 ones.
   */
  readonly scheme?: "forward" | "central";
  /**
   * Relative step. Default √ε (forward) or ∛ε (central) of the predictions' precision: 1.5e-8 and
   * 6.1e-6 for float64, 3.5e-4 and 4.9e-3 for float32.
   */
  readonly step?: number;
}

/** The exact trace: closed form, JVP or one finite difference per dimension (see `jacobian`). */
export interface ExactDivergence {
  readonly kind: "exact";
  readonly jacobian?: JacobianMethod;
  readonly finiteDifference?: FiniteDifferenceOptions;
}

/** Hutchinson's estimator with K probes per sample, fixed for the whole solve. */
export interface HutchinsonDivergence {
  readonly kind: "hutchinson";
  /** Number of probes K ≥ 1 per sample (K ≥ 2 for a standard error). */
  readonly probes: number;
  /** Probe distribution (default "rademacher", the lower-variance choice). */
  readonly distribution?: "rademacher" | "gaussian";
  /** Seed of the per-sample probe streams. */
  readonly seed: number;
  /** Index of the batch's first sample in a larger data set (default 0): row i uses stream rowOffset + i. */
  readonly rowOffset?: number;
  /** "auto" (JVP when the model has one, else finite differences), "jvp" or "finiteDifference". */
  readonly jacobian?: Exclude<JacobianMethod, "closedForm">;
  readonly finiteDifference?: FiniteDifferenceOptions;
}

/** Which divergence to use (a discriminated union on `kind`). */
export type DivergenceOptions = ExactDivergence | HutchinsonDivergence;

/** Prediction and trace estimates at one (xₜ, t). */
export interface TraceEvaluation {
  /** The model's prediction (batch × dim). */
  readonly pred: Float64Array;
  /** tr(W·J + Q) per row and probe (batch × count, row-major); count = 1 for the exact trace. */
  readonly traces: Float64Array;
}

/** Evaluates predictions with weighted Jacobian traces; counts the model calls it makes. */
export interface TraceEstimator {
  /** Estimates per row: 1 (exact) or K (Hutchinson). */
  readonly count: number;
  /** Model calls (predict, jvp, divergence) so far. */
  readonly calls: number;
  /** Rows sent to the model so far. */
  readonly rows: number;
  /**
   * The prediction at (x, t) and tr(W·J + Q) per row (and probe). `rows` (default: every row of the
   * batch, in order) names the batch rows that `x` holds, so each keeps its own probes.
   */
  evaluate(x: Float64Array, t: number, weight: Mat, offset: Mat, rows?: Int32Array): Promise<TraceEvaluation>;
}

/** Default number of rows per stacked model call. */
export const DEFAULT_MAX_ROWS = 8192;

/** The conditioning of n rows repeated `times` times (the stacked blocks of one call). */
function tileConditioning(cond: Conditioning | undefined, times: number): Conditioning | undefined {
  return cond === undefined || times === 1 ? cond : stackConditioning(Array(times).fill(cond));
}

/**
 * The trace estimator of `options` for `model` on batches of `shape` (see the file header), with
 * `condition` the conditioning of the batch's rows (passed to every model call, row by row).
 * Throws a RangeError naming `fn` and the argument on bad options or a missing capability.
 */
export function traceEstimator(
  model: JacobianModel,
  options: DivergenceOptions,
  shape: Shape,
  maxRows: number = DEFAULT_MAX_ROWS,
  fn = "traceEstimator",
  condition?: Conditioning,
): TraceEstimator {
  const { batch, dim: d } = shape;
  checkConditioning(`${fn}: options.condition`, condition, batch);
  if (
    options === null ||
    typeof options !== "object" ||
    (options.kind !== "exact" && options.kind !== "hutchinson")
  ) {
    throw new TypeError(
      `${fn}: options.divergence must be { kind: "exact" } or { kind: "hutchinson", probes, seed }, got ${JSON.stringify(options)}`,
    );
  }
  if (!(Number.isInteger(maxRows) && maxRows >= 1)) {
    throw new RangeError(`${fn}: options.maxRows must be a positive integer, got ${maxRows}`);
  }
  const method = options.jacobian ?? "auto";
  const methods: JacobianMethod[] =
    options.kind === "exact"
      ? ["auto", "closedForm", "jvp", "finiteDifference"]
      : ["auto", "jvp", "finiteDifference"];
  if (!methods.includes(method)) {
    throw new RangeError(
      `${fn}: divergence.jacobian must be one of ${methods.map((m) => `"${m}"`).join(", ")} for ${options.kind} divergence, got ${JSON.stringify(method)}`,
    );
  }
  if (method === "closedForm" && typeof model.divergence !== "function") {
    throw new TypeError(
      `${fn}: jacobian "closedForm" needs a model with a divergence(xt, t, shape) method; use "finiteDifference"`,
    );
  }
  if (method === "jvp" && typeof model.jvp !== "function") {
    throw new TypeError(
      `${fn}: jacobian "jvp" needs a model with a jvp(xt, t, shape, tangent) method; use "finiteDifference"`,
    );
  }
  checkFiniteDifference(fn, options.finiteDifference);
  if (model.precision !== undefined && model.precision !== "float32" && model.precision !== "float64") {
    throw new TypeError(
      `${fn}: model.precision must be "float32" or "float64" (or absent), got ${JSON.stringify(model.precision)}`,
    );
  }
  // The precision of the model's predictions: the model's word, or found once from a 1-row call
  // when a choice needs it.
  let precision = model.precision;
  const precisionOf = async (
    x: Float64Array,
    t: number,
    c: Conditioning | undefined,
  ): Promise<"float32" | "float64"> => {
    if (precision === undefined) {
      calls++;
      rows++;
      const n = x.length / d;
      const out = await model.predict(x.slice(0, d), t, { batch: 1, dim: d }, conditioningRows(c, n, 0, 1));
      precision = out instanceof Float32Array ? "float32" : "float64";
    }
    return precision;
  };
  const probes = options.kind === "hutchinson" ? drawProbes(fn, options, batch, d) : null;
  const count = options.kind === "hutchinson" ? options.probes : 1;
  let calls = 0;
  let rows = 0;

  const callPredict = async (
    x: Float64Array,
    t: number,
    r: number,
    c: Conditioning | undefined,
  ): Promise<Float64Array> => {
    calls++;
    rows += r;
    return predict(model, x, t, { batch: r, dim: d }, c);
  };
  /** Rows [0, r) in calls of at most `maxRows` rows, concatenated; `c` is the conditioning of the r rows. */
  const chunked = async (
    r: number,
    c: Conditioning | undefined,
    what: string,
    call: (
      rows: (a: Float64Array) => Float64Array,
      shape: Shape,
      cond: Conditioning | undefined,
    ) => FloatArray | Promise<FloatArray>,
  ): Promise<Float64Array> => {
    const out = new Float64Array(r * d);
    for (let start = 0; start < r; start += maxRows) {
      const m = Math.min(maxRows, r - start);
      calls++;
      rows += m;
      const part = await call(
        (a) => a.slice(start * d, (start + m) * d),
        { batch: m, dim: d },
        conditioningRows(c, r, start, m),
      );
      checkRows(fn, what, part, m * d);
      out.set(part, start * d);
    }
    return out;
  };
  const stackedPredict = (x: Float64Array, t: number, r: number, c: Conditioning | undefined) =>
    chunked(r, c, "prediction", (part, shape, cond) => predict(model, part(x), t, shape, cond));
  const stackedJvp = (
    x: Float64Array,
    t: number,
    tangents: Float64Array,
    r: number,
    c: Conditioning | undefined,
  ) => chunked(r, c, "jvp", (part, shape, cond) => model.jvp!(part(x), t, shape, part(tangents), cond));

  /** J·Vⱼ for m tangent blocks V (m·n rows), plus the prediction. `basis` marks V = eⱼ blocks. */
  const directional = async (
    x: Float64Array,
    t: number,
    tangents: Float64Array,
    m: number,
    basis: boolean,
    n: number,
    c: Conditioning | undefined,
  ): Promise<{ pred: Float64Array; jv: Float64Array }> => {
    const useJvp =
      method === "jvp" ||
      (method === "auto" && typeof model.jvp === "function" && (await precisionOf(x, t, c)) === "float64");
    if (useJvp) {
      const pred = await callPredict(x, t, n, c);
      const repeated = new Float64Array(m * n * d);
      for (let b = 0; b < m; b++) repeated.set(x, b * n * d);
      return { pred, jv: await stackedJvp(repeated, t, tangents, m * n, tileConditioning(c, m)) };
    }
    const given = options.finiteDifference;
    const fd =
      given?.scheme !== undefined && given.step !== undefined
        ? { scheme: given.scheme, step: given.step }
        : finiteDifferenceSettings(given, await precisionOf(x, t, c));
    const sides = fd.scheme === "central" ? 2 : 1;
    const input = new Float64Array((1 + sides * m) * n * d);
    input.set(x);
    const steps = new Float64Array(m * n);
    for (let b = 0; b < m; b++) {
      for (let i = 0; i < n; i++) {
        let xMax = 1;
        let vMax = 0;
        for (let j = 0; j < d; j++) {
          xMax = Math.max(xMax, Math.abs(x[i * d + j]!));
          vMax = Math.max(vMax, Math.abs(tangents[(b * n + i) * d + j]!));
        }
        let h = vMax === 0 ? 1 : (fd.step * xMax) / vMax;
        if (basis) {
          // Exactly representable step: h = (xⱼ + h) − xⱼ for the one perturbed coordinate.
          const j = b;
          h = x[i * d + j]! + h - x[i * d + j]!;
        }
        steps[b * n + i] = h;
        for (let s = 0; s < sides; s++) {
          const sign = s === 0 ? 1 : -1;
          const o = ((1 + sides * b + s) * n + i) * d;
          for (let j = 0; j < d; j++)
            input[o + j] = x[i * d + j]! + sign * h * tangents[(b * n + i) * d + j]!;
        }
      }
    }
    const out = await stackedPredict(input, t, (1 + sides * m) * n, tileConditioning(c, 1 + sides * m));
    const pred = out.slice(0, n * d);
    const jv = new Float64Array(m * n * d);
    for (let b = 0; b < m; b++) {
      for (let i = 0; i < n; i++) {
        const h = steps[b * n + i]!;
        const plus = ((1 + sides * b) * n + i) * d;
        const minus = sides === 2 ? ((2 + sides * b) * n + i) * d : i * d;
        const denom = sides === 2 ? 2 * h : h;
        for (let j = 0; j < d; j++) jv[(b * n + i) * d + j] = (out[plus + j]! - out[minus + j]!) / denom;
      }
    }
    return { pred, jv };
  };

  const evaluate = async (
    x: Float64Array,
    t: number,
    weight: Mat,
    offset: Mat,
    rows?: Int32Array,
  ): Promise<TraceEvaluation> => {
    const n = rows === undefined ? batch : rows.length;
    if (x.length !== n * d) {
      throw new RangeError(`${fn}: x has length ${x.length}, expected ${n} rows of ${d} coordinates`);
    }
    const c = rows === undefined ? condition : pickConditioning(condition, batch, rows);
    if (probes !== null) {
      const own = rows === undefined ? probes : probesOf(probes, batch, d, rows);
      const { pred, jv } = await directional(x, t, own, count, false, n, c);
      const traces = new Float64Array(n * count);
      const wy = new Float64Array(d);
      for (let k = 0; k < count; k++) {
        for (let i = 0; i < n; i++) {
          const o = (k * n + i) * d;
          traces[i * count + k] =
            bilinear(weight, own, o, jv, o, d, wy) + bilinear(offset, own, o, own, o, d, wy);
        }
      }
      return { pred, traces };
    }
    const closed =
      method === "closedForm" ||
      (method === "auto" && typeof model.divergence === "function" && weight.kind === "scalar");
    if (closed) {
      if (weight.kind !== "scalar") {
        throw new RangeError(
          `${fn}: the closed-form divergence gives tr J only, but the conversion to velocity is matrix-valued at t = ${t}; use jacobian "jvp" or "finiteDifference"`,
        );
      }
      const pred = await callPredict(x, t, n, c);
      calls++;
      const div = await model.divergence!(x, t, { batch: n, dim: d }, c);
      checkRows(fn, "divergence", div, n);
      const trQ = trace(offset, d);
      return { pred, traces: Float64Array.from(div, (v) => weight.value * v + trQ) };
    }
    // Exact trace from d basis directions: tr(W·J) = Σⱼ (W·J eⱼ)ⱼ.
    const basis = new Float64Array(d * n * d);
    for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) basis[(j * n + i) * d + j] = 1;
    const { pred, jv } = await directional(x, t, basis, d, true, n, c);
    const traces = new Float64Array(n).fill(trace(offset, d));
    const wy = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      for (let i = 0; i < n; i++) {
        const o = (j * n + i) * d;
        traces[i]! += bilinear(weight, basis, o, jv, o, d, wy);
      }
    }
    return { pred, traces };
  };

  return {
    count,
    get calls() {
      return calls;
    },
    get rows() {
      return rows;
    },
    evaluate,
  };
}

/** uᵀ·W·y for one row (u at uOff, y at yOff, length d); `scratch` has length d. */
function bilinear(
  w: Mat,
  u: Float64Array,
  uOff: number,
  y: Float64Array,
  yOff: number,
  d: number,
  scratch: Float64Array,
): number {
  matVec(w, y, scratch, yOff, 0, d);
  let s = 0;
  for (let j = 0; j < d; j++) s += u[uOff + j]! * scratch[j]!;
  return s;
}

function checkFiniteDifference(fn: string, options: FiniteDifferenceOptions | undefined): void {
  const scheme = options?.scheme;
  if (scheme !== undefined && scheme !== "forward" && scheme !== "central") {
    throw new RangeError(
      `${fn}: finiteDifference.scheme must be "forward" or "central", got ${JSON.stringify(scheme)}`,
    );
  }
  const step = options?.step;
  if (step !== undefined && !(step > 0 && step < 1)) {
    throw new RangeError(`${fn}: finiteDifference.step must be in (0, 1), got ${step}`);
  }
}

/** The scheme and step of `options`, defaults by the predictions' precision (checked options). */
function finiteDifferenceSettings(
  options: FiniteDifferenceOptions | undefined,
  precision: "float32" | "float64",
): { scheme: "forward" | "central"; step: number } {
  const scheme = options?.scheme ?? (precision === "float32" ? "central" : "forward");
  const eps = precision === "float32" ? 2 ** -23 : Number.EPSILON;
  return { scheme, step: options?.step ?? (scheme === "forward" ? Math.sqrt(eps) : Math.cbrt(eps)) };
}

/** The probe blocks of `rows` (K × rows.length × d) out of K blocks of `batch` rows. */
function probesOf(probes: Float64Array, batch: number, d: number, rows: Int32Array): Float64Array {
  const K = probes.length / (batch * d);
  const out = new Float64Array(K * rows.length * d);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < rows.length; i++) {
      const from = (k * batch + rows[i]!) * d;
      out.set(probes.subarray(from, from + d), (k * rows.length + i) * d);
    }
  }
  return out;
}

/** K probe blocks (K × batch × dim): block k, row i from stream rowOffset + i, draw k. */
function drawProbes(fn: string, options: HutchinsonDivergence, n: number, d: number): Float64Array {
  const { probes: K, seed } = options;
  const rowOffset = options.rowOffset ?? 0;
  const distribution = options.distribution ?? "rademacher";
  if (!(Number.isInteger(K) && K >= 1)) {
    throw new RangeError(`${fn}: divergence.probes must be a positive integer, got ${K}`);
  }
  if (!(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new RangeError(`${fn}: divergence.seed must be a non-negative safe integer, got ${seed}`);
  }
  if (!(Number.isSafeInteger(rowOffset) && rowOffset >= 0)) {
    throw new RangeError(`${fn}: divergence.rowOffset must be a non-negative safe integer, got ${rowOffset}`);
  }
  if (distribution !== "rademacher" && distribution !== "gaussian") {
    throw new RangeError(
      `${fn}: divergence.distribution must be "rademacher" or "gaussian", got ${JSON.stringify(distribution)}`,
    );
  }
  const out = new Float64Array(K * n * d);
  for (let k = 0; k < K; k++) {
    const block = out.subarray(k * n * d, (k + 1) * n * d);
    perSampleNormals(seed, k, rowOffset, n, d, block);
    // A Rademacher sign is the sign of a standard normal (exactly symmetric).
    if (distribution === "rademacher")
      for (let i = 0; i < block.length; i++) block[i] = block[i]! < 0 ? -1 : 1;
  }
  return out;
}

function checkRows(fn: string, what: string, a: unknown, length: number): asserts a is FloatArray {
  if (!((a instanceof Float64Array || a instanceof Float32Array) && a.length === length)) {
    throw new RangeError(
      `${fn}: the model's ${what} returned ${a instanceof Float64Array || a instanceof Float32Array ? `length ${a.length}` : String(a)}, expected ${length}`,
    );
  }
}
