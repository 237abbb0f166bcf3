/**
 * Time densities π(t) over canonical time (t = 0 noise, t = 1 data) for training objectives
 * L = E_{t~π} E[w·‖·‖²]. Each density has a quantile function (inverse CDF) and a pdf, so sampling
 * uses one uniform per time and the importance correction π_target(t)/π_proposal(t) is exact.
 *
 * | density          | t = Q(u)                                          | source                    |
 * |------------------|---------------------------------------------------|---------------------------|
 * | uniform          | lo + (hi − lo)·u                                  |                           |
 * | logitNormal(m,s) | sigmoid(−m + s·Φ⁻¹(u))  (SD3: 1 − t ~ logitN(m,s)) | Esser et al. 2024, §3.1   |
 * | logNormalSigma   | ln σ̃ ~ N(P_mean, P_std²), t = timeAtLogSnr(−2 ln σ̃) | Karras et al. 2022, Tab. 1|
 * | logUniformSigma  | ln σ̃ uniform, t = timeAtLogSnr(−2 ln σ̃)          | Song & Ermon 2019 (NCSN)  |
 * | mode(s)          | u + s·(cos²(πu/2) − 1 + u)                        | Esser et al. 2024, §3.1   |
 * | cosmap           | sin(πu/2)/(sin(πu/2) + cos(πu/2))                 | Esser et al. 2024, §3.1   |
 * | proportional(f)  | inverse CDF of the piecewise-constant density ∝ f | (importance proposals)    |
 * | uniformLevel     | τ = α/(α + σ) uniform on [tMin, tMax]             | rectified flow's uniform t |
 * | ddpmTimestep(N)  | k uniform in {0, …, N − 1}, t = 1 − (k + 1)/N       | Ho et al. 2020, Alg. 1    |
 * `stratifiedTime(d)` draws uᵢ = (i + Uᵢ)/n instead of n independent uniforms (same marginal law over
 * the batch, lower variance). σ̃ = σ/α; the σ-densities map through the path's log-SNR (their densities need scalar levels: affine paths, interpolants).
 */
import type { Rng } from "../random/rng.js";
import { levelDLogSnr } from "../schedule/schedule.js";
import type { LogSnr, Sigma } from "../time.js";
import { logit, normalCdf, normalQuantile, sigmoid, solveIncreasing } from "../math/scalar.js";
import { type TrainingPath, gaussianPathOf, levelAt } from "./trainingPath.js";

/** JSON description of a time density. */
export type TimeDensitySpec =
  | { readonly name: "uniform"; readonly lo: number; readonly hi: number }
  | { readonly name: "stratified"; readonly base: TimeDensitySpec }
  | { readonly name: "logitNormal"; readonly mean: number; readonly std: number }
  | { readonly name: "logNormalSigma"; readonly pMean: number; readonly pStd: number }
  | { readonly name: "logUniformSigma"; readonly sigmaMin: number | null; readonly sigmaMax: number | null }
  | { readonly name: "mode"; readonly scale: number }
  | { readonly name: "cosmap" }
  | { readonly name: "uniformLevel" }
  | { readonly name: "ddpmTimestep"; readonly steps: number | null }
  | { readonly name: "custom"; readonly description: string };

/** A density over canonical time (file header). */
export interface TimeDensity {
  readonly name: string;
  readonly spec: TimeDensitySpec;
  /** The time at quantile u ∈ [0, 1] (inverse CDF, non-decreasing in u) on `path`. */
  quantile(u: number, path: TrainingPath): number;
  /** The density at t on `path` (0 outside the support). */
  pdf(t: number, path: TrainingPath): number;
  /** n times: t = quantile(u) with one `rng.uniform()` per time (stratified: uᵢ = (i + Uᵢ)/n). */
  sample(rng: Rng, n: number, path: TrainingPath): Float64Array;
}

function checkCount(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`${fn}: n must be a non-negative integer, got ${n}`);
}

function finiteNumber(fn: string, name: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x))
    throw new RangeError(`${fn}: ${name} must be a finite number, got ${String(x)}`);
  return x;
}

