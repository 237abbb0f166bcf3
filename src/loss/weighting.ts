/**
 * Loss weightings w in L = E_t E_{data,noise}[w · ‖model(xₜ, t) − target‖²] (Kingma & Gao 2023,
 * "Understanding diffusion objectives as the ELBO with simple data augmentation", for the unified
 * view). A weighting is stated on the squared error of one kind; `lossWeight` (equivalent.ts)
 * carries it to the kind being trained by the equivalence factor of `equivalentWeight`.
 *
 * Three shapes (a discriminated union on `type`):
 *   "logSnr": a function of λ = log(α²/σ²) only, given in two forms — on the data (x₀) error and on the
 *             noise (ε) error, noise(λ) = data(λ)·e^{−λ} — each written so that it is exact at
 *             λ = ±∞ (SNR = ∞ and 0), where the product form would be 0·∞;
 *   "level":  needs the whole level (α, σ, α', σ'), given on the noise and the score error (likelihood);
 *   "time":   a function of t on the error of whatever kind is trained (uniform, learned, custom).
 *
 * | weighting     | on data (x₀) error, SNR = e^λ         | on noise (ε) error          | source                    |
 * |---------------|---------------------------------------|-----------------------------|---------------------------|
 * | snr           | SNR                                   | 1                           | Ho et al. 2020 (L_simple) |
 * | truncatedSnr  | max(SNR, 1)                           | max(1, 1/SNR)               | Salimans & Ho 2022        |
 * | minSnr(γ)     | min(SNR, γ)                           | min(1, γ/SNR)               | Hang et al. 2023          |
 * | softMinSnr(γ) | (1/SNR + 1/γ)⁻¹                       | γ/(SNR + γ)                 | Crowson et al. 2024 (HDiT)|
 * | edm(σ_d)      | (σ̃² + σ_d²)/(σ̃·σ_d)² = SNR + σ_d⁻²    | 1 + 1/(σ_d²·SNR)            | Karras et al. 2022, Tab. 1|
 * | sd3SigmaSqrt  | s⁻⁴                                   | (s·a)⁻²                     | Esser et al. 2024         |
 * | sd3Cosmap     | 2/(π(a² + s²)s²)                      | 2/(π(a² + s²)a²)            | Esser et al. 2024         |
 * | likelihood    | λ'·SNR                                | λ' = dλ/dt (score: g²)      | Song et al. 2021b         |
 * | snrOnNoise    | SNR²                                  | SNR                         | DDPM tutorials' "snr"     |
 * | truncatedSnrOnNoise(c) | min(SNR, c)·SNR              | min(SNR, c)                 | … "truncated_snr", c = 5  |
 * with σ̃ = σ/α = e^{−λ/2}, and s = sigmoid(−λ/2), a = sigmoid(λ/2) the rectified-flow σ and α at the
 * same λ (the SD3 weights are on the rectified-flow velocity error: sigma_sqrt = s⁻², cosmap =
 * 2/(π(1 − 2s + 2s²)), as in diffusers' `compute_loss_weighting_for_sd3`).
 * On a variance-preserving path the v error is the data error times 1/σ² = SNR + 1, so minSnr on v is
 * min(SNR, γ)/(SNR + 1) (Hang et al. 2023); on other paths the exact factor of `equivalentWeight` applies.
 */
import { levelDLogSnr, levelSde, type NoiseLevel } from "../schedule/schedule.js";
import { sigmoid } from "../math/scalar.js";

/** JSON description of a weighting (checkpoints, CLI configs). */
export type WeightingSpec =
  | { readonly name: "uniform" }
  | { readonly name: "snr" }
  | { readonly name: "truncatedSnr" }
  | { readonly name: "minSnr"; readonly gamma: number }
  | { readonly name: "softMinSnr"; readonly gamma: number }
  | { readonly name: "edm"; readonly sigmaData: number }
  | { readonly name: "sd3SigmaSqrt" }
  | { readonly name: "sd3Cosmap" }
  | { readonly name: "likelihood" }
  | { readonly name: "snrOnNoise" }
  | { readonly name: "truncatedSnrOnNoise"; readonly max: number }
  | { readonly name: "adaptive"; readonly bins: number; readonly logWeights: readonly number[] }
  | { readonly name: "custom"; readonly description: string };

