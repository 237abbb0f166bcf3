/**
 * Sampling grids: canonical times t₀ < t₁ < … (t = 0 noise, t = 1 data) with the path slice, σ̃ = σ/α
 * and λ = log(α²/σ²) at every node. Pure functions of a path and a step count.
 *
 * The data end. By default a grid's last node is the data end, σ = 0, where no solver evaluates the
 * model (each solver documents its last step). On schedules with σ(1) = 0 (linear, cosine, VP, discrete)
 * it is t = 1 itself. On VE and EDM σ(1) = σmin > 0 and the data end lies "beyond t = 1": it is an extra
 * node at t = 1 with level (α(1), σ = 0) after the node t = 1 (σmin) — k-diffusion's appended σ = 0.
 * On a bridge path it is t = 1 (σ = 0 there when the evidence covariance R is 0). `end: "tMax"` stops at
 * the path's tMax instead (the last node where every conversion is finite).
 *
 * Families (each a `GridFunction`): uniform in t; Karras ρ (default 7); exponential (uniform log σ̃);
 * polyexponential; uniform log-SNR; time-quadratic; EDM's own; diffusers' discrete spacings; static
 * and dynamic shift; custom (validated). σ̃-based grids place nodes by the path's log-SNR (its mean over
 * coordinates on a diagonal bridge, levels.ts); time-based grids work on every path.
 */
import { MAX_GRID_STEPS, checkCount } from "../array.js";
import { affineSlice } from "../path/affine.js";
import { type GaussianPath, type PathSlice, isDataEnd, meanLogSnr } from "../path/path.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { type LogSnr, type Sigma, type TrainStep, logSnrToSigma } from "../time.js";

/** Where a grid stops: the data end (σ = 0, default) or the path's tMax. */
export type GridEnd = "data" | "tMax";

/** A sampling grid (file header). */
export interface Grid {
  readonly path: GaussianPath;
  /** Canonical times, strictly increasing — except that a data end beyond t = 1 repeats t = 1. */
  readonly times: Float64Array;
  /** The path slice at every node (the data end beyond t = 1 is an affine slice with σ = 0). */
  readonly slices: readonly PathSlice[];
  /** σ̃ = σ/α at every node (exp(−λ̄/2) on a diagonal bridge; NaN on a dense bridge). */
  readonly sigmas: Float64Array;
  /** λ = log(α²/σ²) at every node (λ̄ on a diagonal bridge; NaN on a dense bridge). */
  readonly logSnrs: Float64Array;
  /** Whether the last node is the data end (σ = 0). */
  readonly dataEnd: boolean;
  /** The table index of every node on a discrete-spacing grid (−1 for the data end). */
  readonly trainSteps?: Float64Array;
}

/** A grid family: the grid of `steps` steps on `path`. */
export type GridFunction = (path: GaussianPath, steps: number) => Grid;

/** Options shared by the time-based grids. */
export interface TimeGridOptions {
  /** First node (default path.tMin, where every conversion is finite). */
  readonly start?: number;
  /** Last node: the data end (default) or path.tMax. */
  readonly end?: GridEnd;
}

/** Options shared by the σ̃-based grids (k-diffusion's names). */
export interface SigmaGridOptions {
  /** Smallest positive σ̃ (default σ̃ at path.tMax). */
  readonly sigmaMin?: Sigma;
  /** Largest σ̃ (default σ̃ at path.tMin). */
  readonly sigmaMax?: Sigma;
  /** Append the data end after σmin (default) or stop at σmin ("tMax"). */
  readonly end?: GridEnd;
}

function checkPath(fn: string, path: GaussianPath): void {
  if (path === null || typeof path !== "object" || typeof path.slice !== "function") {
    throw new TypeError(`${fn}: path must be a GaussianPath (affinePath(schedule) or bridgePath(…))`);
  }
}

function checkSteps(fn: string, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`${fn}: steps must be a positive integer, got ${steps}`);
  checkCount(fn, "steps", steps, 1, MAX_GRID_STEPS);
}

