/**
 * Exact log-likelihood through the probability-flow ODE, for any model (any kind, affine or bridge
 * path, trained network or oracle).
 *
 * Instantaneous change of variables: along dx/dt = u(t, x) (u = the model's velocity),
 *   d/dt log pₜ(x(t)) = −∇ₓ·u(t, x(t)),
 * so with z' = ∇·u, z(tStart) = 0, integrated from the data end tStart down to the noise end tEnd,
 *   log p_{tStart}(x(tStart)) = log p_{tEnd}(x(tEnd)) + z(tEnd),
 * and log p_{tEnd} is the path's prior. The divergence of u = P·prediction + Q·x + c is
 * tr(P·J + Q), J = ∂prediction/∂x (divergence.ts: closed form, JVP, finite differences, or
 * Hutchinson's εᵀ(P·J + Q)ε with K probes fixed for the solve, each giving its own estimate ℓₖ;
 * the result is their mean, with standard error sd(ℓₖ)/√K).
 *
 * Endpoints (canonical time: 1 = data, 0 = noise).
 * - tStart defaults to the path's tMax (the largest t at which every conversion is finite: where
 *   σ(1) = 0 a data model's velocity ∝ 1/σ is singular at 1). With `dataEnd: "denoise"` (default)
 *   the data x is carried to tStart by the conditional mean map x ↦ A·x + b (affine: α·x), adding
 *   log|det A|, and the blur of the remaining noise Σ = Cov(xₜ | data) is removed to first order by
 *   the heat equation ∂_τ log q = ½[tr(S·∇² log q) + ∇log qᵀ·S·∇log q] (q = p_data ∗ N(0, τS)):
 *     log p_data(x) = log p_{tStart}(A·x + b) + log|det A| − ½[tr(Σ·∇s) + sᵀ·Σ·s] + O(‖Σ‖²),
 *   s the model's score at (tStart, A·x + b); one more model evaluation. The remainder is
 *   O((σ/α)⁴·‖∇² log p_data‖²): at tMax (λ = 13, σ/α = 1.5e-3) ~1e-10 nats for unit-scale data.
 *   VE/EDM paths have σ(1) = σmin > 0 and tMax = 1, so "denoise" estimates the density of the
 *   clean data (measured 6e-6 nats at σmin = 0.01 on the 2-D ring). Bridges pinned at the data
 *   (R = 0) have Σ_p ∝ 1 − t and a default tMax of 1 − 1e-3 (6e-4 nats on the ring): pass
 *   tStart = 1 − 1e-5 there (6e-8). With
 *   `dataEnd: "marginal"` x is taken as a sample of x_{tStart} and log p_{tStart}(x) is returned —
 *   for VE/EDM at tStart = 1 the density of what the model generates.
 * - tEnd defaults to 0 when the model's kind → velocity conversion is finite at t = 0 (data, velocity
 *   and v models), else the path's tMin (noise and score models where α(0) = 0, or the bridge's
 *   A_p(0) = 0: the prediction says nothing about the data there, though the true velocity is
 *   smooth). With `noiseEnd: "extrapolate"` (default) one explicit Euler step with the velocity and
 *   divergence at tEnd carries [x, z] on to t = 0 (one more evaluation; error O(tEnd²), ~1e-6 at
 *   tMin = 1.5e-3), and the prior is evaluated at 0; with `noiseEnd: "prior"` the prior is evaluated
 *   at x(tEnd) directly (the generative model of a sampler that starts at tEnd from the prior).
 *   The prior is the path's (N(0, σ(0)²·I) on affine paths — for VP-type schedules α(0) > 0, so it
 *   differs from the true marginal by O(α(0)); the bridge's N(m0, P0) is exact) unless
 *   `options.prior` gives another density at the noise end.
 * Solver: adaptive Dormand–Prince 5(4) at rtol = atol = 1e-3 by default, each sample with its own error
 * norm and step sequence (per-row step control, math/dormandPrince.ts), so a sample's log-likelihood
 * does not depend on the batch it is evaluated in; samples at the same time proposing the same step
 * share one model call. Any adaptive solver steps per sample unless it says `control: "shared"`, and a
 * scalar rtol applies to x only: the accumulators z are in nats and get the absolute tolerance atol.
 * Accuracy of the default against exact densities and a tight reference (bench/likelihood.ts): mean
 * |error| ~2e-3 nats per sample on 2-D Gaussian-mixture oracles (max ~1e-2) at ~50 NFE, 3e-2 (max 0.3)
 * on a 64-D mixture; 6e-3 (max 3e-2, bias of a data-set mean 1.4e-3) on trained 2-D MLPs at ~95–160
 * NFE (1000 points in ~10 s on one core), whose sinusoidal time features
 * of t·1000 make the velocity wiggle in t and defeat step-size control. For such networks a fixed RK4
 * grid (`{ kind: "fixed", scheme: "rk4", steps: 32 }`, 129 NFE: 1–3e-3 nats) is more accurate per
 * evaluation, but a uniform grid fails where the field is stiff (0.12 nats on data of variance 1e-4,
 * where the default is within 2e-3). Ask for rtol = atol = 1e-5 for ~1e-5 nats on smooth models.
 * Source: Chen et al. (2018), Neural ODEs, Thm 1; Grathwohl et al. (2019), FFJORD, §2–3;
 * Song et al. (2021), Score-based generative modeling through SDEs, App. D.2.
 */