/** A weighting of the trained kind's error as a function of canonical time t. */
export interface TimeWeighting {
  readonly type: "time";
  readonly name: string;
  readonly spec: WeightingSpec;
  weight(t: number): number;
}

/** A weighting that depends on the log-SNR λ only, in its data and noise forms (file header). */
export interface LogSnrWeighting {
  readonly type: "logSnr";
  readonly name: string;
  readonly spec: WeightingSpec;
  /** Weight on the data (x₀) squared error at λ ∈ [−∞, +∞]. */
  data(lambda: number): number;
  /** Weight on the noise (ε) squared error at λ ∈ [−∞, +∞]: data(λ)·e^{−λ}. */
  noise(lambda: number): number;
}

/** A weighting that needs the whole level (α, σ, α', σ'), in its noise and score forms. */
export interface LevelWeighting {
  readonly type: "level";
  readonly name: string;
  readonly spec: WeightingSpec;
  /** Weight on the noise (ε) squared error. */
  noise(level: NoiseLevel): number;
  /** Weight on the score squared error: noise(level)·σ². */
  score(level: NoiseLevel): number;
}

/** Any loss weighting (file header). */
export type Weighting = TimeWeighting | LogSnrWeighting | LevelWeighting;

function positive(fn: string, name: string, x: unknown, hint: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`${fn}: ${name} must be a finite number > 0 (${hint}), got ${String(x)}`);
  }
  return x;
}

/** Uniform weighting: w = 1 on the error of the trained kind (the "simple" loss of that kind). */
export function uniformWeighting(): TimeWeighting {
  return { type: "time", name: "uniform", spec: { name: "uniform" }, weight: () => 1 };
}

/**
 * A user weighting w(t) on the error of the trained kind (e.g. for bridge paths, whose matrix-valued
 * levels have no scalar log-SNR). `w` must return a finite number ≥ 0; not serializable.
 */
export function timeWeighting(w: (t: number) => number, name = "custom"): TimeWeighting {
  if (typeof w !== "function") throw new TypeError("timeWeighting: w must be a function t ↦ weight");
  return { type: "time", name, spec: { name: "custom", description: name }, weight: w };
}

/** SNR weighting: data error × SNR = the noise (ε) error unweighted (Ho et al. 2020, L_simple). 0 at SNR = 0, ∞ at SNR = ∞ on data. */
export function snrWeighting(): LogSnrWeighting {
  return { type: "logSnr", name: "snr", spec: { name: "snr" }, data: (l) => Math.exp(l), noise: () => 1 };
}

/**
 * Truncated SNR: w = max(SNR, 1) on the data error (Salimans & Ho 2022, "truncated SNR");
 * noise form max(1, 1/SNR). 1 at SNR = 0 on data, ∞ at SNR = ∞.
 */
export function truncatedSnrWeighting(): LogSnrWeighting {
  return {
    type: "logSnr",
    name: "truncatedSnr",
    spec: { name: "truncatedSnr" },
    data: (l) => Math.max(Math.exp(l), 1),
    noise: (l) => Math.max(1, Math.exp(-l)),
  };
}

/**
 * Min-SNR-γ: w = min(SNR, γ) on the data error (Hang et al. 2023, default γ = 5); on the noise
 * error min(SNR, γ)/SNR = min(1, γ/SNR); on v (VP paths) min(SNR, γ)/(SNR + 1). Limits: data 0 at
 * SNR = 0 and γ at ∞; noise 1 at SNR = 0 and 0 at ∞.
 */