/** Whether the path's data end (σ = 0) lies beyond t = 1 (VE, EDM: σ(1) > 0). */
function endsBeyondOne(path: GaussianPath): boolean {
  return path.dataEnd !== undefined && !isDataEnd(path.slice(1));
}

/** λ̄ of a node (path.ts); NaN on a dense slice, which has no per-coordinate view. */
function summary(slice: PathSlice): number {
  const levels = slice.coordinates();
  return levels === null ? Number.NaN : meanLogSnr(levels);
}

/**
 * Builds and validates a grid from canonical times (strictly increasing, inside [0, 1]); with
 * `appendDataEnd` the data end is added after them (file header). Errors name `fn` and the fix.
 */
function makeGrid(
  fn: string,
  path: GaussianPath,
  times: readonly number[],
  appendDataEnd: boolean,
  trainSteps?: readonly number[],
  levels?: readonly NoiseLevel[],
): Grid {
  checkPath(fn, path);
  if (!Array.isArray(times) && !(times instanceof Float64Array))
    throw new TypeError(`${fn}: times must be an array of canonical times`);
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (!(t >= 0 && t <= 1))
      throw new RangeError(
        `${fn}: times[${i}] = ${t} is outside [0, 1] (canonical time: 0 = noise, 1 = data)`,
      );
    if (i > 0 && !(t > times[i - 1]!)) {
      throw new RangeError(
        `${fn}: times must be strictly increasing (t = 0 noise → t = 1 data); times[${i}] = ${t} ≤ times[${i - 1}] = ${times[i - 1]} — sort them ascending and drop repeats`,
      );
    }
  }
  const all = [...times];
  let slices: PathSlice[];
  if (levels !== undefined) {
    if (all.length > 0 && path.slice(all[0]!).level === undefined) {
      throw new TypeError(`${fn}: levels can only be given on a path with scalar levels (an affine path)`);
    }
    if (levels.length !== all.length)
      throw new RangeError(
        `${fn}: ${levels.length} levels for ${all.length} times; give one NoiseLevel per time`,
      );
    slices = levels.map((l, i) => {
      if (l.t !== all[i])
        throw new RangeError(`${fn}: levels[${i}].t = ${l.t} differs from times[${i}] = ${all[i]}`);
      return affineSlice(l);
    });
  } else {
    slices = path.slices(all);
  }
  const steps = trainSteps ? [...trainSteps] : undefined;
  if (appendDataEnd) {
    const end = path.dataEnd;
    const last = all.length === 0 ? undefined : slices[slices.length - 1]!;
    if (last === undefined || last.t < 1 || (end !== undefined && !isDataEnd(last))) {
      // The data end: slice(1), or the level (α(1), σ = 0) beyond t = 1 on VE/EDM.
      all.push(1);
      slices.push(end ?? path.slice(1));
      steps?.push(-1);
    }
  }
  if (all.length < 2)
    throw new RangeError(`${fn}: a grid needs at least 2 nodes (1 step), got ${all.length}`);
  const dataEnd = isDataEnd(slices[slices.length - 1]!);
  const logSnrs = Float64Array.from(slices, summary);
  const grid: Grid = {
    path,
    times: Float64Array.from(all),
    slices,
    sigmas: logSnrs.map((l) => Math.exp(-0.5 * l)),
    logSnrs,
    dataEnd,
  };
  return steps ? { ...grid, trainSteps: Float64Array.from(steps) } : grid;
}

/**
 * A custom grid: exactly `times` (validated: strictly increasing canonical times inside [0, 1]); with
 * `dataEnd: true` the data end is appended (after t = 1 on VE/EDM). The last node is the data end when
 * σ = 0 there. On an affine path `levels` may override the NoiseLevel of each node (one per time, same
 * t) — e.g. a peer's float32-rounded coefficients; samplers then use them, the model still sees t.
 */