function positiveNumber(fn: string, name: string, x: unknown): number {
  const v = finiteNumber(fn, name, x);
  if (!(v > 0)) throw new RangeError(`${fn}: ${name} must be > 0, got ${v}`);
  return v;
}

/**
 * A density from its quantile and pdf, sampling i.i.d. through the quantile (one uniform per time), or
 * through `draw` when given: a cheaper exact sampler of the same law (e.g. a normal instead of Φ⁻¹(u)).
 */
function defineDensity(
  name: string,
  spec: TimeDensitySpec,
  quantile: (u: number, path: TrainingPath) => number,
  pdf: (t: number, path: TrainingPath) => number,
  draw: (rng: Rng, path: TrainingPath) => number = (rng, path) => quantile(rng.uniform(), path),
): TimeDensity {
  return {
    name,
    spec,
    quantile,
    pdf,
    sample(rng, n, path) {
      checkCount(`${name}.sample`, n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = draw(rng, path);
      return out;
    },
  };
}

/** Uniform on [lo, hi] ⊆ [0, 1] (default [0, 1]); pdf 1/(hi − lo). */
export function uniformTime(options: { lo?: number; hi?: number } = {}): TimeDensity {
  const fn = "uniformTime";
  const lo = finiteNumber(fn, "lo", options.lo ?? 0);
  const hi = finiteNumber(fn, "hi", options.hi ?? 1);
  if (!(lo >= 0 && lo < hi && hi <= 1)) {
    throw new RangeError(`${fn}: need 0 ≤ lo < hi ≤ 1 (canonical time), got lo = ${lo}, hi = ${hi}`);
  }
  return defineDensity(
    lo === 0 && hi === 1 ? "uniform" : `uniform(${lo}, ${hi})`,
    { name: "uniform", lo, hi },
    (u) => lo + (hi - lo) * u,
    (t) => (t >= lo && t <= hi ? 1 / (hi - lo) : 0),
  );
}

/**
 * Stratified sampling of `base` (default uniform): for a batch of n, uᵢ = (i + Uᵢ)/n, tᵢ = Q(uᵢ), so
 * each of n equal-probability strata holds exactly one time (in increasing order). Same pdf as `base`;
 * the batch mean of any f(t) is unbiased with lower variance.
 */
export function stratifiedTime(base: TimeDensity = uniformTime()): TimeDensity {
  checkDensity("stratifiedTime", "base", base);
  return {
    name: `stratified(${base.name})`,
    spec: { name: "stratified", base: base.spec },
    quantile: base.quantile,
    pdf: base.pdf,
    sample(rng, n, path) {
      checkCount("stratifiedTime.sample", n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = base.quantile((i + rng.uniform()) / n, path);
      return out;
    },
  };
}

/**
 * Logit-normal time (SD3's "lognorm(m, s)", Esser et al. 2024, §3.1): the rectified-flow noise level
 * 1 − t is sigmoid(m + s·z), z ~ N(0, 1), so m > 0 favours noisier times. In canonical time
 * t = sigmoid(−m + s·Φ⁻¹(u)), π(t) = φ((logit t + m)/s)/(s·t(1 − t)). Defaults m = 0, s = 1.
 * π → 0 at t = 0 and 1.
 */
export function logitNormalTime(options: { mean?: number; std?: number } = {}): TimeDensity {
  const fn = "logitNormalTime";
  const m = finiteNumber(fn, "mean", options.mean ?? 0);
  const s = positiveNumber(fn, "std", options.std ?? 1);
  return defineDensity(
    `logitNormal(${m}, ${s})`,
    { name: "logitNormal", mean: m, std: s },
    (u) => sigmoid(-m + s * normalQuantile(u)),
    (t) => {
      if (!(t > 0 && t < 1)) return 0;
      const z = (logit(t) + m) / s;
      return Math.exp(-0.5 * z * z) / (Math.sqrt(2 * Math.PI) * s * t * (1 - t));
    },
    (rng) => sigmoid(-m + s * rng.normal()),
  );
}

/**
 * EDM's log-normal noise levels (Karras et al. 2022, Table 1: ln σ̃ ~ N(P_mean, P_std²), defaults
 * −1.2, 1.2) mapped to canonical time through the path's log-SNR: t = timeAtLogSnr(−2 ln σ̃). Truncated
 * to the path's range [λ(0), λ(1)] by inverse CDF (exact, renormalized):
 *   π(t) = φ(z)/(P_std·Z) · λ'(t)/2,  z = (−λ(t)/2 − P_mean)/P_std,  Z = Φ(z(0)) − Φ(z(1)).
 */
export function logNormalSigmaTime(options: { pMean?: number; pStd?: number } = {}): TimeDensity {
  const fn = "logNormalSigmaTime";
  const pMean = finiteNumber(fn, "pMean", options.pMean ?? -1.2);
  const pStd = positiveNumber(fn, "pStd", options.pStd ?? 1.2);
  // z of ln σ̃ = −λ/2 at the path's ends, and the truncated mass (once per path).
  const cache = new WeakMap<TrainingPath, ReturnType<typeof computeBounds>>();
  const bounds = (path: TrainingPath) => {
    let b = cache.get(path);
    if (b === undefined) cache.set(path, (b = computeBounds(path)));
    return b;
  };
  const computeBounds = (path: TrainingPath) => {
    const gaussian = gaussianPathOf(fn, path);
    const lambda0 = gaussian.logSnr(0);
    const lambda1 = gaussian.logSnr(1);
    const zHi = (-0.5 * lambda0 - pMean) / pStd;
    const zLo = (-0.5 * lambda1 - pMean) / pStd;
    const cdfHi = normalCdf(zHi);
    const cdfLo = normalCdf(zLo);
    return { gaussian, lambda0, lambda1, cdfHi, mass: cdfHi - cdfLo, zLo, zHi };
  };
  const timeAt = (z: number, path: TrainingPath): number => {
    const { gaussian, lambda0, lambda1 } = bounds(path);
    return gaussian.timeAtLogSnr(Math.min(lambda1, Math.max(lambda0, -2 * (pMean + pStd * z))) as LogSnr);
  };
  return defineDensity(
    `logNormalSigma(${pMean}, ${pStd})`,
    { name: "logNormalSigma", pMean, pStd },
    (u, path) => {
      const { cdfHi, mass } = bounds(path);
      // u = 0 ↦ the largest σ̃ (t = 0): t increases with u.
      return timeAt(normalQuantile(Math.min(1, Math.max(0, cdfHi - u * mass))), path);
    },
    (t, path) => {
      if (!(t >= 0 && t <= 1)) return 0;
      const { gaussian, mass } = bounds(path);
      const z = (-0.5 * gaussian.logSnr(t) - pMean) / pStd;
      const phi = Math.exp(-0.5 * z * z);
      // At an end with λ = ±∞ the Gaussian factor is 0 and λ' = ∞; the density's limit is 0.
      if (phi === 0) return 0;
      return (phi / (Math.sqrt(2 * Math.PI) * pStd * mass)) * 0.5 * levelDLogSnr(levelAt(fn, gaussian, t));
    },
    (rng, path) => {
      // Rejection from N(0, 1) is exact and cheaper than Φ⁻¹ when most mass is kept; else inverse CDF.
      const { cdfHi, mass, zLo, zHi } = bounds(path);
      if (mass < 0.5)
        return timeAt(normalQuantile(Math.min(1, Math.max(0, cdfHi - rng.uniform() * mass))), path);
      for (;;) {
        const z = rng.normal();
        if (z >= zLo && z <= zHi) return timeAt(z, path);
      }
    },
  );
}

/**
 * Log-uniform noise levels: ln σ̃ uniform on [ln σ̃min, ln σ̃max] (λ uniform on [−2 ln σ̃max, −2 ln σ̃min]),
 * t = timeAtLogSnr(λ), π(t) = λ'(t)/(λmax − λmin) (the continuous NCSN/VE geometric ladder, Song &
 * Ermon 2019). Defaults: the path's safe range [σ̃(tMax), σ̃(tMin)]. Throws when the range leaves
 * the path's.
 */
export function logUniformSigmaTime(options: { sigmaMin?: Sigma; sigmaMax?: Sigma } = {}): TimeDensity {
  const fn = "logUniformSigmaTime";
  const sigmaMin = options.sigmaMin === undefined ? null : positiveNumber(fn, "sigmaMin", options.sigmaMin);
  const sigmaMax = options.sigmaMax === undefined ? null : positiveNumber(fn, "sigmaMax", options.sigmaMax);
  if (sigmaMin !== null && sigmaMax !== null && !(sigmaMax > sigmaMin)) {
    throw new RangeError(`${fn}: sigmaMax (${sigmaMax}) must exceed sigmaMin (${sigmaMin})`);
  }
  const range = (path: TrainingPath) => {
    const gaussian = gaussianPathOf(fn, path);
    const lo = sigmaMax === null ? gaussian.logSnr(gaussian.tMin) : -2 * Math.log(sigmaMax);
    const hi = sigmaMin === null ? gaussian.logSnr(gaussian.tMax) : -2 * Math.log(sigmaMin);
    const l0 = gaussian.logSnr(0);
    const l1 = gaussian.logSnr(1);
    if (lo < l0 || hi > l1) {
      throw new RangeError(
        `${fn}: σ̃ ∈ [${Math.exp(-0.5 * hi)}, ${Math.exp(-0.5 * lo)}] leaves the range of the path ${gaussian.name} (σ̃ ∈ [${Math.exp(-0.5 * l1)}, ${Math.exp(-0.5 * l0)}]); narrow sigmaMin/sigmaMax`,
      );
    }
    return { gaussian, lo, hi };
  };
  return defineDensity(
    "logUniformSigma",
    { name: "logUniformSigma", sigmaMin, sigmaMax },
    (u, path) => {
      const { gaussian, lo, hi } = range(path);
      return gaussian.timeAtLogSnr(Math.min(hi, lo + (hi - lo) * u) as LogSnr);
    },
    (t, path) => {
      const { gaussian, lo, hi } = range(path);
      const lambda = t >= 0 && t <= 1 ? gaussian.logSnr(t) : Number.NaN;
      if (!(lambda >= lo && lambda <= hi)) return 0;
      return levelDLogSnr(levelAt(fn, gaussian, t)) / (hi - lo);
    },
  );
}

/**
 * SD3 mode sampling with heavy tails (Esser et al. 2024, §3.1): the rectified-flow noise level is
 * f(u) = 1 − u − s·(cos²(πu/2) − 1 + u), so canonical t = u + s·(cos²(πu/2) − 1 + u), monotone for
 * s ∈ [−1, 2/(π − 2)]; π(t) = 1/t'(u), t'(u) = 1 + s·(1 − (π/2)·sin(πu)) (u by a safeguarded
 * Newton solve). s = 0 is uniform; default s = 1.29 (diffusers). Singular: π = ∞ at t = ½ when
 * s = 2/(π − 2).
 */
export function modeTime(options: { scale?: number } = {}): TimeDensity {
  const fn = "modeTime";
  const s = finiteNumber(fn, "scale", options.scale ?? 1.29);
  const sMax = 2 / (Math.PI - 2);
  if (s < -1 || s > sMax) {
    throw new RangeError(
      `${fn}: scale must be in [−1, 2/(π − 2) ≈ ${sMax.toFixed(4)}] for a monotone map, got ${s}`,
    );
  }
  const time = (u: number): number => u + s * (Math.cos(0.5 * Math.PI * u) ** 2 - 1 + u);
  const slope = (u: number): number => 1 + s * (1 - 0.5 * Math.PI * Math.sin(Math.PI * u));
  return defineDensity(
    `mode(${s})`,
    { name: "mode", scale: s },
    (u) => Math.min(1, Math.max(0, time(u))),
    (t) => {
      if (!(t >= 0 && t <= 1)) return 0;
      const u = solveIncreasing((x) => [time(x), slope(x)], t, 0, 1);
      return 1 / slope(u);
    },
  );
}

/**
 * SD3 CosMap (Esser et al. 2024, §3.1): rectified-flow noise level 1 − 1/(tan(πu/2) + 1); canonical
 * t = sin(πu/2)/(sin(πu/2) + cos(πu/2)), π(t) = 2/(π(1 − 2t + 2t²)) (symmetric; 2/π at both ends).
 */
export function cosmapTime(): TimeDensity {
  return defineDensity(
    "cosmap",
    { name: "cosmap" },
    (u) => {
      const sn = Math.sin(0.5 * Math.PI * u);
      return sn / (sn + Math.cos(0.5 * Math.PI * u));
    },
    (t) => (t >= 0 && t <= 1 ? 2 / (Math.PI * (1 - 2 * t + 2 * t * t)) : 0),
  );
}

/**
 * Uniform over the noise level τ = α/(α + σ) = sigmoid(λ/2) on the path's safe range [tMin, tMax]:
 * the noise levels rectified flow's uniform t visits (there τ = t), on any path with a scalar
 * log-SNR, so every path trains on the same signal-to-noise ratios (a VE or EDM path's uniform t
 * spends most draws far above the data's scale). t = timeAtLogSnr(2·logit τ),
 * π(t) = τ'(t)/(τ(tMax) − τ(tMin)) with τ' = ½·τ(1 − τ)·λ'(t). Staying inside [tMin, tMax]
 * (|λ| ≤ 13 where λ is unbounded) keeps every kind's target and weight finite at every draw.
 */
export function uniformLevelTime(): TimeDensity {
  const fn = "uniformLevelTime";
  const level = (lambda: number) => sigmoid(0.5 * lambda);
  const range = (path: TrainingPath) => {
    const gaussian = gaussianPathOf(fn, path);
    const lambdaLo = gaussian.logSnr(gaussian.tMin);
    const lambdaHi = gaussian.logSnr(gaussian.tMax);
    return { gaussian, lambdaLo, lambdaHi, lo: level(lambdaLo), hi: level(lambdaHi) };
  };
  return defineDensity(
    "uniformLevel",
    { name: "uniformLevel" },
    (u, path) => {
      const { gaussian, lambdaLo, lambdaHi, lo, hi } = range(path);
      if (u <= 0) return gaussian.tMin;
      if (u >= 1) return gaussian.tMax;
      const lambda = 2 * logit(lo + (hi - lo) * u);
      return gaussian.timeAtLogSnr(Math.min(lambdaHi, Math.max(lambdaLo, lambda)) as LogSnr);
    },
    (t, path) => {
      const { gaussian, lo, hi } = range(path);
      if (!(t >= gaussian.tMin && t <= gaussian.tMax)) return 0;
      const tau = level(gaussian.logSnr(t));
      return (0.5 * tau * (1 - tau) * levelDLogSnr(levelAt(fn, gaussian, t))) / (hi - lo);
    },
  );
}

/**
 * DDPM's integer timesteps (Ho et al. 2020, Algorithm 1: k ~ randint(0, N)): k uniform in
 * {0, …, N − 1} at canonical t = 1 − (k + 1)/N, the time of table entry k on a discrete path
 * (N = the path's table length, or `steps`). One uniform per draw; a discrete density (pdf: the mass
 * 1/N at each table time, 0 elsewhere), so it cannot serve as an importance proposal for a continuous one.
 */
export function ddpmTimestepTime(options: { steps?: number } = {}): TimeDensity {
  const fn = "ddpmTimestepTime";
  const fixed = options.steps;
  if (fixed !== undefined && (!Number.isInteger(fixed) || fixed < 1))
    throw new RangeError(
      `${fn}: steps must be a positive integer (the table length, e.g. 1000), got ${fixed}`,
    );
  const count = (path: TrainingPath): number => {
    if (fixed !== undefined) return fixed;
    const table = gaussianPathOf(fn, path).trainSteps;
    if (table === undefined) {
      throw new TypeError(
        `${fn}: the path is not a discrete table, so its number of timesteps is unknown; pass ddpmTimestepTime({ steps })`,
      );
    }
    return table.count;
  };
  return defineDensity(
    fixed === undefined ? "ddpmTimestep" : `ddpmTimestep(${fixed})`,
    { name: "ddpmTimestep", steps: fixed ?? null },
    (u, path) => {
      const n = count(path);
      const k = Math.min(n - 1, Math.floor(u * n));
      return 1 - (k + 1) / n;
    },
    (t, path) => {
      const n = count(path);
      const k = Math.round((1 - t) * n) - 1;
      return k >= 0 && k < n && 1 - (k + 1) / n === t ? 1 / n : 0;
    },
  );
}

/**
 * The piecewise-constant density on [lo, hi] ∝ f at the midpoints of `bins` equal bins (an importance
 * proposal that follows a weighting, e.g. f = the likelihood weight, as in Song et al. 2021b). f must be
 * finite and ≥ 0 with a positive sum. Not serializable (spec "custom").
 */
export function proportionalTime(
  f: (t: number) => number,
  options: { bins?: number; lo?: number; hi?: number; name?: string } = {},
): TimeDensity {
  const fn = "proportionalTime";
  if (typeof f !== "function") throw new TypeError(`${fn}: f must be a function t ↦ unnormalized density`);
  const bins = options.bins ?? 512;
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`${fn}: bins must be a positive integer, got ${bins}`);
  const lo = finiteNumber(fn, "lo", options.lo ?? 0);
  const hi = finiteNumber(fn, "hi", options.hi ?? 1);
  if (!(lo >= 0 && lo < hi && hi <= 1))
    throw new RangeError(`${fn}: need 0 ≤ lo < hi ≤ 1, got lo = ${lo}, hi = ${hi}`);
  const width = (hi - lo) / bins;
  const mass = new Float64Array(bins);
  let total = 0;
  for (let k = 0; k < bins; k++) {
    const t = lo + (k + 0.5) * width;
    const v = f(t);
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`${fn}: f(${t}) = ${v}; f must be finite and ≥ 0`);
    mass[k] = v;
    total += v;
  }
  if (!(total > 0)) throw new RangeError(`${fn}: f is 0 at every bin midpoint; it must have positive mass`);
  const cdf = new Float64Array(bins + 1);
  for (let k = 0; k < bins; k++) cdf[k + 1] = cdf[k]! + mass[k]! / total;
  cdf[bins] = 1;
  const name = options.name ?? "proportional";
  return defineDensity(
    name,
    { name: "custom", description: name },
    (u) => {
      // Largest k with cdf[k] ≤ u, skipping empty bins.
      let a = 0;
      let b = bins;
      while (b - a > 1) {
        const mid = (a + b) >> 1;
        if (cdf[mid]! <= u) a = mid;
        else b = mid;
      }
      while (a < bins - 1 && mass[a] === 0) a++;
      const p = cdf[a + 1]! - cdf[a]!;
      return Math.min(hi, lo + (a + Math.min(1, (u - cdf[a]!) / p)) * width);
    },
    (t) => {
      if (!(t >= lo && t <= hi)) return 0;
      const k = Math.min(bins - 1, Math.floor((t - lo) / width));
      return mass[k]! / (total * width);
    },
  );
}