import { type FloatArray, checkFinite, checkFloatArray } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import { logAbsDet } from "../math/dense.js";
import type { Conditioning } from "../model/model.js";
import {
  DEFAULT_TOLERANCE,
  type StepInfo as IntegratorStepInfo,
  type Solver,
  integrate,
} from "../math/integrate.js";
import { type Mat, matMul, matVec } from "../math/matrix.js";
import { applyAffine } from "../path/bridge/affine.js";
import type { ConversionMap, PathSlice, Prior } from "../path/path.js";
import {
  DEFAULT_MAX_ROWS,
  type DivergenceOptions,
  type JacobianModel,
  traceEstimator,
} from "./divergence.js";

/** Options of `logLikelihood`. */
export interface LogLikelihoodOptions {
  /** Dimension of one sample; required on affine paths, defaults to the path's on bridge paths. */
  readonly dim?: number;
  /** Default `{ kind: "exact" }` (closed form, JVP or finite differences, whichever the model allows). */
  readonly divergence?: DivergenceOptions;
  /** Default `DEFAULT_LIKELIHOOD_SOLVER` (adaptive, rtol = atol = 1e-3, per sample; file header). */
  readonly solver?: Solver;
  /** Data-end time (default: the path's tMax). */
  readonly tStart?: number;
  /** Noise-end time (default: 0 where the velocity is finite there, else the path's tMin). */
  readonly tEnd?: number;
  /** "denoise" (default): log-density of clean data; "marginal": of x as a sample of x_{tStart}. */
  readonly dataEnd?: "denoise" | "marginal";
  /** "extrapolate" (default): one Euler step from tEnd > 0 to 0, prior at 0; "prior": prior at tEnd. */
  readonly noiseEnd?: "extrapolate" | "prior";
  /** The density at the noise end (default the path's prior). */
  readonly prior?: Pick<Prior, "logProb">;
  /** Most rows per stacked model call (default 8192). */
  readonly maxRows?: number;
  /**
   * The conditioning of each data row (class labels or embeddings, `Model.predict`'s `cond`): the
   * result is then log p(x | c). Absent: the model's unconditional call.
   */
  readonly condition?: Conditioning;
  /** Called after every accepted ODE step with the share of the integration done (for progress lines). */
  readonly onProgress?: (progress: LikelihoodProgress) => void;
}

/** What `onProgress` receives. */
export interface LikelihoodProgress {
  /** Share of the solve done, 0–1: each sample's |t − tStart|/|tEnd − tStart|, averaged over samples. */
  readonly fraction: number;
  /** ODE right-hand-side calls so far. */
  readonly nfe: number;
}

