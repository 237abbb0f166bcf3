/**
 * Optimizers, pure state in / state out, written once in the tensor algebra (tensor.ts) so the same
 * update runs inside the compiled training step and on host arrays: Adam and AdamW, gradient
 * clipping by global norm, linear warmup + cosine learning-rate decay, and an exponential moving
 * average (EMA) of the weights with a warm-up. Per-step scalars (learning rate, bias corrections, EMA
 * decay) are float64 functions of the step index, computed on the host and passed in as scalar tensors.
 */
import type { TensorOps } from "./tensor.js";

/** Learning-rate schedule: constant, or linear warmup then cosine decay to `minLr`. */
export type LrSchedule =
  | { readonly kind: "constant" }
  | {
      readonly kind: "warmupCosine";
      /** Steps of linear warmup (lr·(k+1)/warmupSteps for k < warmupSteps). */
      readonly warmupSteps: number;
      /** Step at which the cosine reaches minLr (and stays). */
      readonly totalSteps: number;
      /** Final learning rate (absolute). */
      readonly minLr: number;
    };

/**
 * Optimizer hyper-parameters (JSON; stored in checkpoints). `adam` adds weightDecay·p to the gradient
 * (L2, as torch.optim.Adam); `adamw` decays the weights directly (decoupled, Loshchilov & Hutter 2019).
 */
export interface OptimizerConfig {
  readonly kind: "adam" | "adamw";
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Clip gradients to this global L2 norm; null for no clipping. */
  readonly clipNorm: number | null;
  readonly schedule: LrSchedule;
  /** EMA decay of the weights (e.g. 0.999), the largest the warm-up reaches; null for no EMA. */
  readonly emaDecay: number | null;
  /**
   * The EMA's warm-up (`emaDecayAt`): β_k = min(emaDecay, 1 − (1 + k/γ)^(−p)); null for a constant
   * β_k = emaDecay (then the EMA keeps emaDecayᵏ of the initialization after k steps).
   */
  readonly emaWarmup: EmaWarmup | null;
}

/**
 * The EMA warm-up 1 − (1 + k/γ)^(−p): the EMA averages over the last ~(1 + k/γ)^p/p steps, a window
 * that grows with the run, so the initialization is forgotten at any run length. γ = 1, p = 3/4
 * reaches β = 0.999 at step 10 000; p = 2/3 at 31 600. Source: k-diffusion's `EMAWarmup`
 * (k_diffusion/utils.py, "inverse decay schedule"), also diffusers' `EMAModel(use_ema_warmup)`.
 */
export interface EmaWarmup {
  /** γ > 0 (k-diffusion's inv_gamma); k/γ is the step count in units of γ. */
  readonly gamma: number;
  /** p > 0; p = 1 is the running mean of all iterates. */
  readonly power: number;
}

/** The default EMA warm-up: γ = 1, p = 3/4 (k-diffusion's advice for runs shorter than ~1M steps). */
export const DEFAULT_EMA_WARMUP: EmaWarmup = { gamma: 1, power: 0.75 };

/** Partial optimizer options for `optimizerConfig`. */
export type OptimizerOptions = Partial<OptimizerConfig>;

/**
 * A complete, validated optimizer config. Defaults (PyTorch's): adam, lr 1e-3, β = (0.9, 0.999),
 * ε = 1e-8, weight decay 0 (adam) or 0.01 (adamw); no clipping, constant lr, no EMA; with an
 * emaDecay the EMA warms up (DEFAULT_EMA_WARMUP) unless emaWarmup is null.
 */
export function optimizerConfig(options: OptimizerOptions = {}): OptimizerConfig {
  const kind = options.kind ?? "adam";
  const config: OptimizerConfig = {
    kind,
    lr: options.lr ?? 1e-3,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? (kind === "adamw" ? 0.01 : 0),
    clipNorm: options.clipNorm ?? null,
    schedule: options.schedule ?? { kind: "constant" },
    emaDecay: options.emaDecay ?? null,
    emaWarmup:
      options.emaWarmup !== undefined
        ? options.emaWarmup
        : options.emaDecay == null
          ? null
          : DEFAULT_EMA_WARMUP,
  };
  checkOptimizerConfig(config);
  return config;
}

