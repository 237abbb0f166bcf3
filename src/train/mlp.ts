/**
 * A multilayer perceptron for vector data with a sinusoidal embedding of canonical time and, for a
 * class-conditional network (`classes` = C), a one-hot label:
 *   features = [xₜ, sin(ω₀·c·t), …, sin(ω_{h−1}·c·t), cos(ω₀·c·t), …, cos(ω_{h−1}·c·t), e(y), 0, …]
 *   net(xₜ, t, y) = L_depth ∘ φ ∘ L_{depth−1} ∘ … ∘ φ ∘ L₀(features),   L(h) = h·Wᵀ + b
 * where e(y) ∈ {0, 1}^{C+1} is one-hot at y for a class y ∈ {0 … C−1} and at C for "no label" (y = −1,
 * the null class classifier-free guidance's unconditional branch uses). The label columns of L₀'s
 * weight are the label embedding: W₀·[…, e(y)] = W₀,time/data·[…] + E[:, y], so a one-hot input
 * concatenated with the time features is exactly a learned embedding E ∈ ℝ^{width×(C+1)} added to the
 * first hidden layer's pre-activation (nn.Embedding(C + 1, width) summed after the first Linear), with
 * no parameter tensor of its own (checkpoints and state dicts keep the names `layers.<l>.*`).
 * with ωₖ = maxPeriod^(−k/h), h = timeEmbedding.dim/2, c = timeEmbedding.scale (t ∈ [0, 1] is
 * stretched to [0, c], like DDPM's integer timesteps 0…1000). The feature row is zero-padded to a
 * multiple of 4 so the wasm matmul kernels vectorize (measured on bench/train.ts's network with relu:
 * 28 → 18 ms per step); the weights of the padding columns start at 0 and stay 0 (their inputs are 0,
 * so their gradients, moments and updates are 0).
 *
 * Sources: timestep embedding of Vaswani et al. 2017 §3.5 as used by Dhariwal & Nichol 2021
 * (guided-diffusion `timestep_embedding`); initialization as PyTorch's nn.Linear
 * (W, b ~ U(−1/√fan_in, 1/√fan_in)).
 */
import type { FloatArray, Shape } from "../array.js";
import type { Rng } from "../random/rng.js";
import { type DType, type HostTensor, type TensorOps, zerosTensor } from "./tensor.js";

/** The activations an MLP may use. */
export type Activation = "silu" | "gelu" | "relu" | "tanh";

/** The activations, in table order. */
export const ACTIVATIONS: readonly Activation[] = ["silu", "gelu", "relu", "tanh"];

/** Architecture of the time-conditioned MLP (JSON; stored in checkpoints). */
export interface MlpConfig {
  readonly architecture: "mlp";
  /** Data dimension (input and output). */
  readonly dim: number;
  /** Hidden width. */
  readonly width: number;
  /** Number of hidden layers (≥ 1); the network has depth + 1 linear layers. */
  readonly depth: number;
  readonly activation: Activation;
  readonly timeEmbedding: {
    /** Number of sinusoidal features (even, ≥ 2). */
    readonly dim: number;
    /** t is multiplied by this before embedding. */
    readonly scale: number;
    /** Period of the slowest frequency (in units of scale·t). */
    readonly maxPeriod: number;
  };
  /**
   * Number of classes C of a class-conditional network (labels 0 … C−1, and −1 for none); absent for
   * an unconditional network (older checkpoints).
   */
  readonly classes?: number;
}

/** Options of `mlpConfig`: the data dimension and any architecture fields to override. */
export interface MlpOptions {
  readonly dim: number;
  readonly width?: number;
  readonly depth?: number;
  readonly activation?: Activation;
  readonly timeEmbedding?: Partial<MlpConfig["timeEmbedding"]>;
  /** Number of classes of a class-conditional network (default: unconditional). */
  readonly classes?: number;
}