export function customGrid(
  path: GaussianPath,
  times: ArrayLike<number>,
  options: { readonly dataEnd?: boolean; readonly levels?: readonly NoiseLevel[] } = {},
): Grid {
  if (times === null || typeof times !== "object" || typeof times.length !== "number") {
    throw new TypeError("customGrid: times must be an array of canonical times");
  }
  return makeGrid("customGrid", path, Array.from(times), options.dataEnd ?? false, undefined, options.levels);
}

/** torch.linspace in float64: step = (b − a)/(n − 1); the first half counts up from a, the rest down from b. */
function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  const half = Math.floor(n / 2);
  return Array.from({ length: n }, (_, i) => (i < half ? a + step * i : b - step * (n - 1 - i)));
}

/**
 * np.linspace(a, b, n): a + i·step with step = (b − a)/(n − 1), the last entry exactly b. Differs from
 * torch.linspace (`linspace` above) in the last bits of the second half, which changes a rounded index
 * when it lies within an ulp of k + ½ (np.linspace(0, 49, 23)[11] = 24.4999…, torch's 24.5000…1).
 */
export function npLinspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const step = (b - a) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? b : i * step + a));
}

/**
 * Karras et al. (2022) eq. 5 on a ramp u ∈ [0, 1]: σ̃(u) = (σmax^{1/ρ} + u·(σmin^{1/ρ} − σmax^{1/ρ}))^ρ
 * (k-diffusion ramps with torch.linspace, diffusers with np.linspace).
 */
export function karrasSigmas(
  ramp: readonly number[],
  sigmaMin: number,
  sigmaMax: number,
  rho: number,
): number[] {
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return ramp.map((u) => (a + u * (b - a)) ** rho);
}

/**
 * A time-based grid: `place(u, lo, hi)` maps u ∈ [0, 1] to a time; `steps` steps from `start` to the
 * end (one of them the final step into a data end beyond t = 1).
 */
function timeGrid(
  fn: string,
  path: GaussianPath,
  steps: number,
  options: TimeGridOptions,
  place: (u: number, lo: number, hi: number) => number,
): Grid {
  checkPath(fn, path);
  checkSteps(fn, steps);
  const end = options.end ?? "data";
  if (end !== "data" && end !== "tMax")
    throw new RangeError(`${fn}: end must be "data" or "tMax", got ${JSON.stringify(end)}`);
  const start = options.start ?? path.tMin;
  const beyond = end === "data" && endsBeyondOne(path);
  const stop = end === "data" ? 1 : path.tMax;
  if (!(start >= 0 && start < stop)) throw new RangeError(`${fn}: start = ${start} must lie in [0, ${stop})`);
  const count = beyond ? steps - 1 : steps;
  const times =
    count === 0
      ? [start]
      : Array.from({ length: count + 1 }, (_, i) =>
          i === 0 ? start : i === count ? stop : place(i / count, start, stop),
        );
  return makeGrid(fn, path, times, end === "data");
}

/**
 * Uniform in canonical time: tᵢ = start + (i/n)·(stop − start). The flow-matching default; works on
 * every path. On VE/EDM with end "data" the n-th step is the step into the data end beyond t = 1.
 */
export function uniformTimeGrid(path: GaussianPath, steps: number, options: TimeGridOptions = {}): Grid {
  return timeGrid("uniformTimeGrid", path, steps, options, (u, lo, hi) => lo + u * (hi - lo));
}

/**
 * Quadratic in diffusion time s = 1 − t (DDIM's "quadratic" skip; DPM-Solver's time_quadratic):
 * √sᵢ = √s_start + (i/n)·(√s_stop − √s_start), denser near the data end. Works on every path.
 */
export function timeQuadraticGrid(path: GaussianPath, steps: number, options: TimeGridOptions = {}): Grid {
  return timeGrid("timeQuadraticGrid", path, steps, options, (u, lo, hi) => {
    const a = Math.sqrt(1 - lo);
    const b = Math.sqrt(1 - hi);
    return 1 - (a + u * (b - a)) ** 2;
  });
}

