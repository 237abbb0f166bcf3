import { checkAllocation } from "../array.js";
import { timeToTrainStep, trainStepToTime } from "../time.js";
import { checkPositive } from "./check.js";
import { defineSchedule, type NoiseLevel, type Schedule, type TrainSteps } from "./schedule.js";

/** diffusers' beta schedule names. */
export type BetaScheduleName = "linear" | "scaled_linear" | "squaredcos_cap_v2" | "sigmoid";

/** Options of `discreteSchedule`: a named beta schedule, explicit betas, or an explicit ᾱ table. */
export type DiscreteScheduleOptions =
  | {
      readonly betaSchedule: BetaScheduleName;
      readonly betaStart?: number;
      readonly betaEnd?: number;
      readonly numTrainSteps?: number;
      readonly zeroTerminalSnr?: boolean;
      /** "float32" (default) rounds every table operation as diffusers' torch float32 code does. */
      readonly precision?: "float32" | "float64";
    }
  | {
      readonly betas: ArrayLike<number>;
      readonly zeroTerminalSnr?: boolean;
      readonly precision?: "float32" | "float64";
    }
  | { readonly alphasCumprod: ArrayLike<number> };

/** A discrete (DDPM-style) schedule: a table ᾱ_k, k = 0 … N − 1, plus its continuous interpolation. */
export interface DiscreteSchedule extends Schedule {
  /** The table's N entries and their canonical times. */
  readonly trainSteps: TrainSteps;
  /** β_k (recovered from ᾱ when built from a table). */
  readonly betas: Float64Array;
  /** ᾱ_k = Π_{j≤k} (1 − β_j), exactly as diffusers computes it for the same configuration. */
  readonly alphasCumprod: Float64Array;
  /** σ̃_k = √((1 − ᾱ_k)/ᾱ_k) (k-diffusion's `sigmas`; +∞ where ᾱ = 0). */
  readonly sigmas: Float64Array;
}

type Round = (x: number) => number;
const identity: Round = (x) => x;

/**
 * torch.linspace(start, end, n) as ATen's CPU kernel evaluates it: step = (end − start)/(n − 1); the
 * first half counts up from `start`, the second half down from `end`. In float32 the kernel works in
 * vectors of 8 lanes: base = start + step·i₀ (fused multiply-add: one rounding) at the vector's first
 * index, then lane j = base + step·j (two roundings). Verified bit-exact against diffusers' tables.
 */
function linspace(start: number, end: number, n: number, r: Round): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = r(start);
    return out;
  }
  const s = r(start);
  const e = r(end);
  const step = r(r(e - s) / (n - 1));
  const half = Math.floor(n / 2);
  // step·i is exact in float64 (24-bit step × small integer), so r(s + step·i) is the fused form.
  const at = (i: number) => (i < half ? r(s + step * i) : r(e - step * (n - 1 - i)));
  if (r === identity) {
    for (let i = 0; i < n; i++) out[i] = at(i);
    return out;
  }
  const lanes = 8;
  const vectorEnd = n - (n % lanes);
  for (let i0 = 0; i0 < vectorEnd; i0 += lanes) {
    const base = at(i0);
    for (let j = 0; j < lanes; j++) out[i0 + j] = r(base + r(step * j));
  }
  for (let i = vectorEnd; i < n; i++) out[i] = at(i);
  return out;
}

