/**
 * diffusers compatibility: a scheduler name and its configuration (diffusers' own snake_case
 * vocabulary, as in a `scheduler_config.json`) → the native path, grid and sampler that reproduce
 * diffusers' timesteps, σ̃ values and states (to float32 rounding: diffusers keeps its tables in
 * float32), plus an adapter for a diffusers-style network `net(modelInput, timestep)`.
 *
 * Peer quirks matched here, and only here (docs/samplers.md lists them):
 *  - DDIM steps from timestep τ to τ − ⌊N/n⌋ whatever the spacing: with "linspace" (999, 888, …) the
 *    state reaches 899 and is then treated as 888 (the fixed stride).
 *  - DDIM/PNDM with set_alpha_to_one=False end at ᾱ₀ (table entry 0), not at the data.
 *  - Euler/Heun/LMS interpolate σ̃ linearly in the timestep (np.interp), not in log σ̃.
 *  - Euler-family "leading" spacing scales the initial noise by √(σ̃max² + 1) instead of σ̃max.
 *  - DPMSolver/UniPC/DEIS with Karras σ̃ feed the network the rounded timestep while the solver uses
 *    the unrounded σ̃; "linspace" there is linspace(0, N − 1, n + 1) without its last entry.
 *  - DDIM/DDPM/PNDM take √ᾱ and √(1 − ᾱ) in float32: the compat grid's levels carry those values.
 *  - DEIS evaluates its coefficients in closed form in float32 with numpy's float32 log, which its
 *    cancellations make visible (~1e-4 relative): the compat DEIS does the same (`numpyLog32`).
 *  - Zero-SNR tables: DDIM/DDPM keep ᾱ_{N−1} = 0, the σ̃-based schedulers overwrite it with 2⁻²⁴ —
 *    above ᾱ₉₉₆…₉₉₈ on linear betas, where their σ̃ table is then not monotone (`sigmaPath`).
 *  - FlowMatchEuler shifts σmin twice (once in the training table, again at set_timesteps).
 *  - DPM-Solver++(3M) uses half the Taylor coefficient of the second divided difference
 *    (dpmSolverMultistep's thirdOrder "halfTaylor"); DPMSolver/DEIS lower the final orders only below
 *    15 steps, UniPC always; the step into σ = 0 is first order.
 * Source: diffusers 0.40.0.dev0 (commit 58eb52c) scheduler configurations and behaviour, as recorded
 * by the fixtures in test/reference.
 */
import { type FloatArray, type Shape, checkFloatArray } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import type { Conditioning, Model } from "../model/model.js";
import { predict } from "../model/model.js";
import { type AffinePath, affinePath, affineSlice } from "../path/affine.js";
import type { PathSlice } from "../path/path.js";
import { type BetaScheduleName, type DiscreteSchedule, discreteSchedule } from "../schedule/discrete.js";
import { linearSchedule } from "../schedule/linear.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import { type Sigma, type TrainStep, sigmaToLogSnr } from "../time.js";
import { ddpm } from "../sampler/ddpm.js";
import { dpmSolverMultistep } from "../sampler/dpmSolverMultistep.js";
import { euler } from "../sampler/euler.js";
import { eulerAncestral } from "../sampler/eulerAncestral.js";
import {
  type Grid,
  customGrid,
  discreteTimesteps,
  karrasSigmas,
  npLinspace,
  roundHalfEven,
} from "../sampler/grid.js";
import { heun } from "../sampler/heun.js";
import { lms } from "../sampler/lms.js";
import { pndm } from "../sampler/pndm.js";
import {
  type LowerOrderFinal,
  type Sampler,
  type SamplerState,
  checkEta,
  defineSampler,
  stepOrder,
} from "../sampler/sampler.js";
import { unipc } from "../sampler/unipc.js";
import { renoise } from "../sampler/exponential.js";

/** The diffusers schedulers this layer reproduces. */
export type DiffusersScheduler =
  | "DDIMScheduler"
  | "DDPMScheduler"
  | "EulerDiscreteScheduler"
  | "EulerAncestralDiscreteScheduler"
  | "HeunDiscreteScheduler"
  | "LMSDiscreteScheduler"
  | "DPMSolverMultistepScheduler"
  | "UniPCMultistepScheduler"
  | "DEISMultistepScheduler"
  | "PNDMScheduler"
  | "FlowMatchEulerDiscreteScheduler";

/** A diffusers scheduler configuration (diffusers' names and defaults; unknown keys are rejected). */
export interface DiffusersConfig {
  readonly num_train_timesteps?: number;
  readonly beta_start?: number;
  readonly beta_end?: number;
  readonly beta_schedule?: BetaScheduleName;
  readonly trained_betas?: readonly number[] | null;
  readonly prediction_type?: "epsilon" | "v_prediction" | "sample" | "flow_prediction";
  readonly timestep_spacing?: "linspace" | "leading" | "trailing";
  readonly steps_offset?: number;
  readonly rescale_betas_zero_snr?: boolean;
  readonly set_alpha_to_one?: boolean;
  readonly clip_sample?: boolean;
  readonly clip_sample_range?: number;
  readonly use_karras_sigmas?: boolean;
  readonly use_exponential_sigmas?: boolean;
  readonly final_sigmas_type?: "zero" | "sigma_min";
  readonly interpolation_type?: "linear" | "log_linear";
  readonly sigma_min?: number | null;
  readonly sigma_max?: number | null;
  readonly variance_type?: "fixed_small" | "fixed_large" | null;
  readonly solver_order?: number;
  readonly lower_order_final?: boolean;
  readonly algorithm_type?: "dpmsolver++" | "sde-dpmsolver++" | "deis";
  readonly solver_type?: "midpoint" | "heun" | "bh1" | "bh2" | "logrho";
  readonly predict_x0?: boolean;
  readonly disable_corrector?: readonly number[];
  readonly shift?: number;
  readonly use_dynamic_shifting?: boolean;
  readonly time_shift_type?: "exponential" | "linear";
  readonly skip_prk_steps?: boolean;
  readonly [key: string]: unknown;
}