/** σ̃ at canonical time t (exp(−λ̄/2)). */
function sigmaAt(path: GaussianPath, t: number): Sigma {
  return logSnrToSigma(path.logSnr(t));
}

/**
 * A grid from σ̃ values (descending, positive): node i at the time with λ̄ = −2·log σ̃ᵢ; with end "data"
 * the data end is appended. `steps` = number of steps.
 */
function sigmaGrid(fn: string, path: GaussianPath, sigmas: readonly number[], end: GridEnd): Grid {
  // σ̃ at the range's ends (σmin, σmax from the path itself) may round an ulp outside [λ(0), λ(1)].
  const lo = path.logSnr(0);
  const hi = path.logSnr(1);
  const near = (a: number, b: number) => Number.isFinite(b) && Math.abs(a - b) <= 1e-12 * (1 + Math.abs(b));
  const times = sigmas.map((s, i) => {
    if (!(s > 0 && Number.isFinite(s)))
      throw new RangeError(`${fn}: σ̃[${i}] = ${s} must be positive and finite`);
    const lambda = -2 * Math.log(s);
    if (lambda < lo && near(lambda, lo)) return 0;
    if (lambda > hi && near(lambda, hi)) return 1;
    return path.timeAtLogSnr(lambda as LogSnr);
  });
  return makeGrid(fn, path, times, end === "data");
}

/** Number of σ̃ nodes, σmin and σmax of a σ̃ grid with the given options. */
function sigmaRange(
  fn: string,
  path: GaussianPath,
  steps: number,
  options: SigmaGridOptions,
): { n: number; lo: number; hi: number; end: GridEnd } {
  checkPath(fn, path);
  checkSteps(fn, steps);
  const end = options.end ?? "data";
  if (end !== "data" && end !== "tMax")
    throw new RangeError(`${fn}: end must be "data" or "tMax", got ${JSON.stringify(end)}`);
  const hi = options.sigmaMax ?? sigmaAt(path, path.tMin);
  const lo = options.sigmaMin ?? sigmaAt(path, path.tMax);
  if (!(hi > lo && lo > 0 && Number.isFinite(hi))) {
    throw new RangeError(`${fn}: need 0 < sigmaMin < sigmaMax < ∞, got sigmaMin = ${lo}, sigmaMax = ${hi}`);
  }
  return { n: end === "data" ? steps : steps + 1, lo, hi, end };
}

/**
 * Karras et al. (2022) eq. 5: σ̃ᵢ = (σmax^{1/ρ} + i/(n−1)·(σmin^{1/ρ} − σmax^{1/ρ}))^ρ, i = 0 … n−1,
 * then the data end (k-diffusion's get_sigmas_karras). ρ = 7 by default; ρ = 1 is uniform in σ̃.
 */
export function karrasGrid(
  path: GaussianPath,
  steps: number,
  options: SigmaGridOptions & { readonly rho?: number } = {},
): Grid {
  const fn = "karrasGrid";
  const { n, lo, hi, end } = sigmaRange(fn, path, steps, options);
  const rho = options.rho ?? 7;
  if (!(rho > 0 && Number.isFinite(rho)))
    throw new RangeError(`${fn}: rho must be a positive number, got ${rho}`);
  return sigmaGrid(fn, path, karrasSigmas(linspace(0, 1, n), lo, hi, rho), end);
}

/**
 * Polyexponential (k-diffusion's get_sigmas_polyexponential): σ̃ᵢ = exp(rᵢ^ρ·(log σmax − log σmin) +
 * log σmin) with r = linspace(1, 0, n), then the data end. ρ = 1 is the exponential grid.
 */