/** ᾱ(τ) = cos²((τ + 0.008)/1.008 · π/2) (Nichol & Dhariwal 2021, eq. 17). */
function cosineAlphaBar(tau: number): number {
  return Math.cos(((tau + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
}

/** diffusers' `betas_for_alpha_bar` with the cosine transform: β_k = min(1 − ᾱ((k+1)/N)/ᾱ(k/N), 0.999). */
function squaredCosBetas(n: number): Float64Array {
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++)
    betas[i] = Math.min(1 - cosineAlphaBar((i + 1) / n) / cosineAlphaBar(i / n), 0.999);
  return betas;
}

function cumprod(betas: Float64Array, r: Round): Float64Array {
  const out = new Float64Array(betas.length);
  // ATen's CPU cumprod accumulates float32 input in float64 and rounds each output.
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= r(1 - betas[i]!);
    out[i] = r(acc);
  }
  return out;
}

/**
 * Rescale betas to zero terminal SNR (Lin et al. 2024, "Common diffusion noise schedules and sample
 * steps are flawed", Alg. 1): shift √ᾱ so its last entry is 0, scale so its first is unchanged.
 */
function rescaleZeroTerminalSnr(betas: Float64Array, r: Round): Float64Array {
  const n = betas.length;
  const ac = cumprod(betas, r);
  const sq = ac.map((a) => r(Math.sqrt(a)));
  const s0 = sq[0]!;
  const sT = sq[n - 1]!;
  const scale = r(s0 / r(s0 - sT));
  for (let i = 0; i < n; i++) sq[i] = r(r(sq[i]! - sT) * scale);
  const bar = sq.map((x) => r(x * x));
  const out = new Float64Array(n);
  out[0] = r(1 - bar[0]!);
  for (let i = 1; i < n; i++) out[i] = r(1 - r(bar[i]! / bar[i - 1]!));
  return out;
}

function namedBetas(
  name: BetaScheduleName,
  betaStart: number,
  betaEnd: number,
  n: number,
  r: Round,
): Float64Array {
  switch (name) {
    case "linear":
      return linspace(betaStart, betaEnd, n, r);
    case "scaled_linear":
      return linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n, r).map((b) => r(b * b));
    case "squaredcos_cap_v2":
      return squaredCosBetas(n).map(r);
    case "sigmoid": {
      const x = linspace(-6, 6, n, r);
      return x.map((v) => r(r(r(1 / (1 + Math.exp(-v))) * r(betaEnd - betaStart)) + betaStart));
    }
    default:
      throw new RangeError(
        `discreteSchedule: betaSchedule must be "linear", "scaled_linear", "squaredcos_cap_v2" or "sigmoid", got ${JSON.stringify(name)}`,
      );
  }
}

function buildTable(options: DiscreteScheduleOptions): {
  betas: Float64Array;
  alphasCumprod: Float64Array;
  description: string;
} {
  if ("alphasCumprod" in options) {
    const ac = Float64Array.from(options.alphasCumprod);
    if (ac.length < 2) throw new RangeError("discreteSchedule: alphasCumprod needs at least 2 entries");
    for (let i = 0; i < ac.length; i++) {
      const a = ac[i]!;
      if (!(a >= 0 && a < 1) || (i > 0 && !(a < ac[i - 1]!))) {
        throw new RangeError(
          `discreteSchedule: alphasCumprod must be strictly decreasing in [0, 1), entry ${i} is ${a}`,
        );
      }
    }
    const betas = ac.map((a, i) => 1 - a / (i === 0 ? 1 : ac[i - 1]!));
    return { betas, alphasCumprod: ac, description: "alphasCumprod" };
  }
  const r: Round = (options.precision ?? "float32") === "float32" ? Math.fround : identity;
  let betas: Float64Array;
  let description: string;
  if ("betas" in options) {
    betas = Float64Array.from(options.betas, r);
    description = "betas";
  } else {
    const n = options.numTrainSteps ?? 1000;
    if (!Number.isInteger(n) || n < 2)
      throw new RangeError(`discreteSchedule: numTrainSteps must be an integer ≥ 2, got ${n}`);
    checkAllocation("discreteSchedule", "numTrainSteps", n);
    const betaStart = options.betaStart ?? 0.0001;
    const betaEnd = options.betaEnd ?? 0.02;
    checkPositive("discreteSchedule", "betaStart", betaStart);
    checkPositive("discreteSchedule", "betaEnd", betaEnd);
    betas = namedBetas(options.betaSchedule, betaStart, betaEnd, n, r);
    description = `${options.betaSchedule}(${betaStart},${betaEnd},${n})`;
  }
  for (let i = 0; i < betas.length; i++) {
    if (!(betas[i]! > 0 && betas[i]! <= 1))
      throw new RangeError(`discreteSchedule: betas[${i}] = ${betas[i]} must be in (0, 1]`);
  }
  if (betas.length < 2) throw new RangeError("discreteSchedule: needs at least 2 betas");
  if (options.zeroTerminalSnr) {
    betas = rescaleZeroTerminalSnr(betas, r);
    description += "+zeroTerminalSnr";
  }
  return { betas, alphasCumprod: cumprod(betas, r), description };
}