function checkInt(name: string, value: unknown, min: number): void {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new RangeError(`mlpConfig: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

/**
 * A complete, validated MLP config. Defaults: width 256, depth 3, silu, a 16-feature time embedding
 * with scale 1000 and max period 10000.
 */
export function mlpConfig(options: MlpOptions): MlpConfig {
  const config: MlpConfig = {
    architecture: "mlp",
    dim: options.dim,
    width: options.width ?? 256,
    depth: options.depth ?? 3,
    activation: options.activation ?? "silu",
    timeEmbedding: { dim: 16, scale: 1000, maxPeriod: 10000, ...options.timeEmbedding },
    ...(options.classes === undefined ? {} : { classes: options.classes }),
  };
  checkMlpConfig(config);
  return config;
}

/** Throws a RangeError naming the first invalid field of an MLP config. */
export function checkMlpConfig(config: MlpConfig): void {
  if (config === null || typeof config !== "object" || config.architecture !== "mlp") {
    throw new TypeError(
      'mlpConfig: config.architecture must be "mlp"; build the config with mlpConfig({ dim })',
    );
  }
  checkInt("dim", config.dim, 1);
  checkInt("width", config.width, 1);
  checkInt("depth", config.depth, 1);
  if (config.classes !== undefined) checkInt("classes", config.classes, 1);
  if (!ACTIVATIONS.includes(config.activation)) {
    throw new RangeError(
      `mlpConfig: activation must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(config.activation)}`,
    );
  }
  const { dim, scale, maxPeriod } = config.timeEmbedding;
  checkInt("timeEmbedding.dim", dim, 2);
  if (dim % 2 !== 0)
    throw new RangeError(`mlpConfig: timeEmbedding.dim must be even (sin and cos pairs), got ${dim}`);
  if (!(scale > 0 && Number.isFinite(scale)))
    throw new RangeError(`mlpConfig: timeEmbedding.scale must be > 0, got ${scale}`);
  if (!(maxPeriod > 1 && Number.isFinite(maxPeriod))) {
    throw new RangeError(`mlpConfig: timeEmbedding.maxPeriod must be > 1, got ${maxPeriod}`);
  }
}

/** Number of one-hot label features: C + 1 for a network of C classes (the last is "no label"), else 0. */
export function labelFeatures(config: MlpConfig): number {
  return config.classes === undefined ? 0 : config.classes + 1;
}

/** Number of real (unpadded) features: dim + timeEmbedding.dim + labelFeatures. */
export function realFeatures(config: MlpConfig): number {
  return config.dim + config.timeEmbedding.dim + labelFeatures(config);
}

/** Width of the (padded) feature row: dim + timeEmbedding.dim + labelFeatures rounded up to a multiple of 4. */
export function featureWidth(config: MlpConfig): number {
  return Math.ceil(realFeatures(config) / 4) * 4;
}

/**
 * Throws naming `fn` unless `labels` fits `config` for `batch` rows: undefined, or an Int32Array of
 * one label per row in −1 … C−1 (an unconditional network accepts only −1).
 */
export function checkLabels(fn: string, config: MlpConfig, labels: unknown, batch: number): void {
  if (labels === undefined) return;
  if (!(labels instanceof Int32Array) || labels.length !== batch) {
    throw new TypeError(
      `${fn}: labels must be an Int32Array with one label per row (${batch}), got ${labels instanceof Int32Array ? `length ${labels.length}` : typeof labels}`,
    );
  }
  const classes = config.classes ?? 0;
  for (let i = 0; i < batch; i++) {
    const y = labels[i]!;
    if (y < -1 || y >= classes) {
      throw new RangeError(
        classes === 0
          ? `${fn}: labels[${i}] = ${y} but the network is unconditional (trained without labels); drop the labels or train with classes`
          : `${fn}: labels[${i}] = ${y} is outside −1 … ${classes - 1} (the network has ${classes} classes; −1 = no label)`,
      );
    }
  }
}

/** Name and shape of every parameter, in the order the engine and checkpoints use. */
export function mlpParamSpecs(config: MlpConfig): { name: string; shape: number[] }[] {
  const sizes = [
    featureWidth(config),
    ...Array.from({ length: config.depth }, () => config.width),
    config.dim,
  ];
  const specs: { name: string; shape: number[] }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    specs.push({ name: `layers.${l}.weight`, shape: [sizes[l + 1]!, sizes[l]!] });
    specs.push({ name: `layers.${l}.bias`, shape: [sizes[l + 1]!] });
  }
  return specs;
}

/**
 * Seeded initial parameters (PyTorch nn.Linear init): W, b ~ U(−1/√fan_in, 1/√fan_in), drawn row by
 * row from `rng`; fan_in of the first layer counts only real features, its padding columns are 0.
 */
export function initMlpParams(config: MlpConfig, rng: Rng, dtype: DType = "float32"): HostTensor[] {
  checkMlpConfig(config);
  const real = realFeatures(config);
  return mlpParamSpecs(config).map(({ shape }, i) => {
    const t = zerosTensor(shape, dtype);
    const first = i < 2;
    const bound = 1 / Math.sqrt(first ? real : config.width);
    const cols = shape.length === 2 ? shape[1]! : 1;
    const used = first && shape.length === 2 ? real : cols;
    for (let r = 0; r < shape[0]!; r++) {
      for (let c = 0; c < used; c++) t.data[r * cols + c] = (2 * rng.uniform() - 1) * bound;
    }
    return t;
  });
}

/**
 * Writes the feature rows for a batch into `out` (length batch·featureWidth) and returns it:
 * [xₜ, sin(ωₖ·c·tᵢ), cos(ωₖ·c·tᵢ), e(yᵢ), 0-padding]. `t` holds one time per row (or one for all
 * rows); `labels` one label per row (−1 = none; absent: every row unlabelled), for a class-conditional
 * config only. Embedding arithmetic is float64, rounded on store.
 */
export function mlpFeatures<A extends FloatArray>(
  config: MlpConfig,
  xt: FloatArray,
  t: FloatArray | number,
  shape: Shape,
  out: A,
  labels?: Int32Array,
): A {
  const { batch, dim } = shape;
  if (dim !== config.dim)
    throw new RangeError(`mlpFeatures: shape.dim is ${dim} but the network was built for dim ${config.dim}`);
  const width = featureWidth(config);
  if (xt.length !== batch * dim)
    throw new RangeError(`mlpFeatures: xt has length ${xt.length}, expected batch·dim = ${batch * dim}`);
  if (typeof t !== "number" && t.length !== batch)
    throw new RangeError(`mlpFeatures: t has length ${t.length}, expected one time per row (${batch})`);
  if (out.length !== batch * width)
    throw new RangeError(
      `mlpFeatures: out has length ${out.length}, expected batch·featureWidth = ${batch * width}`,
    );
  checkLabels("mlpFeatures", config, labels, batch);
  const { dim: embDim, scale, maxPeriod } = config.timeEmbedding;
  const half = embDim / 2;
  const classes = config.classes;
  const freqs = new Float64Array(half);
  for (let k = 0; k < half; k++) freqs[k] = scale * maxPeriod ** (-k / half);
  out.fill(0);
  // One time for all rows: its sin/cos once (the same values every row would compute).
  const shared = typeof t === "number" ? new Float64Array(embDim) : null;
  if (shared !== null) {
    for (let k = 0; k < half; k++) {
      const a = freqs[k]! * (t as number);
      shared[k] = Math.sin(a);
      shared[half + k] = Math.cos(a);
    }
  }
  for (let i = 0; i < batch; i++) {
    const o = i * width;
    for (let j = 0; j < dim; j++) out[o + j] = xt[i * dim + j]!;
    if (shared !== null) {
      for (let k = 0; k < embDim; k++) out[o + dim + k] = shared[k]!;
    } else {
      const ti = (t as FloatArray)[i]!;
      for (let k = 0; k < half; k++) {
        const a = freqs[k]! * ti;
        out[o + dim + k] = Math.sin(a);
        out[o + dim + half + k] = Math.cos(a);
      }
    }
    if (classes !== undefined) {
      const y = labels === undefined ? -1 : labels[i]!;
      out[o + dim + embDim + (y < 0 ? classes : y)] = 1;
    }
  }
  return out;
}

/** SiLU's floor: below h = −40 the pre-activation is clamped (|silu(−40)| = 1.7e-16, e⁴⁰ ≪ float32's max). */
export const SILU_FLOOR = -40;

/** GELU's clamp: tanh of the inner polynomial is exactly ±1 in float32 and float64 beyond |h| = 10. */
export const GELU_CLAMP = 10;

/**
 * The activation φ, written once in the tensor algebra, in forms whose value and gradient are finite
 * over the whole float range:
 *   silu(h) = m/(1 + e⁻ᵐ), m = max(h, −40): the plain form h/(1 + e⁻ʰ) has a NaN gradient once e⁻ʰ
 *     overflows (h < −88.7 in float32); the clamp changes the value by at most 40·e⁻⁴⁰ = 1.7e-16;
 *   gelu(h) = h·(½ + ½·tanh(√(2/π)·(c + 0.044715·c³))), c = clip(h, ±10) (tanh form, Hendrycks &
 *     Gimpel 2016): c³ cannot overflow, the value is unchanged (the tanh is ±1 beyond |h| = 10), and
 *     the factor of h stays ≤ 1 (½h·(1 + tanh) overflows at h = 3e38);
 *   relu(h) = max(h, 0); tanh (each engine's tanh saturates without overflow).
 * Singular points: none; the gradients of the clamped parts are 0 beyond the clamps (true value
 * below 1e-15 there).
 */
export function activate<T>(ops: TensorOps<T>, activation: Activation, h: T): T {
  switch (activation) {
    case "silu": {
      const m = ops.maximum(h, SILU_FLOOR);
      return ops.div(m, ops.add(ops.exp(ops.mul(m, -1)), 1));
    }
    case "gelu": {
      const c = ops.minimum(ops.maximum(h, -GELU_CLAMP), GELU_CLAMP);
      const inner = ops.mul(ops.add(c, ops.mul(ops.mul(ops.mul(c, c), c), 0.044715)), Math.sqrt(2 / Math.PI));
      return ops.mul(h, ops.add(ops.mul(ops.tanh(inner), 0.5), 0.5));
    }
    case "relu":
      return ops.maximum(h, 0);
    case "tanh":
      return ops.tanh(h);
  }
}

/** The network on a batch of feature rows ([batch, featureWidth] → [batch, dim]). */
export function mlpForward<T>(ops: TensorOps<T>, config: MlpConfig, params: readonly T[], features: T): T {
  const layers = params.length / 2;
  let h = features;
  for (let l = 0; l < layers; l++) {
    h = ops.add(ops.matmulT(h, params[2 * l]!), params[2 * l + 1]!);
    if (l + 1 < layers) h = activate(ops, config.activation, h);
  }
  return h;
}