/** Options of `fromDiffusers`: step kwargs and set_timesteps kwargs. */
export interface DiffusersOptions {
  /** DDIM's `eta` (default 0). */
  readonly eta?: number;
  /** FlowMatchEuler's `mu` with use_dynamic_shifting. */
  readonly mu?: number;
}

/** A diffusers-style network: output = net(modelInput, timestep, shape) in the configured prediction type. */
export type DiffusersNet = (
  modelInput: Float64Array,
  timestep: number,
  shape: Shape,
) => FloatArray | Promise<FloatArray>;

/** The native equivalent of a diffusers scheduler (file header). */
export interface DiffusersSetup {
  readonly scheduler: DiffusersScheduler;
  readonly path: AffinePath;
  readonly grid: Grid;
  readonly sampler: Sampler<SamplerState>;
  /** The kind a network of this prediction_type predicts (flow_prediction is −velocity). */
  readonly kind: Exclude<Kind, "drift">;
  /** diffusers' `scheduler.timesteps` (one entry per model call). */
  readonly timesteps: Float64Array;
  /** diffusers' `scheduler.sigmas` (float32 values), null for DDIM/DDPM. */
  readonly sigmas: Float64Array | null;
  /** diffusers' `init_noise_sigma`. */
  readonly initNoiseSigma: number;
  /** The diffusers timestep the network sees at each grid node (NaN at a data end). */
  readonly nodeTimesteps: Float64Array;
  /** diffusers' `sample` at grid node i is x·sampleScale[i] (1/α for the Euler family, else 1). */
  readonly sampleScale: Float64Array;
  /** Our initial state from standard-normal noise: diffusers' `noise·init_noise_sigma` in our x. */
  initialState(noise: FloatArray): Float64Array;
  /** A native Model from a diffusers-style network (model input = x, timestep per grid node). */
  model(net: DiffusersNet): Model;
  /**
   * The kind the network itself outputs for `prediction_type` (epsilon → noise, v_prediction → v,
   * sample → data; flow_prediction → velocity, which `wrap` negates): what a `Model` passed to
   * `wrap` must predict.
   */
  readonly networkKind: Exclude<Kind, "drift">;
  /** The diffusers timestep the network sees at canonical time t (exact at the grid's nodes). */
  timestep(t: number): number;
  /**
   * A native Model that predicts `networkKind` on `path` (e.g. an ONNX model fed `timestep(t)`) as
   * this scheduler's model: flow_prediction negated, clip_sample applied; conditioning is passed
   * through untouched. `model(net)` is `wrap` of the network called at `timestep(t)`.
   */
  wrap(model: Model): Model;
}

const KNOWN = new Set([
  "num_train_timesteps",
  "beta_start",
  "beta_end",
  "beta_schedule",
  "trained_betas",
  "prediction_type",
  "timestep_spacing",
  "steps_offset",
  "rescale_betas_zero_snr",
  "set_alpha_to_one",
  "clip_sample",
  "clip_sample_range",
  "use_karras_sigmas",
  "use_exponential_sigmas",
  "use_beta_sigmas",
  "final_sigmas_type",
  "interpolation_type",
  "sigma_min",
  "sigma_max",
  "variance_type",
  "solver_order",
  "lower_order_final",
  "algorithm_type",
  "solver_type",
  "predict_x0",
  "disable_corrector",
  "shift",
  "use_dynamic_shifting",
  "time_shift_type",
  "thresholding",
  "dynamic_thresholding_ratio",
  "sample_max_value",
  "timestep_type",
  "euler_at_final",
  "use_lu_lambdas",
  "use_flow_sigmas",
  "flow_shift",
  "lambda_min_clipped",
  "solver_p",
  "base_shift",
  "max_shift",
  "base_image_seq_len",
  "max_image_seq_len",
  "invert_sigmas",
  "shift_terminal",
  "stochastic_sampling",
  "skip_prk_steps",
  "_class_name",
  "_diffusers_version",
]);

const FN = "fromDiffusers";
const f32 = Math.fround;

function unsupported(what: string, fix: string): never {
  throw new RangeError(`${FN}: ${what} is not supported — ${fix}`);
}

/** np.interp(x, arange(n), fp). */
function interp(x: number, fp: ArrayLike<number>): number {
  const n = fp.length;
  if (x <= 0) return fp[0]!;
  if (x >= n - 1) return fp[n - 1]!;
  const j = Math.floor(x);
  if (x === j) return fp[j]!;
  return (fp[j + 1]! - fp[j]!) * (x - j) + fp[j]!;
}

/** diffusers' σ̃ table: ((1 − ᾱ)/ᾱ)^½ in float32 arithmetic. */
function sigmaTable(ac: Float64Array): Float64Array {
  return ac.map((a) => f32(Math.sqrt(f32(f32(1 - a) / a))));
}