/** Result of `logLikelihood` (log-densities in nats). */
export interface LogLikelihoodResult {
  /** log p(x) per sample (the mean over probes for Hutchinson). */
  readonly logLikelihood: Float64Array;
  /** Per-sample standard error over probes (0 for the exact divergence, NaN with one probe). */
  readonly standardError: Float64Array;
  /** Every estimate, batch × count (count = 1 exact, K Hutchinson). */
  readonly estimates: Float64Array;
  /** The noise the data is mapped to (batch × dim): x(0) after extrapolation, else x(tEnd). */
  readonly noise: Float64Array;
  /** The prior's log-density at `noise`. */
  readonly priorLogProb: Float64Array;
  /** Right-hand-side calls of the ODE plus the data-end and noise-end evaluations (if any). */
  readonly nfe: number;
  /** The same per sample: its own NFE (independent of the batch under per-row step control). */
  readonly evaluations: Int32Array;
  /** Model calls (predict, jvp, divergence; stacked rows count once per call). */
  readonly modelCalls: number;
  /** Accepted and rejected ODE steps (the most of any sample). */
  readonly steps: number;
  readonly rejected: number;
  /** The endpoints used. */
  readonly tStart: number;
  readonly tEnd: number;
}

/**
 * Default solver of the likelihood ODE: adaptive Dormand–Prince at rtol = atol = 1e-3, each sample its
 * own step sequence (accuracy and cost in the file header and bench/README.md, "Likelihood").
 */
export const DEFAULT_LIKELIHOOD_SOLVER: Solver = {
  kind: "adaptive",
  rtol: 1e-3,
  atol: 1e-3,
  control: "perRow",
};

/**
 * log p(x) per row of `x` (batch × dim) under `model` by the probability-flow ODE (file header).
 * Throws errors naming `logLikelihood`, the argument and the fix for bad inputs (wrong dimension,
 * non-finite values, endpoints where the model's velocity is singular).
 */