export function minSnrWeighting(options: { gamma?: number } = {}): LogSnrWeighting {
  const gamma = positive("minSnrWeighting", "gamma", options.gamma ?? 5, "the SNR clamp; Hang et al. use 5");
  return {
    type: "logSnr",
    name: `minSnr(gamma=${gamma})`,
    spec: { name: "minSnr", gamma },
    data: (l) => Math.min(Math.exp(l), gamma),
    noise: (l) => Math.min(1, gamma * Math.exp(-l)),
  };
}

/**
 * Soft-min-SNR: the harmonic soft minimum w = (1/SNR + 1/γ)⁻¹ = γ·sigmoid(λ − ln γ) on the data error;
 * noise form sigmoid(ln γ − λ) (Crowson et al. 2024, HDiT; k-diffusion's "soft-min-snr" on its
 * preconditioned output is (σ̃σ_d)²/(σ̃² + σ_d²)², i.e. 1/(σ̃² + σ_d²) on data: γ = σ_d⁻²; default γ = 4
 * for σ_d = 0.5). Limits: data 0 at SNR = 0 and γ at ∞.
 */
export function softMinSnrWeighting(options: { gamma?: number } = {}): LogSnrWeighting {
  const gamma = positive(
    "softMinSnrWeighting",
    "gamma",
    options.gamma ?? 4,
    "the soft SNR clamp, σ_data⁻² in k-diffusion",
  );
  const logGamma = Math.log(gamma);
  return {
    type: "logSnr",
    name: `softMinSnr(gamma=${gamma})`,
    spec: { name: "softMinSnr", gamma },
    data: (l) => gamma * sigmoid(l - logGamma),
    noise: (l) => sigmoid(logGamma - l),
  };
}

/**
 * EDM weighting λ(σ̃) = (σ̃² + σ_d²)/(σ̃·σ_d)² = SNR + σ_d⁻² on the data (denoiser) error, σ̃ = σ/α
 * (Karras et al. 2022, Table 1; default σ_d = 0.5). It makes the preconditioned network's
 * error unit-weighted: λ·c_out² = 1 (edm.ts). Noise form 1 + e^{−λ}/σ_d². Limits: σ_d⁻² at SNR = 0 on
 * data, ∞ at SNR = ∞.
 */
export function edmWeighting(options: { sigmaData?: number } = {}): LogSnrWeighting {
  const sigmaData = positive(
    "edmWeighting",
    "sigmaData",
    options.sigmaData ?? 0.5,
    "the data standard deviation σ_d",
  );
  const inv2 = 1 / (sigmaData * sigmaData);
  return {
    type: "logSnr",
    name: `edm(sigmaData=${sigmaData})`,
    spec: { name: "edm", sigmaData },
    data: (l) => Math.exp(l) + inv2,
    noise: (l) => 1 + Math.exp(-l) * inv2,
  };
}

/** Rectified-flow σ and α at log-SNR λ: s = sigmoid(−λ/2), a = sigmoid(λ/2) (s + a = 1, a/s = e^{λ/2}). */
export function rectifiedFlowLevel(lambda: number): { s: number; a: number } {
  return { s: sigmoid(-0.5 * lambda), a: sigmoid(0.5 * lambda) };
}

/**
 * SD3 `sigma_sqrt`: w = s⁻² on the rectified-flow velocity error, s = sigmoid(−λ/2) the rectified-flow
 * σ at λ (Esser et al. 2024; diffusers `compute_loss_weighting_for_sd3`). Data form s⁻⁴ (the
 * velocity error is the data error over s), noise form (s·a)⁻². ∞ at SNR = ∞ on every form.
 */
export function sd3SigmaSqrtWeighting(): LogSnrWeighting {
  return {
    type: "logSnr",
    name: "sd3SigmaSqrt",
    spec: { name: "sd3SigmaSqrt" },
    data: (l) => rectifiedFlowLevel(l).s ** -4,
    noise: (l) => {
      const { s, a } = rectifiedFlowLevel(l);
      return 1 / (s * a) ** 2;
    },
  };
}