/** diffusers' _sigma_to_t: the fractional table index of σ̃ by log-σ̃ interpolation of the float32 table. */
function sigmaToT(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const lo = logSigmas[low]!;
  const hi = logSigmas[low + 1]!;
  const w = Math.min(Math.max((lo - logSigma) / (lo - hi), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

function karras(lo: number, hi: number, n: number): number[] {
  return karrasSigmas(npLinspace(0, 1, n), lo, hi, 7);
}

function exponential(lo: number, hi: number, n: number): number[] {
  return npLinspace(Math.log(hi), Math.log(lo), n).map(Math.exp);
}

interface Tables {
  readonly n: number;
  /** ᾱ as DDIM keeps it (zero-SNR: last entry 0). */
  readonly ac: Float64Array;
  /** ᾱ as the σ̃-based schedulers keep it (zero-SNR: last entry 2⁻²⁴). */
  readonly acSigma: Float64Array;
}

function tables(config: DiffusersConfig): Tables {
  const n = config.num_train_timesteps ?? 1000;
  const zsnr = config.rescale_betas_zero_snr ?? false;
  const s =
    config.trained_betas != null
      ? discreteSchedule({ betas: config.trained_betas, zeroTerminalSnr: zsnr })
      : discreteSchedule({
          betaSchedule: config.beta_schedule ?? "linear",
          betaStart: config.beta_start ?? 0.0001,
          betaEnd: config.beta_end ?? 0.02,
          numTrainSteps: n,
          zeroTerminalSnr: zsnr,
        });
  const ac = s.alphasCumprod;
  const acSigma = Float64Array.from(ac);
  if (acSigma[acSigma.length - 1] === 0) acSigma[acSigma.length - 1] = 2 ** -24;
  return { n: ac.length, ac, acSigma };
}

function discretePath(ac: Float64Array): AffinePath & { schedule: DiscreteSchedule } {
  return affinePath(discreteSchedule({ alphasCumprod: ac })) as AffinePath & { schedule: DiscreteSchedule };
}

/**
 * The path of the σ̃-based schedulers: their table (ᾱ_{N−1} = 2⁻²⁴ on zero-SNR tables), unless that
 * override lies above the entries before it (linear betas: ᾱ₉₉₆…₉₉₈ down to 4.2e-9), where σ̃ first
 * rises past σ̃_{N−1} ≈ 4096 and then falls back. diffusers only reads σ̃ at its timesteps; a path's σ̃
 * must rise towards t = 0, so the path is then the zero-terminal table itself (ᾱ_{N−1} = 0): it holds
 * every σ̃ of the table, 2⁻²⁴'s ≈ 4096 included (between ᾱ₉₉₅ and ᾱ₉₉₆), and the grid places each
 * node by its σ̃. A list of σ̃ that rises (a timestep in that tail after 999) is refused by `checkFalling`.
 */
function sigmaPath({ ac, acSigma }: Tables): AffinePath & { schedule: DiscreteSchedule } {
  const falling = acSigma.every((a, i) => i === 0 || a < acSigma[i - 1]!);
  return discretePath(falling ? acSigma : ac);
}

/** Throws unless diffusers' σ̃ list falls from node to node (difflux's grids step toward the data). */
function checkFalling(sigmas: readonly number[], timesteps: readonly number[]): void {
  for (let i = 0; i + 1 < sigmas.length; i++) {
    const [a, b] = [sigmas[i]!, sigmas[i + 1]!];
    if (b < a) continue;
    const why =
      b > a
        ? " (with rescale_betas_zero_snr the 2⁻²⁴ override of the last ᾱ can lie above the entries before it, whose σ̃ is larger)"
        : "";
    throw new RangeError(
      `${FN}: diffusers' σ̃ does not fall from ${a} at timestep ${timesteps[i]} to ${b} at timestep ${timesteps[i + 1]}${why}; difflux's grids only step toward the data — use fewer inference steps`,
    );
  }
}

/** DDIM/DDPM/PNDM timesteps: grid.ts's `discreteTimesteps` (diffusers' own spacings). */
function integerTimesteps(spacing: string, N: number, n: number, offset: number): number[] {
  if (spacing !== "linspace" && spacing !== "leading" && spacing !== "trailing") {
    return unsupported(
      `timestep_spacing ${JSON.stringify(spacing)}`,
      'use "linspace", "leading" or "trailing"',
    );
  }
  return discreteTimesteps(N, n, spacing, offset);
}

/** Time of a σ̃ on a discrete path (data end for 0). */
function timeOfSigma(path: AffinePath, sigma: number): number {
  return sigma === 0 ? 1 : path.timeAtLogSnr(sigmaToLogSnr(sigma as Sigma));
}

function predictionKind(config: DiffusersConfig, flow: boolean): Exclude<Kind, "drift"> {
  const p = config.prediction_type ?? (flow ? "flow_prediction" : "epsilon");
  switch (p) {
    case "epsilon":
      return "noise";
    case "v_prediction":
      return "v";
    case "sample":
      return "data";
    case "flow_prediction":
      return "velocity";
    default:
      return unsupported(
        `prediction_type ${JSON.stringify(p)}`,
        'use "epsilon", "v_prediction", "sample" or "flow_prediction"',
      );
  }
}

/**
 * diffusers' DDIM step: the model at grid node i, the update onto `targets[i]` (τᵢ − ⌊N/n⌋ or the final
 * level — the fixed stride), then on from node i + 1. Its coefficients follow diffusers' float32
 * arithmetic on the float32 table ᾱ (alphaBar): σ_η² = ((1 − ᾱ')/(1 − ᾱ))·(1 − ᾱ/ᾱ'), σ_η = η·√σ_η²,
 * direction √(1 − ᾱ' − σ_η²) — that last difference cancels catastrophically in float32 at η = 1 and
 * is reproduced, not repaired. x' = √ᾱ'·D̂ + direction·ε̂ + σ_η·z (renoise; D̂, ε̂ from the float32 levels).
 */
function diffusersDdim(targets: readonly PathSlice[], eta: number, alphaBar: (t: number) => number): Sampler {
  const fn = "fromDiffusers(DDIM)";
  checkEta(fn, eta);
  return defineSampler(
    fn,
    { name: `ddim-diffusers(eta=${eta})`, order: 1, stochastic: eta > 0 },
    async (run) => {
      const { state } = run;
      const from = run.slice(run.from);
      const target = targets[run.from]!;
      const p = await run.predict(state.x, from);
      const a = alphaBar(from.t);
      const a2 = target.level!.sigma === 0 ? 1 : alphaBar(target.t);
      const variance = f32(f32(f32(1 - a2) / f32(1 - a)) * f32(1 - f32(a / a2)));
      const up = f32(eta * f32(Math.sqrt(variance)));
      const down = f32(Math.sqrt(Math.max(f32(f32(1 - a2) - f32(up * up)), 0)));
      const z = up > 0 ? run.normals() : null;
      const to = run.levelsOf(target);
      return run.finish(
        renoise(
          to,
          p.as("data"),
          p.as("noise"),
          Float64Array.of(down),
          Float64Array.of(up),
          z,
          state.shape.dim,
        ),
      );
    },
    (base) => {
      if (targets.length !== base.grid.times.length - 1)
        throw new RangeError(`${fn}.init: ${targets.length} targets for ${base.grid.times.length - 1} steps`);
      return base;
    },
  );
}

/** A float32 logarithm. */
export type Log32 = (x: number) => number;

/** The correctly rounded float32 logarithm (torch's float32 log agrees with it but for rare 1-ulp cases). */
const log32: Log32 = (x) => f32(Math.log(x));

/**
 * Fused multiply-add in float32: a·b + c rounded once (a·b is exact in float64; the float64 sum's own
 * rounding error e decides a float32 tie that the sum lands on exactly).
 */
function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const v = s - p;
  const e = p - (s - v) + (c - v);
  const r = f32(s);
  if (e === 0 || r === s) return r;
  const other = f32(r + 2 * (s - r));
  if (s - r !== other - s) return r;
  return e > 0 === other > r ? other : r;
}

// The polynomials' coefficients (float32, shortest decimals): P(t) = Σ pⱼtʲ, Q(t) = Σ qⱼtʲ.
const LOG_P = [0, 1, 2.1126776, 1.4800006, 0.38088378, 0.025899792].map(f32);
const LOG_Q = [1, 2.6126776, 2.453006, 0.9864943, 0.15464763, 0.0058750953].map(f32);
const LN2_32 = f32(Math.LN2);
const SQRT_HALF_32 = f32(Math.SQRT1_2);

/**
 * numpy's float32 logarithm as x86-64 builds of numpy ≥ 1.20 evaluate it (AVX2/AVX512F loops; what
 * diffusers' DEIS gets from np.log of 0-d float32 tensors): x = y·2ᵏ with y ∈ (√½, √2],
 *   log x = k·ln 2 + P(y − 1)/Q(y − 1),
 * P, Q the degree-5 minimax polynomials of LOG_P/LOG_Q in float32 with fused multiply-adds. Up to ~4
 * ulps from the correctly rounded value (~14% of inputs differ); matches numpy 1.24 bit for bit
 * (test/compat). For positive normal x only (the σ̃ ratios it is used on).
 */
export function numpyLog32(x: number): number {
  let k = Math.floor(Math.log2(x)) + 1;
  let y = x / 2 ** k;
  // Math.log2 may round across a power of two: renormalize y into [½, 1).
  if (y >= 1) {
    y /= 2;
    k += 1;
  } else if (y < 0.5) {
    y *= 2;
    k -= 1;
  }
  if (y <= SQRT_HALF_32) {
    y += y;
    k -= 1;
  }
  const t = f32(y - 1);
  let num = LOG_P[5]!;
  let den = LOG_Q[5]!;
  for (let j = 4; j >= 0; j--) {
    num = fma32(num, t, LOG_P[j]!);
    den = fma32(den, t, LOG_Q[j]!);
  }
  return fma32(k, LN2_32, f32(num / den));
}

/** diffusers' `_sigma_to_alpha_sigma_t` in float32: α = 1/√(σ̃² + 1), σ = σ̃·α. */
function alphaSigma32(s: number): { alpha: number; sigma: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(s * s) + 1))));
  return { alpha, sigma: f32(s * alpha) };
}