export function polyexponentialGrid(
  path: GaussianPath,
  steps: number,
  options: SigmaGridOptions & { readonly rho?: number } = {},
): Grid {
  const fn = "polyexponentialGrid";
  const { n, lo, hi, end } = sigmaRange(fn, path, steps, options);
  const rho = options.rho ?? 1;
  if (!(rho > 0 && Number.isFinite(rho)))
    throw new RangeError(`${fn}: rho must be a positive number, got ${rho}`);
  const logLo = Math.log(lo);
  const span = Math.log(hi) - logLo;
  return sigmaGrid(
    fn,
    path,
    linspace(1, 0, n).map((r) => Math.exp(r ** rho * span + logLo)),
    end,
  );
}

/**
 * Exponential (k-diffusion's get_sigmas_exponential): uniform in log σ̃ from σmax to σmin,
 * σ̃ᵢ = exp(log σmax + i/(n−1)·(log σmin − log σmax)), then the data end. Same spacing as
 * `uniformLogSnrGrid` (log σ̃ = −λ/2).
 */
export function exponentialGrid(path: GaussianPath, steps: number, options: SigmaGridOptions = {}): Grid {
  const fn = "exponentialGrid";
  const { n, lo, hi, end } = sigmaRange(fn, path, steps, options);
  return sigmaGrid(fn, path, linspace(Math.log(hi), Math.log(lo), n).map(Math.exp), end);
}

/**
 * Uniform in log-SNR between the times `start` (default tMin) and tMax (DPM-Solver's "logSNR" skip
 * type): λᵢ = λ(start) + i/(n−1)·(λ(tMax) − λ(start)), then the data end (or, with end "tMax", n + 1
 * nodes ending at tMax). The exponential grid with its range given in time.
 */
export function uniformLogSnrGrid(path: GaussianPath, steps: number, options: TimeGridOptions = {}): Grid {
  const fn = "uniformLogSnrGrid";
  checkPath(fn, path);
  const start = options.start ?? path.tMin;
  return exponentialGrid(path, steps, {
    sigmaMax: sigmaAt(path, start),
    sigmaMin: sigmaAt(path, path.tMax),
    end: options.end ?? "data",
  });
}

/**
 * EDM's own discretization (Karras et al. 2022, eq. 5 with Table 1's σmin = 0.002, σmax = 80, ρ = 7):
 * the Karras grid with EDM's defaults, then the data end.
 */
export function edmGrid(
  path: GaussianPath,
  steps: number,
  options: { readonly sigmaMin?: Sigma; readonly sigmaMax?: Sigma; readonly rho?: number } = {},
): Grid {
  return karrasGrid(path, steps, {
    sigmaMin: options.sigmaMin ?? (0.002 as Sigma),
    sigmaMax: options.sigmaMax ?? (80 as Sigma),
    rho: options.rho ?? 7,
  });
}

/** Timestep spacings of a discrete table (Lin et al. 2024, Table 2). */
export type DiscreteSpacing = "linspace" | "leading" | "trailing";

/** Options of `discreteGrid`. */
export interface DiscreteGridOptions {
  /** Default "leading" (DDPM/DDIM's original). */
  readonly spacing?: DiscreteSpacing;
  /** Added to every "leading" index (diffusers' steps_offset; SD uses 1). */
  readonly stepsOffset?: number;
  /** After the last table entry: the data end ᾱ = 1 (default) or table entry 0 ("firstEntry", ᾱ₀). */
  readonly end?: "data" | "firstEntry";
}

/**
 * Table indices of a discrete schedule (Lin et al. 2024, "Common diffusion noise schedules and sample
 * steps are flawed", Table 2, 0-based), noisiest first, for N train steps and n sampling steps, as
 * diffusers' DDIM/DDPM/PNDM compute them (numpy; round half to even):
 *   linspace  round(np.linspace(0, N − 1, n)),   leading  ⌊N/n⌋·i + stepsOffset,   trailing  round(N − i·N/n) − 1.
 */