/**
 * SD3 `cosmap`: w = 2/(π(1 − 2s + 2s²)) = 2/(π(a² + s²)) on the rectified-flow velocity error — the
 * CosMap time density π(t) as a loss weight (Esser et al. 2024, §3.1 CosMap; diffusers
 * `compute_loss_weighting_for_sd3`). Data form w/s², noise form w/a². 2/π on velocity at both ends.
 */
export function sd3CosmapWeighting(): LogSnrWeighting {
  const velocity = (s: number, a: number): number => 2 / (Math.PI * (a * a + s * s));
  return {
    type: "logSnr",
    name: "sd3Cosmap",
    spec: { name: "sd3Cosmap" },
    data: (l) => {
      const { s, a } = rectifiedFlowLevel(l);
      return velocity(s, a) / (s * s);
    },
    noise: (l) => {
      const { s, a } = rectifiedFlowLevel(l);
      return velocity(s, a) / (a * a);
    },
  };
}

/**
 * SNR on the noise (ε) error: w = SNR·‖ε̂ − ε‖², the "snr" weighting of the discrete-DDPM recipe
 * (`weights = snr_t` on the per-sample ε-MSE, with t = randint(0, T)); data form SNR² (the ε error is
 * the data error times SNR). Not to be confused with `snrWeighting` (SNR on the data error, i.e. the
 * plain ε loss). Limits: 0 at SNR = 0, ∞ at SNR = ∞ on both forms.
 */
export function snrOnNoiseWeighting(): LogSnrWeighting {
  return {
    type: "logSnr",
    name: "snrOnNoise",
    spec: { name: "snrOnNoise" },
    data: (l) => Math.exp(2 * l),
    noise: (l) => Math.exp(l),
  };
}

/**
 * The discrete-DDPM recipe's "truncated_snr": w = min(SNR, c) on the noise (ε) error (`snr_t.clamp(max=5.0)`,
 * c = 5 by default); data form min(SNR, c)·SNR. Limits: 0 at SNR = 0; c on noise and ∞ on data at SNR = ∞.
 * Not `truncatedSnrWeighting` (Salimans & Ho's max(SNR, 1) on the data error).
 */
export function truncatedSnrOnNoiseWeighting(options: { max?: number } = {}): LogSnrWeighting {
  const max = positive(
    "truncatedSnrOnNoiseWeighting",
    "max",
    options.max ?? 5,
    "the SNR cap; the recipe uses 5",
  );
  const capped = (l: number) => Math.min(Math.exp(l), max);
  return {
    type: "logSnr",
    name: `truncatedSnrOnNoise(max=${max})`,
    spec: { name: "truncatedSnrOnNoise", max },
    // min(SNR, c)·SNR = min(e^{2λ}, c·e^λ), exact at λ = ±∞.
    data: (l) => Math.min(Math.exp(2 * l), max * Math.exp(l)),
    noise: capped,
  };
}

/**
 * Likelihood weighting (Song et al. 2021b, "Maximum likelihood training of score-based diffusion
 * models": λ(t) = g(t)²; Kingma et al. 2021, VDM): g² on the score error, i.e. λ'(t) = dλ/dt on the
 * noise error, since g² = σ²·λ' (schedule.ts: g² = dσ²/ds − 2fσ²). With t uniform on [0, 1],
 * E[w·‖·‖²]/2 + const bounds −log p (the ½ is left out of w). Needs an affine level (schedules: the
 * score form is `levelSde(level).g2`, +∞ at α = 0). Singular: λ' = ∞ where α = 0 or σ = 0.
 */
export function likelihoodWeighting(): LevelWeighting {
  return {
    type: "level",
    name: "likelihood",
    spec: { name: "likelihood" },
    noise: (level) => levelDLogSnr(level),
    score: (level) =>
      level.alpha === 0 ? Number.POSITIVE_INFINITY : levelSde(level, "likelihoodWeighting").g2,
  };
}