/**
 * One DEIS step's coefficients as diffusers evaluates them ("deis", "logrho"), every scalar in float32,
 * from the float32 σ̃ of the step's end and its history, `sigmas` = [σ̃_t, σ̃_s0, σ̃_s1, …] (its length
 * − 1 is the order). With α = 1/√(σ̃² + 1), σ = σ̃·α, ρ = σ/α:
 *   order 1:  x_t = (α_t/α_s0)·x − σ_t·(e^h − 1)·ε₀,  h = (log α_t − log σ_t) − (log α_s0 − log σ_s0)
 *             → { scale: α_t/α_s0, eps: [−σ_t·(e^h − 1)] }, x_t = scale·x + eps₀·ε₀;
 *   order k:  x_t = α_t·(x/α_s0 + Σⱼ cⱼ·εⱼ),  cⱼ = Fⱼ(ρ_t) − Fⱼ(ρ_s0), Fⱼ the antiderivative in ρ of the
 *             Lagrange basis ℓⱼ(log ρ) on log ρ_s0, log ρ_s1, … (Zhang & Chen 2023, eq. 15):
 *     F(t; b, c)    = t·(log t − log c − 1)/(log b − log c)
 *     F(t; b, c, d) = t·(log c·(log d − log t + 1) − log d·log t + log d + (log t)² − 2·log t + 2)
 *                     / ((log b − log c)(log b − log d))
 *             → { alphaT, alphaS0, eps: [c₀, c₁, …] }.
 * The differences Fⱼ(ρ_t) − Fⱼ(ρ_s0) cancel: in float32 they move the coefficients by up to ~1e-4
 * relative from the exact ∫ ℓⱼ(log ρ) dρ (deis.ts), and one ulp of a logarithm moves them as much, so
 * `log` (the float32 log of the ρ, order ≥ 2) defaults to numpy's own (`numpyLog32`).
 */
export function diffusersDeisCoefficients(
  sigmas: readonly number[],
  log: Log32 = numpyLog32,
):
  | { readonly order: 1; readonly scale: number; readonly eps: readonly number[] }
  | {
      readonly order: 2 | 3;
      readonly alphaT: number;
      readonly alphaS0: number;
      readonly eps: readonly number[];
    } {
  const levels = sigmas.map((v) => alphaSigma32(f32(v)));
  const { alpha: aT, sigma: sT } = levels[0]!;
  const { alpha: a0, sigma: s0 } = levels[1]!;
  const order = sigmas.length - 1;
  if (order === 1) {
    // torch's float32 log and exp here (log32; torch's exp is not correctly rounded either: ≤ 1 ulp).
    const h = f32(f32(log32(aT) - log32(sT)) - f32(log32(a0) - log32(s0)));
    return { order, scale: f32(aT / a0), eps: [-f32(sT * f32(f32(Math.exp(h)) - 1))] };
  }
  const L = levels.map(({ alpha, sigma }) => log(f32(sigma / alpha)));
  const rho = levels.map(({ alpha, sigma }) => f32(sigma / alpha));
  // Fⱼ at ρ_t (at = 0) or ρ_s0 (at = 1); the nodes s0, s1, … are 1 … order, basis j's own node b
  // first and the others cyclically after it (diffusers' argument order, which fixes the rounding).
  const F = (at: number, j: number): number => {
    const node = (k: number) => 1 + ((j + k) % order);
    const t = rho[at]!;
    const lt = L[at]!;
    const lb = L[node(0)]!;
    const lc = L[node(1)]!;
    if (order === 2) return f32(f32(t * f32(f32(-lc + lt) - 1)) / f32(lb - lc));
    const ld = L[node(2)]!;
    let v = f32(lc * f32(f32(ld - lt) + 1));
    v = f32(v - f32(ld * lt));
    v = f32(v + ld);
    v = f32(v + f32(lt * lt));
    v = f32(v - f32(2 * lt));
    v = f32(v + 2);
    return f32(f32(t * v) / f32(f32(lb - lc) * f32(lb - ld)));
  };
  const eps = Array.from({ length: order }, (_, j) => f32(F(0, j) - F(1, j)));
  return { order: order as 2 | 3, alphaT: aT, alphaS0: a0, eps };
}