/**
 * Discrete DDPM schedule (Ho et al. 2020) with diffusers' table construction, as a continuous
 * Schedule: table entry k sits at t = 1 − (k + 1)/N; between entries log σ̃ is interpolated linearly
 * (k-diffusion's `DiscreteSchedule`), and on the last segment to the data end (k ∈ [−1, 0]) σ̃ falls
 * linearly to 0. A segment touching ᾱ = 0 (zero terminal SNR) interpolates √ᾱ linearly instead.
 * α = 1/√(1 + σ̃²), σ = σ̃·α. Singular points: σ = 0 at t = 1; α = 0 at t = 0 when ᾱ_{N−1} = 0.
 */
export function discreteSchedule(options: DiscreteScheduleOptions): DiscreteSchedule {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      "discreteSchedule: options must be { betaSchedule, … }, { betas } or { alphasCumprod }",
    );
  }
  const { betas, alphasCumprod, description } = buildTable(options);
  const n = alphasCumprod.length;
  const sigmas = alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
  const logSigmas = sigmas.map(Math.log);
  const trainSteps: TrainSteps = {
    count: n,
    alphasCumprod,
    betas,
    timeOf: (k) => trainStepToTime(k, n),
    stepOf: (t) => timeToTrainStep(t, n),
  };

  const level = (t: number): NoiseLevel => {
    const k = trainSteps.stepOf(t);
    const dkdt = -n;
    if (k <= 0) {
      // Data-end segment: σ̃ = (k + 1)·σ̃₀.
      const st = (k + 1) * sigmas[0]!;
      return fromSigmaTilde(t, st, sigmas[0]! * dkdt);
    }
    const lo = Math.min(Math.floor(k), n - 2);
    const w = k - lo;
    if (alphasCumprod[lo + 1] === 0) {
      const a0 = Math.sqrt(alphasCumprod[lo]!);
      const alpha = a0 * (1 - w);
      const dAlpha = -a0 * dkdt;
      const sigma = Math.sqrt((1 - alpha) * (1 + alpha));
      return { t, alpha, sigma, dAlpha, dSigma: (-alpha * dAlpha) / sigma };
    }
    const logSt = logSigmas[lo]! + w * (logSigmas[lo + 1]! - logSigmas[lo]!);
    const st = Math.exp(logSt);
    return fromSigmaTilde(t, st, st * (logSigmas[lo + 1]! - logSigmas[lo]!) * dkdt);
  };

  const schedule = defineSchedule({
    name: `discrete(${description})`,
    spec: { family: "discrete", alphasCumprod: Array.from(alphasCumprod), description },
    level,
  });
  return {
    ...schedule,
    trainSteps,
    betas,
    alphasCumprod,
    sigmas,
  };
}

/** VP level from σ̃ and dσ̃/dt: α = 1/√(1 + σ̃²), σ = σ̃α, α' = −α³σ̃σ̃', σ' = α³σ̃'. */
function fromSigmaTilde(t: number, st: number, dst: number): NoiseLevel {
  const alpha = 1 / Math.sqrt(1 + st * st);
  const a3 = alpha * alpha * alpha;
  return { t, alpha, sigma: st * alpha, dAlpha: -a3 * st * dst, dSigma: a3 * dst };
}