export async function logLikelihood(
  model: JacobianModel,
  x: FloatArray,
  options: LogLikelihoodOptions = {},
): Promise<LogLikelihoodResult> {
  const fn = "logLikelihood";
  if (model === null || typeof model !== "object" || typeof model.predict !== "function" || !model.path) {
    throw new TypeError(`${fn}: model must be a Model { kind, path, predict }`);
  }
  checkFloatArray(fn, "x", x);
  const path = model.path;
  const dim = options.dim ?? path.dim;
  if (dim === undefined) {
    throw new TypeError(
      `${fn}: options.dim is required on an affine path (it fixes no dimension); pass { dim: <coordinates per sample> }`,
    );
  }
  if (!(Number.isInteger(dim) && dim >= 1))
    throw new RangeError(`${fn}: options.dim must be a positive integer, got ${dim}`);
  if (path.dim !== undefined && dim !== path.dim) {
    throw new RangeError(
      `${fn}: options.dim is ${dim} but the model's path has dimension ${path.dim}; pass samples of ${path.dim} coordinates`,
    );
  }
  if (x.length % dim !== 0) {
    throw new RangeError(
      `${fn}: x has length ${x.length}, not a multiple of dim = ${dim}; pass a batch-major array of batch × dim numbers`,
    );
  }
  checkFinite(fn, "x", x);
  const dataEnd = options.dataEnd ?? "denoise";
  if (dataEnd !== "denoise" && dataEnd !== "marginal") {
    throw new RangeError(
      `${fn}: options.dataEnd must be "denoise" or "marginal", got ${JSON.stringify(dataEnd)}`,
    );
  }
  const noiseEnd = options.noiseEnd ?? "extrapolate";
  if (noiseEnd !== "extrapolate" && noiseEnd !== "prior") {
    throw new RangeError(
      `${fn}: options.noiseEnd must be "extrapolate" or "prior", got ${JSON.stringify(noiseEnd)}`,
    );
  }
  const kind: Kind = model.kind;
  const g2At = (t: number): number | undefined => (model.kind === "drift" ? model.g2(t) : undefined);
  const velocityMap = (slice: PathSlice): ConversionMap => slice.conversion(kind, "velocity", g2At(slice.t));
  const finiteAt = (t: number): boolean => {
    try {
      velocityMap(path.slice(t));
      return true;
    } catch {
      return false;
    }
  };
  const tStart = options.tStart ?? path.tMax;
  const tEnd = options.tEnd ?? (finiteAt(0) ? 0 : path.tMin);
  if (!(tEnd >= 0 && tStart <= 1 && tEnd < tStart)) {
    throw new RangeError(
      `${fn}: need 0 ≤ tEnd < tStart ≤ 1 (tStart = data end, tEnd = noise end), got tStart = ${tStart}, tEnd = ${tEnd}`,
    );
  }
  for (const [name, t, bound] of [
    ["tStart", tStart, `tStart ≤ path.tMax = ${path.tMax}`],
    ["tEnd", tEnd, `tEnd ≥ path.tMin = ${path.tMin}`],
  ] as const) {
    try {
      velocityMap(path.slice(t));
    } catch (e) {
      throw new RangeError(
        `${fn}: the ${kind} model's velocity is singular at ${name} = ${t} (${(e as Error).message}) — pass ${bound}`,
      );
    }
  }

  const n = x.length / dim;
  if (n === 0) {
    const none = new Float64Array(0);
    const base = {
      logLikelihood: none,
      standardError: none,
      estimates: none,
      noise: none,
      priorLogProb: none,
    };
    return {
      ...base,
      nfe: 0,
      evaluations: new Int32Array(0),
      modelCalls: 0,
      steps: 0,
      rejected: 0,
      tStart,
      tEnd,
    };
  }
  const estimator = traceEstimator(
    model,
    options.divergence ?? { kind: "exact" },
    { batch: n, dim },
    options.maxRows ?? DEFAULT_MAX_ROWS,
    fn,
    options.condition,
  );
  const m = estimator.count;
  const nd = n * dim;

  // Data end: x ↦ A·x + b, log|det A|, and the first-order heat-equation correction.
  let xs = Float64Array.from(x);
  let logDet = 0;
  const correction = new Float64Array(n * m);
  let extraNfe = 0;
  if (dataEnd === "denoise") {
    const slice = path.slice(tStart);
    const { A, b, cov } = slice.conditional;
    const det = logAbsDet(A, dim);
    if (det.sign === 0) {
      throw new RangeError(
        `${fn}: the conditional mean map A is singular at tStart = ${tStart}; data do not determine x there — raise tStart`,
      );
    }
    logDet = det.logAbs;
    xs = applyAffine(fn, A, xs, "x", { kind: "scalar", value: 0 }, xs, "x", b ?? new Float64Array(dim), dim);
    if (!isZero(cov, dim)) {
      const g2 = g2At(tStart);
      const toScore = slice.conversion(kind, "score", g2);
      const { pred, traces } = await estimator.evaluate(
        xs,
        tStart,
        matMul(cov, toScore.P),
        matMul(cov, toScore.Q),
      );
      extraNfe = 1;
      const score = applyConversion(fn, toScore, pred, xs, dim);
      const cs = new Float64Array(dim);
      for (let i = 0; i < n; i++) {
        matVec(cov, score, cs, i * dim, 0, dim);
        let quad = 0;
        for (let j = 0; j < dim; j++) quad += score[i * dim + j]! * cs[j]!;
        for (let k = 0; k < m; k++) correction[i * m + k] = -0.5 * (traces[i * m + k]! + quad);
      }
    }
  }

  // The probability-flow ODE with its divergence accumulators, from tStart down to tEnd: row i of
  // the state is [x_i (dim), z_i (one per estimate)].
  const w = dim + m;
  const rhs = async (t: number, y: Float64Array, rows: Int32Array): Promise<Float64Array> => {
    const k = rows.length;
    const xt = new Float64Array(k * dim);
    for (let i = 0; i < k; i++) xt.set(y.subarray(i * w, i * w + dim), i * dim);
    const map = velocityMap(path.slice(t));
    const { pred, traces } = await estimator.evaluate(xt, t, map.P, map.Q, k === n ? undefined : rows);
    const velocity = applyConversion(fn, map, pred, xt, dim);
    const out = new Float64Array(k * w);
    for (let i = 0; i < k; i++) {
      out.set(velocity.subarray(i * dim, (i + 1) * dim), i * w);
      out.set(traces.subarray(i * m, (i + 1) * m), i * w + dim);
    }
    return out;
  };
  const y0 = new Float64Array(n * w);
  for (let i = 0; i < n; i++) y0.set(xs.subarray(i * dim, (i + 1) * dim), i * w);
  const { onProgress } = options;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(`${fn}: options.onProgress must be a function ({ fraction, nfe }) => void`);
  }
  const done = new Float64Array(n);
  let doneSum = 0;
  const solved = await integrate(rhs, y0, tStart, tEnd, {
    solver: likelihoodSolver(options.solver, n, dim, m),
    rows: n,
    ...(onProgress === undefined
      ? {}
      : {
          onStep: (info: IntegratorStepInfo) => {
            const f = (tStart - info.t) / (tStart - tEnd);
            for (const r of info.rows) {
              doneSum += f - done[r]!;
              done[r] = f;
            }
            onProgress({ fraction: doneSum / n, nfe: info.nfe });
          },
        }),
  });
  let end = solved.y;
  let endNfe = 0;
  if (noiseEnd === "extrapolate" && tEnd > 0) {
    // One explicit Euler step from tEnd to 0: y(0) ≈ y(tEnd) − tEnd·f(tEnd, y(tEnd)).
    const f = await rhs(
      tEnd,
      end,
      Int32Array.from({ length: n }, (_, i) => i),
    );
    endNfe = 1;
    end = end.map((v, i) => v - tEnd * f[i]!);
  }
  const noise = new Float64Array(nd);
  for (let i = 0; i < n; i++) noise.set(end.subarray(i * w, i * w + dim), i * dim);
  const priorLogProb = (options.prior ?? path.prior).logProb(noise, dim);
  checkRows(fn, priorLogProb, n);

  const estimates = new Float64Array(n * m);
  const logLik = new Float64Array(n);
  const standardError = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let k = 0; k < m; k++) {
      const e = priorLogProb[i]! + end[i * w + dim + k]! + logDet + correction[i * m + k]!;
      estimates[i * m + k] = e;
      mean += e;
    }
    mean /= m;
    logLik[i] = mean;
    if (options.divergence?.kind === "hutchinson") {
      let ss = 0;
      for (let k = 0; k < m; k++) ss += (estimates[i * m + k]! - mean) ** 2;
      standardError[i] = m > 1 ? Math.sqrt(ss / (m - 1) / m) : Number.NaN;
    }
  }
  return {
    logLikelihood: logLik,
    standardError,
    estimates,
    noise,
    priorLogProb,
    nfe: solved.nfe + extraNfe + endNfe,
    evaluations: solved.evaluations.map((e) => e + extraNfe + endNfe),
    modelCalls: estimator.calls,
    steps: solved.accepted,
    rejected: solved.rejected,
    tStart,
    tEnd,
  };
}