/** Throws a RangeError naming the first invalid field of an optimizer config. */
export function checkOptimizerConfig(config: OptimizerConfig): void {
  const fail = (field: string, rule: string, value: unknown) => {
    throw new RangeError(`optimizerConfig: ${field} must be ${rule}, got ${JSON.stringify(value)}`);
  };
  if (config.kind !== "adam" && config.kind !== "adamw") fail("kind", '"adam" or "adamw"', config.kind);
  if (!(config.lr > 0 && Number.isFinite(config.lr))) fail("lr", "> 0", config.lr);
  if (!(config.beta1 >= 0 && config.beta1 < 1)) fail("beta1", "in [0, 1)", config.beta1);
  if (!(config.beta2 >= 0 && config.beta2 < 1)) fail("beta2", "in [0, 1)", config.beta2);
  if (!(config.eps > 0 && Number.isFinite(config.eps))) fail("eps", "> 0", config.eps);
  if (!(config.weightDecay >= 0 && Number.isFinite(config.weightDecay)))
    fail("weightDecay", "≥ 0", config.weightDecay);
  if (config.clipNorm !== null && !(config.clipNorm > 0 && Number.isFinite(config.clipNorm))) {
    fail("clipNorm", "> 0 or null", config.clipNorm);
  }
  if (config.emaDecay !== null && !(config.emaDecay >= 0 && config.emaDecay < 1))
    fail("emaDecay", "in [0, 1) or null", config.emaDecay);
  const w = config.emaWarmup;
  if (w !== null) {
    if (typeof w !== "object" || w === undefined) fail("emaWarmup", "{ gamma, power } or null", w);
    if (!(w.gamma > 0 && Number.isFinite(w.gamma))) fail("emaWarmup.gamma", "> 0", w.gamma);
    if (!(w.power > 0 && Number.isFinite(w.power))) fail("emaWarmup.power", "> 0", w.power);
  }
  const s = config.schedule;
  if (s?.kind === "warmupCosine") {
    if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0)
      fail("schedule.warmupSteps", "an integer ≥ 0", s.warmupSteps);
    if (!Number.isInteger(s.totalSteps) || s.totalSteps <= s.warmupSteps) {
      fail("schedule.totalSteps", `an integer > warmupSteps (${s.warmupSteps})`, s.totalSteps);
    }
    if (!(s.minLr >= 0 && s.minLr <= config.lr)) fail("schedule.minLr", `in [0, lr = ${config.lr}]`, s.minLr);
  } else if (s?.kind !== "constant") {
    fail("schedule.kind", '"constant" or "warmupCosine"', (s as { kind?: unknown } | undefined)?.kind);
  }
}

/**
 * Learning rate at step k (0-based, float64).
 * warmupCosine: lr·(k+1)/W for k < W, then minLr + ½(lr − minLr)(1 + cos(π·min(1, (k−W)/(K−W)))).
 * Source: Goyal et al. 2017 (linear warmup); Loshchilov & Hutter 2017, SGDR eq. 5 (one cosine cycle).
 */