export function discreteTimesteps(
  numTrainSteps: number,
  steps: number,
  spacing: DiscreteSpacing = "leading",
  stepsOffset = 0,
): number[] {
  const fn = "discreteTimesteps";
  checkSteps(fn, steps);
  if (!Number.isInteger(numTrainSteps) || numTrainSteps < steps) {
    throw new RangeError(`${fn}: numTrainSteps = ${numTrainSteps} must be an integer ≥ steps = ${steps}`);
  }
  if (!Number.isInteger(stepsOffset) || stepsOffset < 0)
    throw new RangeError(`${fn}: stepsOffset must be a non-negative integer, got ${stepsOffset}`);
  const N = numTrainSteps;
  let ks: number[];
  switch (spacing) {
    case "linspace":
      ks = npLinspace(0, N - 1, steps).map(roundHalfEven);
      break;
    case "leading": {
      const ratio = Math.floor(N / steps);
      ks = Array.from({ length: steps }, (_, i) => i * ratio + stepsOffset);
      break;
    }
    case "trailing":
      ks = Array.from({ length: steps }, (_, i) => roundHalfEven(N - (i * N) / steps) - 1).reverse();
      break;
    default:
      throw new RangeError(
        `${fn}: spacing must be "linspace", "leading" or "trailing", got ${JSON.stringify(spacing)}`,
      );
  }
  if (ks.some((k) => k < 0 || k > N - 1)) {
    throw new RangeError(`${fn}: stepsOffset ${stepsOffset} pushes an index outside [0, ${N - 1}]; lower it`);
  }
  return ks.reverse();
}

/** numpy's round (half to even). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * A grid on the entries of a discrete (DDPM) schedule: `discreteTimesteps` → tₖ = 1 − (k + 1)/N, then
 * the data end (ᾱ = 1) or table entry 0 (`end: "firstEntry"`, diffusers' set_alpha_to_one=False). The
 * table index of every node is in `trainSteps`. Requires an affine path of a `discreteSchedule`.
 */
export function discreteGrid(
  path: GaussianPath,
  steps: number,
  options: DiscreteGridOptions = {},
): Grid & { readonly trainSteps: Float64Array } {
  const fn = "discreteGrid";
  checkPath(fn, path);
  const table = path.trainSteps;
  if (table === undefined) {
    throw new TypeError(
      `${fn}: path must be the affine path of a discreteSchedule (diffusers' tables); use uniformTimeGrid on continuous paths`,
    );
  }
  const end = options.end ?? "data";
  if (end !== "data" && end !== "firstEntry")
    throw new RangeError(`${fn}: end must be "data" or "firstEntry", got ${JSON.stringify(end)}`);
  const ks = discreteTimesteps(table.count, steps, options.spacing ?? "leading", options.stepsOffset ?? 0);
  if (end === "firstEntry" && ks[ks.length - 1] !== 0) ks.push(0);
  const times = ks.map((k) => table.timeOf(k as TrainStep));
  return makeGrid(fn, path, times, end === "data", ks) as Grid & { readonly trainSteps: Float64Array };
}

/** A log-SNR shift: SD3's static `shift` s, or Flux's μ (s = e^μ) with an optional exponent γ. */
export type GridShift = { readonly shift: number } | { readonly mu: number; readonly exponent?: number };

/**
 * Static or dynamic timestep shift (Esser et al. 2024, SD3 §5.3.2; Flux): every node of a base grid
 * (default uniform in t) moves to the time of log-SNR λ' = γ·λ − 2·log s. On the flow path σ = 1 − t
 * this is σ' = s·σ/(1 + (s − 1)·σ) (γ = 1) and σ' = e^μ/(e^μ + (1/σ − 1)^γ). The ends λ = ±∞ stay.
 */