/** The compat DEIS state: the model's ε̂ at the nodes so far (most recent last). */
interface DeisHistoryState extends SamplerState {
  readonly history: readonly Float64Array[];
}

/**
 * diffusers' DEIS: the native `deis` step (ρAB-DEIS, log-ρ basis) with diffusers' float32 coefficients
 * (`diffusersDeisCoefficients`) applied to the float64 state in diffusers' order; `sigmas` are the grid
 * nodes' float32 σ̃.
 */
function diffusersDeis(
  sigmas: readonly number[],
  order: number,
  lowerOrderFinal: LowerOrderFinal,
): Sampler<DeisHistoryState> {
  const fn = "fromDiffusers(DEIS)";
  return defineSampler<DeisHistoryState>(
    fn,
    { name: `deis-diffusers(order=${order})`, order, stochastic: false },
    async (run) => {
      const { state } = run;
      const i = run.from;
      const eps = (await run.predict(state.x, run.slice(i))).as("noise");
      const history = [...state.history, eps].slice(-order);
      const q = stepOrder(order, history.length, state, lowerOrderFinal);
      const m = history.slice(-q).reverse(); // ε₀ (this node), ε₁, …
      const k = diffusersDeisCoefficients([sigmas[i + 1]!, ...m.map((_, j) => sigmas[i - j]!)]);
      const x = state.x.map((v, n) => {
        if (k.order === 1) return k.scale * v + k.eps[0]! * m[0]![n]!;
        let inner = v / k.alphaS0;
        for (let j = 0; j < q; j++) inner += k.eps[j]! * m[j]![n]!;
        return k.alphaT * inner;
      });
      return run.finish(x, { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}

interface Built {
  readonly path: AffinePath;
  readonly grid: Grid;
  readonly sampler: Sampler<SamplerState>;
  readonly timesteps: number[];
  readonly sigmas: number[] | null;
  readonly nodeTimesteps: number[];
  readonly initNoiseSigma: number;
  readonly scaled: boolean;
}

/**
 * The level at table time t with diffusers' float32 coefficients √ᾱ and √(1 − ᾱ) (DDIM/DDPM/PNDM take
 * them from the float32 table in float32; on a cosine table ᾱ₉₉₉ ≈ 2.5e-9 makes √(1 − ᾱ) exactly 1).
 */
function float32Level(path: AffinePath, t: number): NoiseLevel {
  const l = path.schedule.at(t);
  if (l.sigma === 0) return l;
  const ab = f32(l.alpha * l.alpha);
  return { ...l, alpha: f32(Math.sqrt(ab)), sigma: f32(Math.sqrt(f32(1 - ab))) };
}

function buildDdim(
  scheduler: "DDIMScheduler" | "DDPMScheduler" | "PNDMScheduler",
  config: DiffusersConfig,
  n: number,
  options: DiffusersOptions,
): Built {
  const { n: N, ac } = tables(config);
  const path = discretePath(ac);
  const s = path.schedule;
  const grid32 = (times: number[], dataEnd: boolean) => {
    const all = dataEnd && times[times.length - 1]! < 1 ? [...times, 1] : times;
    return customGrid(path, all, { levels: all.map((t) => float32Level(path, t)) });
  };
  const ks = integerTimesteps(config.timestep_spacing ?? "leading", N, n, config.steps_offset ?? 0);
  const times = ks.map((k) => s.trainSteps.timeOf(k as TrainStep));
  if (scheduler === "DDPMScheduler") {
    const v = config.variance_type ?? "fixed_small";
    if (v !== "fixed_small" && v !== "fixed_large")
      unsupported(`variance_type ${JSON.stringify(v)}`, 'use "fixed_small" or "fixed_large"');
    // Previous timestep from the list; after the last one ᾱ = 1 (the data end).
    const grid = grid32(times, true);
    return {
      path,
      grid,
      sampler: ddpm({ variance: v === "fixed_small" ? "fixedSmall" : "fixedLarge" }),
      timesteps: ks,
      sigmas: null,
      nodeTimesteps: [...ks, Number.NaN],
      initNoiseSigma: 1,
      scaled: false,
    };
  }
  const eta = options.eta ?? 0;
  const toOne = config.set_alpha_to_one ?? scheduler !== "PNDMScheduler";
  const stride = Math.floor(N / n);
  // Targets τ − ⌊N/n⌋; below 0 the final level: ᾱ = 1 (data end) or ᾱ₀ (table entry 0).
  const finalTime = toOne ? 1 : s.trainSteps.timeOf(0 as TrainStep);
  const targetTimes = ks.map((k) =>
    k - stride >= 0 ? s.trainSteps.timeOf((k - stride) as TrainStep) : finalTime,
  );
  // A last step from entry 0 to ᾱ₀ is the identity: it is dropped (one call fewer, same states).
  const identityLast = targetTimes[n - 1] === times[n - 1];
  const evalTimes = identityLast ? times : [...times, finalTime];
  const grid = grid32(evalTimes, false);
  const chain = targetTimes.slice(0, grid.times.length - 1).every((t, i) => t === grid.times[i + 1]);
  const alphaBar = (t: number) => f32(path.schedule.at(t).alpha ** 2);
  if (scheduler === "PNDMScheduler") {
    if (!chain)
      unsupported(
        `timestep_spacing ${JSON.stringify(config.timestep_spacing)} for PNDM`,
        'use "leading" (or "trailing")',
      );
    const skip = config.skip_prk_steps ?? false;
    // diffusers' call timesteps: PRK repeats every node of the first 3 steps with the midpoint τ − ⌊N/n⌋/2
    // (4 calls per step); skip_prk_steps repeats the second node (the pseudo-Heun first step).
    const half = Math.floor(stride / 2);
    const calls = skip
      ? [ks[0]!, ks[1]!, ...ks.slice(1)]
      : [...ks.slice(0, 3).flatMap((k) => [k, k - half, k - half, k - stride]), ...ks.slice(3)];
    const nodeTimesteps = [...ks.slice(0, grid.times.length), Number.NaN].slice(0, grid.times.length);
    return {
      path,
      grid,
      sampler: pndm({ warmup: skip ? "heun" : "rk4" }),
      timesteps: calls,
      sigmas: null,
      nodeTimesteps,
      initNoiseSigma: 1,
      scaled: false,
    };
  }
  const sampler = diffusersDdim(
    targetTimes.slice(0, grid.times.length - 1).map((t) => affineSlice(float32Level(path, t))),
    eta,
    alphaBar,
  );
  const nodeTimesteps = [...ks.slice(0, grid.times.length), Number.NaN].slice(0, grid.times.length);
  return {
    path,
    grid,
    sampler,
    timesteps: ks,
    sigmas: null,
    nodeTimesteps,
    initNoiseSigma: 1,
    scaled: false,
  };
}

function buildEulerFamily(scheduler: DiffusersScheduler, config: DiffusersConfig, n: number): Built {
  const t = tables(config);
  const { n: N, acSigma } = t;
  const path = sigmaPath(t);
  const table = sigmaTable(acSigma);
  const spacing = config.timestep_spacing ?? "linspace";
  const offset = config.steps_offset ?? 0;
  let ts: number[];
  if (spacing === "linspace") ts = npLinspace(0, N - 1, n).reverse();
  else if (spacing === "leading")
    ts = Array.from({ length: n }, (_, i) => roundHalfEven(i * Math.floor(N / n)) + offset).reverse();
  else if (spacing === "trailing")
    ts = Array.from({ length: n }, (_, i) => roundHalfEven(N - (i * N) / n) - 1);
  else
    return unsupported(
      `timestep_spacing ${JSON.stringify(spacing)}`,
      'use "linspace", "leading" or "trailing"',
    );
  const logTable = table.map((v) => f32(Math.log(v)));
  let sig =
    (config.interpolation_type ?? "linear") === "linear"
      ? ts.map((t) => interp(t, table))
      : config.interpolation_type === "log_linear"
        ? ts.map((t) => Math.exp(interp(t, table.map(Math.log))))
        : unsupported(
            `interpolation_type ${JSON.stringify(config.interpolation_type)}`,
            'use "linear" or "log_linear"',
          );
  const lo = config.sigma_min ?? sig[sig.length - 1]!;
  const hi = config.sigma_max ?? sig[0]!;
  if (config.use_karras_sigmas || config.use_exponential_sigmas) {
    sig = config.use_karras_sigmas ? karras(lo, hi, n) : exponential(lo, hi, n);
    ts = sig.map((v) => sigmaToT(v, logTable));
  }
  const finalType = config.final_sigmas_type ?? "zero";
  const last =
    finalType === "zero"
      ? 0
      : finalType === "sigma_min"
        ? table[0]!
        : unsupported(`final_sigmas_type ${JSON.stringify(finalType)}`, 'use "zero" or "sigma_min"');
  checkFalling(sig.map(f32), ts);
  const sigmas = [...sig, last].map(f32);
  const timesteps = ts.map(f32);
  const grid = customGrid(
    path,
    sigmas.map((v) => timeOfSigma(path, v)),
  );
  const maxSigma = Math.max(...sigmas);
  const initNoiseSigma =
    spacing === "linspace" || spacing === "trailing" ? maxSigma : Math.sqrt(maxSigma * maxSigma + 1);
  let sampler: Sampler<SamplerState>;
  let calls = timesteps;
  let reported = sigmas;
  if (scheduler === "EulerDiscreteScheduler") sampler = euler({ variable: "sigma" });
  else if (scheduler === "EulerAncestralDiscreteScheduler") sampler = eulerAncestral({ eta: 1 });
  else if (scheduler === "LMSDiscreteScheduler") sampler = lms({ order: 4, variable: "sigma" });
  else {
    sampler = heun({ variable: "sigma" });
    // Heun's timesteps repeat every node but the first (two calls per step, one on the last).
    calls = [timesteps[0]!, ...timesteps.slice(1).flatMap((t) => [t, t])];
    reported = [sigmas[0]!, ...sigmas.slice(1, -1).flatMap((v) => [v, v]), sigmas[sigmas.length - 1]!];
  }
  return {
    path,
    grid,
    sampler,
    timesteps: calls,
    sigmas: reported,
    nodeTimesteps: [...timesteps, Number.NaN],
    initNoiseSigma,
    scaled: true,
  };
}

function buildMultistep(scheduler: DiffusersScheduler, config: DiffusersConfig, n: number): Built {
  const t = tables(config);
  const { n: N, acSigma } = t;
  const path = sigmaPath(t);
  const table = sigmaTable(acSigma);
  const logTable = table.map((v) => f32(Math.log(v)));
  const spacing = config.timestep_spacing ?? "linspace";
  const offset = config.steps_offset ?? 0;
  if (config.lambda_min_clipped !== undefined && config.lambda_min_clipped !== Number.NEGATIVE_INFINITY) {
    unsupported("lambda_min_clipped", "leave it at -inf");
  }
  let ts: number[];
  if (spacing === "linspace")
    ts = npLinspace(0, N - 1, n + 1)
      .map(roundHalfEven)
      .reverse()
      .slice(0, n);
  else if (spacing === "leading") {
    const ratio = Math.floor(N / (n + 1));
    ts = Array.from({ length: n + 1 }, (_, i) => roundHalfEven(i * ratio))
      .reverse()
      .slice(0, n)
      .map((k) => k + offset);
  } else if (spacing === "trailing")
    ts = Array.from({ length: n }, (_, i) => roundHalfEven(N - (i * N) / n) - 1);
  else
    return unsupported(
      `timestep_spacing ${JSON.stringify(spacing)}`,
      'use "linspace", "leading" or "trailing"',
    );
  let sig = ts.map((t) => interp(t, table));
  if (config.use_karras_sigmas || config.use_exponential_sigmas) {
    // The range is the whole table (not the spaced timesteps', as in the Euler family).
    const lo = table[0]!;
    const hi = table[N - 1]!;
    sig = config.use_karras_sigmas ? karras(lo, hi, n) : exponential(lo, hi, n);
    ts = sig.map((v) => roundHalfEven(sigmaToT(v, logTable)));
  }
  const deisScheduler = scheduler === "DEISMultistepScheduler";
  const finalType = deisScheduler ? "sigma_min" : (config.final_sigmas_type ?? "zero");
  const last =
    finalType === "zero"
      ? 0
      : finalType === "sigma_min"
        ? table[0]!
        : unsupported(`final_sigmas_type ${JSON.stringify(finalType)}`, 'use "zero" or "sigma_min"');
  checkFalling(sig.map(f32), ts);
  const sigmas = [...sig, last].map(f32);
  const grid = customGrid(
    path,
    sigmas.map((v) => timeOfSigma(path, v)),
  );
  // diffusers' default solver_order is 2 for all three schedulers.
  const order = config.solver_order ?? 2;
  if (order !== 1 && order !== 2 && order !== 3)
    unsupported(`solver_order ${JSON.stringify(config.solver_order)}`, "use 1, 2 or 3");
  const final = config.lower_order_final ?? true;
  let sampler: Sampler<SamplerState>;
  if (scheduler === "DPMSolverMultistepScheduler") {
    const algorithm = config.algorithm_type ?? "dpmsolver++";
    if (algorithm !== "dpmsolver++" && algorithm !== "sde-dpmsolver++") {
      unsupported(
        `algorithm_type ${JSON.stringify(algorithm)}`,
        'use "dpmsolver++" or "sde-dpmsolver++" (data prediction)',
      );
    }
    if (config.euler_at_final || config.use_lu_lambdas)
      unsupported("euler_at_final / use_lu_lambdas", "leave them false");
    const type = config.solver_type ?? "midpoint";
    if (type !== "midpoint" && type !== "heun")
      unsupported(`solver_type ${JSON.stringify(type)}`, 'use "midpoint" or "heun"');
    sampler = dpmSolverMultistep({
      order,
      eta: algorithm === "sde-dpmsolver++" ? 1 : 0,
      solverType: type === "midpoint" ? "midpoint" : "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: final ? { belowSteps: 15 } : false,
    });
  } else if (scheduler === "UniPCMultistepScheduler") {
    const type = config.solver_type ?? "bh2";
    if (type !== "bh1" && type !== "bh2")
      unsupported(`solver_type ${JSON.stringify(type)}`, 'use "bh1" or "bh2"');
    if (config.predict_x0 === false)
      unsupported("predict_x0 = false", "use the data-prediction UniPC (predict_x0 = true)");
    if ((config.disable_corrector ?? []).length > 0) unsupported("disable_corrector", "leave it empty");
    sampler = unipc({ order, variant: type, lowerOrderFinal: final });
  } else {
    if ((config.algorithm_type ?? "deis") !== "deis" || (config.solver_type ?? "logrho") !== "logrho") {
      unsupported('DEIS variants other than algorithm_type "deis", solver_type "logrho"', "use the defaults");
    }
    sampler = diffusersDeis(sigmas, order, final ? { belowSteps: 15 } : false);
  }
  return {
    path,
    grid,
    sampler,
    timesteps: ts,
    sigmas,
    nodeTimesteps: [...ts, Number.NaN],
    initNoiseSigma: 1,
    scaled: false,
  };
}

function buildFlowMatch(config: DiffusersConfig, n: number, options: DiffusersOptions): Built {
  const N = config.num_train_timesteps ?? 1000;
  if (
    config.invert_sigmas ||
    config.shift_terminal != null ||
    config.use_karras_sigmas ||
    config.use_exponential_sigmas ||
    config.stochastic_sampling
  ) {
    unsupported(
      "invert_sigmas / shift_terminal / karras or exponential sigmas / stochastic_sampling",
      "leave them at their defaults",
    );
  }
  const dynamic = config.use_dynamic_shifting ?? false;
  const shift = config.shift ?? 1;
  const shiftFn = (s: number) => (shift * s) / (1 + (shift - 1) * s);
  let warp: (s: number) => number = shiftFn;
  if (dynamic) {
    const mu = options.mu;
    if (mu === undefined)
      throw new RangeError(
        `${FN}: use_dynamic_shifting needs options.mu (Flux: dynamicShiftMu(imageSeqLen))`,
      );
    const type = config.time_shift_type ?? "exponential";
    warp =
      type === "exponential"
        ? (s) => Math.exp(mu) / (Math.exp(mu) + (1 / s - 1))
        : type === "linear"
          ? (s) => mu / (mu + (1 / s - 1))
          : unsupported(`time_shift_type ${JSON.stringify(type)}`, 'use "exponential" or "linear"');
  }
  // Training table σ = (N … 1)/N, shifted (static shift) in float32: σmin is the shifted last entry.
  const trainMin = f32(1 / N);
  const sigmaMin = dynamic ? trainMin : f32(f32(shift * trainMin) / f32(1 + f32((shift - 1) * trainMin)));
  const sig = npLinspace(N, sigmaMin * N, n)
    .map((t) => t / N)
    .map(warp)
    .map(f32);
  const sigmas = [...sig, 0];
  const path = affinePath(linearSchedule());
  const grid = customGrid(
    path,
    sigmas.map((s) => 1 - s),
  );
  const timesteps = sig.map((s) => f32(s * N));
  return {
    path,
    grid,
    sampler: euler({ variable: "t" }),
    timesteps,
    sigmas,
    nodeTimesteps: [...timesteps, Number.NaN],
    initNoiseSigma: 1,
    scaled: false,
  };
}

/**
 * The native equivalent of diffusers' `scheduler` with `config` for `numInferenceSteps` (file header).
 * Errors name the unsupported option and what to use instead.
 */
export function fromDiffusers(
  scheduler: DiffusersScheduler,
  config: DiffusersConfig,
  numInferenceSteps: number,
  options: DiffusersOptions = {},
): DiffusersSetup {
  if (config === null || typeof config !== "object")
    throw new TypeError(`${FN}: config must be a diffusers scheduler configuration object`);
  for (const key of Object.keys(config)) {
    if (!KNOWN.has(key))
      throw new RangeError(
        `${FN}: unknown configuration key ${JSON.stringify(key)}; check its spelling against diffusers' scheduler_config.json`,
      );
  }
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1)
    throw new RangeError(`${FN}: numInferenceSteps must be a positive integer, got ${numInferenceSteps}`);
  if (config.thresholding) unsupported("thresholding", "set thresholding: false");
  if (config.use_beta_sigmas)
    unsupported("use_beta_sigmas", "use use_karras_sigmas or use_exponential_sigmas");
  if (config.timestep_type !== undefined && config.timestep_type !== "discrete")
    unsupported(`timestep_type ${JSON.stringify(config.timestep_type)}`, 'use "discrete"');
  if (config.use_flow_sigmas) unsupported("use_flow_sigmas", "use FlowMatchEulerDiscreteScheduler");
  let built: Built;
  switch (scheduler) {
    case "DDIMScheduler":
    case "DDPMScheduler":
    case "PNDMScheduler":
      built = buildDdim(scheduler, config, numInferenceSteps, options);
      break;
    case "EulerDiscreteScheduler":
    case "EulerAncestralDiscreteScheduler":
    case "HeunDiscreteScheduler":
    case "LMSDiscreteScheduler":
      built = buildEulerFamily(scheduler, config, numInferenceSteps);
      break;
    case "DPMSolverMultistepScheduler":
    case "UniPCMultistepScheduler":
    case "DEISMultistepScheduler":
      built = buildMultistep(scheduler, config, numInferenceSteps);
      break;
    case "FlowMatchEulerDiscreteScheduler":
      built = buildFlowMatch(config, numInferenceSteps, options);
      break;
    default:
      throw new RangeError(
        `${FN}: scheduler ${JSON.stringify(scheduler)} is not supported; use one of DDIM, DDPM, EulerDiscrete, EulerAncestralDiscrete, HeunDiscrete, LMSDiscrete, DPMSolverMultistep, UniPCMultistep, DEISMultistep, PNDM, FlowMatchEulerDiscrete (…Scheduler)`,
      );
  }
  const flow = scheduler === "FlowMatchEulerDiscreteScheduler";
  const rawKind = predictionKind(config, flow);
  const clip =
    (config.clip_sample ?? (scheduler === "DDIMScheduler" || scheduler === "DDPMScheduler"))
      ? (config.clip_sample_range ?? 1)
      : undefined;
  const { path, grid } = built;
  const sampleScale = Float64Array.from(grid.slices, (s) =>
    built.scaled && s.level!.sigma > 0 ? 1 / s.level!.alpha : 1,
  );
  const times = grid.times;
  const nodeTimesteps = Float64Array.from(built.nodeTimesteps);
  const timestepAt = (t: number): number => {
    for (let i = 0; i < times.length; i++) if (times[i] === t) return nodeTimesteps[i]!;
    return flow
      ? (1 - t) * (config.num_train_timesteps ?? 1000)
      : (path.schedule as DiscreteSchedule).trainSteps.stepOf(t);
  };
  const wrap = (inner: Model): Model => {
    if (
      inner === null ||
      typeof inner !== "object" ||
      inner.kind !== rawKind ||
      typeof inner.predict !== "function"
    ) {
      throw new TypeError(
        `${FN}.wrap: the model must predict ${rawKind} (prediction_type ${JSON.stringify(config.prediction_type ?? "epsilon")}), got ${inner?.kind}`,
      );
    }
    return {
      kind: clip === undefined ? rawKind : "data",
      path,
      async predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): Promise<Float64Array> {
        const raw = await predict(inner, xt, t, shape, cond);
        // flow_prediction is dσ-direction: velocity in canonical time is its negative.
        const value = flow && rawKind === "velocity" ? raw.map((v) => -v) : raw;
        if (clip === undefined) return value;
        // clip_sample: clamp the predicted data to [−r, r] (diffusers then recomputes ε from it).
        const data = path.slice(t).convert(value, rawKind, "data", xt);
        return data.map((v) => Math.min(clip, Math.max(-clip, v)));
      },
    };
  };
  return {
    scheduler,
    path,
    grid,
    sampler: built.sampler,
    kind: clip === undefined ? rawKind : "data",
    timesteps: Float64Array.from(built.timesteps),
    sigmas: built.sigmas === null ? null : Float64Array.from(built.sigmas),
    initNoiseSigma: built.initNoiseSigma,
    nodeTimesteps,
    sampleScale,
    initialState(noise: FloatArray): Float64Array {
      checkFloatArray(`${FN}.initialState`, "noise", noise);
      // diffusers' sample = noise·init_noise_sigma; x = sample/sampleScale[0].
      const k = built.initNoiseSigma / sampleScale[0]!;
      return Float64Array.from(noise, (z) => k * z);
    },
    model(net: DiffusersNet): Model {
      if (typeof net !== "function")
        throw new TypeError(`${FN}.model: net must be a function (modelInput, timestep, shape) → output`);
      return wrap({ kind: rawKind, path, predict: (x, t, s) => net(x, timestepAt(t), s) });
    },
    networkKind: rawKind,
    timestep: timestepAt,
    wrap,
  };
}