/** Throws unless `d` is a TimeDensity. */
export function checkDensity(fn: string, name: string, d: unknown): asserts d is TimeDensity {
  const x = d as TimeDensity | null;
  if (
    x === null ||
    typeof x !== "object" ||
    typeof x.quantile !== "function" ||
    typeof x.pdf !== "function" ||
    typeof x.sample !== "function"
  ) {
    throw new TypeError(
      `${fn}: ${name} must be a TimeDensity (uniformTime(), logitNormalTime({ mean, std }), …)`,
    );
  }
}

/**
 * The importance weight π_target(t)/π_proposal(t) that makes E_{t~proposal}[weight·ℓ(t)] =
 * E_{t~target}[ℓ(t)] (unbiased). Throws where the proposal is 0 (or not finite) but the target is not.
 */
export function importanceWeight(
  target: TimeDensity,
  proposal: TimeDensity,
  t: number,
  path: TrainingPath,
): number {
  const p = target.pdf(t, path);
  const q = proposal.pdf(t, path);
  if (p === 0) return 0;
  if (!(q > 0) || !Number.isFinite(q) || !Number.isFinite(p)) {
    throw new RangeError(
      `importanceWeight: at t = ${t} the proposal ${proposal.name} has density ${q} but the target ${target.name} has ${p}; the proposal must cover the target's support`,
    );
  }
  return p / q;
}