export function shiftGrid(
  path: GaussianPath,
  steps: number,
  options: GridShift & TimeGridOptions & { readonly base?: GridFunction },
): Grid {
  const fn = "shiftGrid";
  checkPath(fn, path);
  if (options === null || typeof options !== "object")
    throw new TypeError(`${fn}: options must be { shift } or { mu, exponent }`);
  const s = "shift" in options ? options.shift : Math.exp(options.mu);
  const gamma = "mu" in options ? (options.exponent ?? 1) : 1;
  if (!(s > 0 && Number.isFinite(s)))
    throw new RangeError(`${fn}: shift (or e^mu) must be a positive number, got ${s}`);
  if (!(gamma > 0 && Number.isFinite(gamma)))
    throw new RangeError(`${fn}: exponent must be a positive number, got ${gamma}`);
  const baseGrid = options.base
    ? options.base(path, steps)
    : uniformTimeGrid(path, steps, {
        ...(options.start !== undefined ? { start: options.start } : {}),
        end: options.end ?? "data",
      });
  const logS = Math.log(s);
  const n = baseGrid.times.length - (baseGrid.dataEnd ? 1 : 0);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = path.logSnr(baseGrid.times[i]!);
    times.push(path.timeAtLogSnr((gamma * lambda - 2 * logS) as LogSnr));
  }
  return makeGrid(fn, path, times, baseGrid.dataEnd);
}

/** Options of `dynamicShiftMu` (Flux's defaults). */
export interface DynamicShiftOptions {
  readonly baseSeqLen?: number;
  readonly maxSeqLen?: number;
  readonly baseShift?: number;
  readonly maxShift?: number;
}

/**
 * Flux's resolution-dependent shift: μ = baseShift + (maxShift − baseShift)·(L − baseSeqLen)/(maxSeqLen −
 * baseSeqLen) for an image of L latent tokens (defaults 0.5, 1.15, 256, 4096); use with `shiftGrid`.
 */
export function dynamicShiftMu(imageSeqLen: number, options: DynamicShiftOptions = {}): number {
  const { baseSeqLen = 256, maxSeqLen = 4096, baseShift = 0.5, maxShift = 1.15 } = options;
  if (!(imageSeqLen > 0 && Number.isFinite(imageSeqLen))) {
    throw new RangeError(`dynamicShiftMu: imageSeqLen must be a positive number, got ${imageSeqLen}`);
  }
  if (!(maxSeqLen > baseSeqLen))
    throw new RangeError(`dynamicShiftMu: maxSeqLen (${maxSeqLen}) must exceed baseSeqLen (${baseSeqLen})`);
  return baseShift + ((maxShift - baseShift) * (imageSeqLen - baseSeqLen)) / (maxSeqLen - baseSeqLen);
}

/**
 * Dynamic shift (Flux): `shiftGrid` with μ = dynamicShiftMu(imageSeqLen) and exponent γ (default 1).
 */
export function dynamicShiftGrid(
  path: GaussianPath,
  steps: number,
  options: DynamicShiftOptions &
    TimeGridOptions & { readonly imageSeqLen: number; readonly exponent?: number },
): Grid {
  const mu = dynamicShiftMu(options.imageSeqLen, options);
  return shiftGrid(path, steps, {
    mu,
    exponent: options.exponent ?? 1,
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.end !== undefined ? { end: options.end } : {}),
  });
}

/** The grid made by `grid` (a Grid, or a GridFunction applied to `path` and `steps`). */
export function resolveGrid(
  fn: string,
  grid: Grid | GridFunction | undefined,
  path: GaussianPath,
  steps: number | undefined,
): Grid {
  if (grid === undefined || typeof grid === "function") {
    if (steps === undefined)
      throw new RangeError(`${fn}: pass steps (a positive integer) with a grid function, or a Grid`);
    return (grid ?? uniformTimeGrid)(path, steps);
  }
  if (grid === null || typeof grid !== "object" || !(grid.times instanceof Float64Array)) {
    throw new TypeError(`${fn}: grid must be a Grid (e.g. karrasGrid(path, 10)) or a grid function`);
  }
  if (grid.path !== path) {
    throw new RangeError(
      `${fn}: the grid was built on path ${grid.path.name} but the model's path is ${path.name}${grid.path.name === path.name ? " (another object of the same name)" : ""}; build the grid on model.path`,
    );
  }
  return grid;
}