export function learningRate(config: OptimizerConfig, step: number): number {
  if (!Number.isInteger(step) || step < 0)
    throw new RangeError(`learningRate: step must be an integer ≥ 0, got ${step}`);
  const s = config.schedule;
  if (s.kind === "constant") return config.lr;
  if (step < s.warmupSteps) return (config.lr * (step + 1)) / s.warmupSteps;
  const progress = Math.min(1, (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps));
  return s.minLr + 0.5 * (config.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}

/** The per-step scalars of an Adam update, float64. */
export interface AdamScalars<S = number> {
  /** Step size lr_k/(1 − β₁ᵏ⁺¹). */
  readonly stepSize: S;
  /** 1/√(1 − β₂ᵏ⁺¹). */
  readonly invSqrtBc2: S;
  /** Multiplicative weight decay lr_k·λ (adamw; 0 for adam). */
  readonly decay: S;
}

/** The Adam scalars at step k (0-based: the update counter of Kingma & Ba is k + 1). */
export function adamScalars(config: OptimizerConfig, step: number): AdamScalars & { readonly lr: number } {
  const lr = learningRate(config, step);
  const n = step + 1;
  return {
    lr,
    stepSize: lr / (1 - config.beta1 ** n),
    invSqrtBc2: 1 / Math.sqrt(1 - config.beta2 ** n),
    decay: config.kind === "adamw" ? lr * config.weightDecay : 0,
  };
}

/** Adam's moment estimates, one per parameter. */
export interface AdamMoments<T> {
  readonly m: readonly T[];
  readonly v: readonly T[];
}

/**
 * One Adam / AdamW step (Kingma & Ba 2015, Algorithm 1, in PyTorch's arrangement):
 *   g ← g + λp (adam);  p ← p − (lr·λ)·p (adamw);
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
 *   p ← p − stepSize · m / (√v · invSqrtBc2 + ε).
 * Returns the new parameters and moments; the inputs are not modified.
 */
export function adamUpdate<T>(
  ops: TensorOps<T>,
  config: OptimizerConfig,
  params: readonly T[],
  grads: readonly T[],
  moments: AdamMoments<T>,
  scalars: AdamScalars<T>,
): { params: T[]; moments: AdamMoments<T> } {
  const { beta1, beta2, eps, weightDecay } = config;
  const out: T[] = [];
  const m: T[] = [];
  const v: T[] = [];
  for (let i = 0; i < params.length; i++) {
    let p = params[i] as T;
    let g = grads[i] as T;
    if (weightDecay > 0 && config.kind === "adam") g = ops.add(g, ops.mul(p, weightDecay));
    if (weightDecay > 0 && config.kind === "adamw") p = ops.sub(p, ops.mul(p, scalars.decay));
    const mi = ops.add(ops.mul(moments.m[i]!, beta1), ops.mul(g, 1 - beta1));
    const vi = ops.add(ops.mul(moments.v[i]!, beta2), ops.mul(ops.mul(g, g), 1 - beta2));
    const denom = ops.add(ops.mul(ops.sqrt(vi), scalars.invSqrtBc2), eps);
    out.push(ops.sub(p, ops.div(ops.mul(mi, scalars.stepSize), denom)));
    m.push(mi);
    v.push(vi);
  }
  return { params: out, moments: { m, v } };
}

/** Global L2 norm of a list of tensors: √(Σᵢ Σ gᵢ²) (a scalar tensor). */
export function globalNorm<T>(ops: TensorOps<T>, tensors: readonly T[]): T {
  let total: T | undefined;
  for (const g of tensors) {
    const s = ops.sum(ops.mul(g, g));
    total = total === undefined ? s : ops.add(total, s);
  }
  if (total === undefined) throw new RangeError("globalNorm: tensors is empty");
  return ops.sqrt(total);
}

/**
 * Clips gradients to global norm `maxNorm`: g ← g · min(1, maxNorm/(‖g‖ + 10⁻⁶)), written as
 * g / max(1, (‖g‖ + 10⁻⁶)/maxNorm). Source: Pascanu et al. 2013; torch.nn.utils.clip_grad_norm_.
 */
export function clipByGlobalNorm<T>(ops: TensorOps<T>, grads: readonly T[], norm: T, maxNorm: number): T[] {
  const shrink = ops.maximum(ops.div(ops.add(norm, 1e-6), maxNorm), 1);
  return grads.map((g) => ops.div(g, shrink));
}

/**
 * The EMA decay β_k of update k (0-based, float64): min(emaDecay, 1 − (1 + k/γ)^(−p)) with the
 * warm-up, emaDecay without (`EmaWarmup`). β₀ = 0 with the warm-up: the first average is the first
 * iterate. Throws when the config has no EMA.
 */
export function emaDecayAt(config: OptimizerConfig, step: number): number {
  if (!Number.isInteger(step) || step < 0)
    throw new RangeError(`emaDecayAt: step must be an integer ≥ 0, got ${step}`);
  if (config.emaDecay === null)
    throw new RangeError("emaDecayAt: the optimizer has no EMA (emaDecay null); set emaDecay, e.g. 0.999");
  const w = config.emaWarmup ?? null;
  if (w === null) return config.emaDecay;
  return Math.min(config.emaDecay, 1 - (1 + step / w.gamma) ** -w.power);
}

/**
 * EMA of the weights: ema ← decay·ema + (1 − decay)·p, per tensor (Polyak & Juditsky 1992). `decay`
 * is a number or a scalar tensor; with a tensor, pass `complement` = 1 − decay (computed in float64,
 * so a constant decay rounds the same either way).
 */
export function emaUpdate<T>(
  ops: TensorOps<T>,
  ema: readonly T[],
  params: readonly T[],
  decay: number | T,
  complement?: number | T,
): T[] {
  let rest = complement;
  if (rest === undefined) {
    if (typeof decay !== "number")
      throw new TypeError("emaUpdate: pass complement = 1 − decay with a tensor decay");
    rest = 1 - decay;
  }
  return ema.map((e, i) => ops.add(ops.mul(e, decay), ops.mul(params[i]!, rest)));
}