/**
 * The solver of `options.solver` for n rows of [x (dim), z (m)]: an adaptive one steps each sample on
 * its own unless it says "shared", and a scalar rtol applies to x only — z accumulates log-density in
 * nats, so its tolerance is atol, absolute (a relative one would loosen with |z|, which reaches ~d·λ/2).
 */
function likelihoodSolver(solver: Solver | undefined, n: number, dim: number, m: number): Solver {
  const given = solver ?? DEFAULT_LIKELIHOOD_SOLVER;
  if (given === null || typeof given !== "object" || given.kind !== "adaptive") return given;
  const w = dim + m;
  const rtol = given.rtol ?? DEFAULT_TOLERANCE.rtol;
  const perComponent =
    typeof rtol === "number"
      ? Float64Array.from({ length: n * w }, (_, i) => (i % w < dim ? rtol : 0))
      : rtol;
  return { ...given, control: given.control ?? "perRow", rtol: perComponent };
}

/** P·pred + Q·x + c row by row. */
function applyConversion(
  fn: string,
  map: ConversionMap,
  pred: Float64Array,
  x: Float64Array,
  dim: number,
): Float64Array {
  return applyAffine(fn, map.P, pred, "prediction", map.Q, x, "xt", map.c ?? new Float64Array(dim), dim);
}

function isZero(m: Mat, d: number): boolean {
  if (m.kind === "scalar") return m.value === 0;
  return m.values.every((v) => v === 0) && d > 0;
}

function checkRows(fn: string, a: unknown, n: number): void {
  if (!(a instanceof Float64Array && a.length === n)) {
    throw new RangeError(
      `${fn}: the prior's logProb returned ${a instanceof Float64Array ? `length ${a.length}` : String(a)}, expected a Float64Array of ${n} log-densities`,
    );
  }
}
