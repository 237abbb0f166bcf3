/**
 * A trained MLP as a `Model`: what sampling and the likelihood use, with no training code involved
 * (this module depends on the network, its tensor algebra and the engine only).
 */
import type { FloatArray, Shape } from "../array.js";
import { checkShape } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import { kindPreconditioning, noiseLevelInput } from "../loss/edm.js";
import { type Conditioning, checkConditioning, type Model } from "../model/model.js";
import type { GaussianPath } from "../path/path.js";
import { constantDual, dualOps } from "./dual.js";
import { type CompiledFn, type DeviceTensor, type Engine, jaxEngine } from "./engine.js";
import type { MlpKernel } from "./kernels/kernel.js";
import {
  checkLabels,
  checkMlpConfig,
  featureWidth,
  type MlpConfig,
  mlpFeatures,
  mlpForward,
  mlpParamSpecs,
} from "./mlp.js";
import { cloneTensors, type DiffOps, type DType, type HostTensor, hostOps } from "./tensor.js";

/** Options of `networkModel`. */
export interface NetworkModelOptions {
  /**
   * Where the forward pass runs: "auto" (default) decides once, by the network: on the engine when
   * it has at least ENGINE_MIN_ROW_MACS multiply-adds per row, else on the host — never by the batch,
   * so a sample does not depend on the batch it is drawn in. "host" and "engine" force one side.
   */
  readonly forward?: "auto" | "host" | "engine";
  /** The engine; default the jax-js engine, initialized on first use (predict then returns a promise until it is ready). */
  readonly engine?: Engine;
  /** g²(t) of the generative SDE; required when kind is "drift". */
  readonly g2?: (t: number) => number;
  /** How the MLP's output becomes the prediction (default { kind: "direct" }); see `NetworkParameterization`. */
  readonly parameterization?: NetworkParameterization;
}

/**
 * How a network's raw output F becomes the model's prediction (JSON; stored in checkpoints):
 *   direct:         prediction = F(xₜ, t);
 *   preconditioned: prediction = cSkip·xₜ + cOut·F(cIn·xₜ, τ), with cSkip, cOut, cIn of
 *                   `kindPreconditioning` (for data of standard deviation sigmaData per coordinate) and
 *                   τ = α/(α + σ) (`noiseLevelInput`): the network sees unit-variance inputs and
 *                   targets on every path, and one time embedding serves every path.
 * Preconditioning needs a scalar level (affine paths). Source: Karras et al. 2022, §5.
 */
export type NetworkParameterization =
  | { readonly kind: "direct" }
  | { readonly kind: "preconditioned"; readonly sigmaData: number };

/** Throws naming `fn` unless `p` is a NetworkParameterization. */
export function checkParameterization(fn: string, p: NetworkParameterization): void {
  if (p?.kind === "direct") return;
  if (p?.kind === "preconditioned") {
    if (typeof p.sigmaData === "number" && p.sigmaData > 0 && Number.isFinite(p.sigmaData)) return;
    throw new RangeError(
      `${fn}: parameterization.sigmaData must be a finite number > 0 (the data's standard deviation; 1 for standardized data), got ${String(p.sigmaData)}`,
    );
  }
  throw new TypeError(
    `${fn}: parameterization must be { kind: "direct" } or { kind: "preconditioned", sigmaData }, got ${JSON.stringify(p)}`,
  );
}

/**
 * Multiply-adds per row from which `networkModel` runs its forward pass on the engine. Measured on
 * 2-D MLPs of depth 3 (forward ms, host vs engine): width 16 (864 per row) 0.27 vs 0.70 at batch 1
 * and 18 vs 2.7 at batch 1024; width 32 (2752 per row) 0.07 vs 0.80 at batch 1, 0.73 vs 0.30 at 16,
 * 21 vs 4.8 at 1024; width 256: 0.64 vs 0.52 at batch 1, 1113 vs 64 at 1024. The engine costs
 * ~0.2–0.8 ms per call and is 5–20× faster per multiply-add, so from ~2¹¹ per row it is the better
 * choice at every batch size a sampler uses; smaller networks stay on the host (synchronous).
 */
export const ENGINE_MIN_ROW_MACS = 2048;

/** Throws naming `fn` unless t is a canonical time in [0, 1] (the domain every path is defined on). */
function checkTime(fn: string, t: number): void {
  if (typeof t !== "number" || !(t >= 0 && t <= 1)) {
    throw new RangeError(
      `${fn}: t must be a canonical time in [0, 1] (0 noise, 1 data), got ${String(t)}; the network is defined on its path's times only`,
    );
  }
}

/**
 * A trained MLP as a `Model` of `kind` on `path`: predict(xₜ, t, shape, cond) = net(xₜ, t, y) for
 * every row at the shared time t (directly, or through the preconditioning of
 * `options.parameterization`), with y = cond.labels[i] for a class-conditional network (−1, or no
 * cond: the null class, i.e. the unconditional model); an unconditional network accepts only label −1,
 * and no network takes `cond.embedding`.
 * Weights are copied; a direct network's result has the weights' dtype, a preconditioned one's is
 * float64. `dispose()` frees the engine copy of the weights. `jvp(xₜ, t, shape, v)` =
 * (∂prediction/∂xₜ)·v per row, exact (forward-mode dual numbers on the host in float64), which the
 * likelihood uses for exact divergences. predict and jvp reject t outside [0, 1].
 */
export function networkModel(
  params: readonly HostTensor[],
  config: MlpConfig,
  path: GaussianPath,
  kind: Kind,
  options: NetworkModelOptions = {},
): Model & {
  jvp(xt: Float64Array, t: number, shape: Shape, tangent: Float64Array, cond?: Conditioning): Float64Array;
  dispose(): void;
  /** The weights' precision, which the predictions carry even when preconditioning returns float64. */
  readonly precision: DType;
} {
  checkMlpConfig(config);
  const dtype: DType = params[0]?.data instanceof Float64Array ? "float64" : "float32";
  const weights = cloneTensors(params);
  const specs = mlpParamSpecs(config);
  if (
    weights.length !== specs.length ||
    specs.some((s, i) => s.shape.join(",") !== weights[i]!.shape.join(","))
  ) {
    throw new RangeError(
      `networkModel: params do not fit the config (expected ${specs.map((s) => `${s.name} [${s.shape.join(", ")}]`).join(", ")}); pass the params trained with this config`,
    );
  }
  const parameterization = options.parameterization ?? { kind: "direct" };
  checkParameterization("networkModel", parameterization);
  const mode = options.forward ?? "auto";
  if (mode !== "auto" && mode !== "host" && mode !== "engine") {
    throw new TypeError(
      `networkModel: options.forward must be "auto", "host" or "engine", got ${JSON.stringify(mode)}`,
    );
  }
  const macsPerRow = specs
    .filter((s) => s.shape.length === 2)
    .reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0);
  const ops = hostOps(dtype);
  const width = featureWidth(config);
  const onHost = mode === "host" || (mode === "auto" && macsPerRow < ENGINE_MIN_ROW_MACS);
  let engine = options.engine;
  const ready = engine === undefined && !onHost ? jaxEngine().then((e) => (engine = e)) : undefined;
  let device: DeviceTensor[] | undefined;
  let forward: CompiledFn | undefined;
  const onEngine = (e: Engine, features: FloatArray, batch: number): FloatArray => {
    device ??= weights.map((w) => e.upload(w));
    forward ??= e.compile(<T>(o: DiffOps<T>, [p, [f]]: T[][]) => [[mlpForward(o, config, p!, f!)]]);
    const input = e.upload({ shape: [batch, width], data: features });
    const [[out]] = forward([device, [input]]) as [[DeviceTensor]];
    input.dispose();
    const result = e.download(out).data;
    out.dispose();
    return result;
  };
  // The engine's fused float32 kernels (engine.mlp): created on first use; null when unavailable.
  let kernel: MlpKernel | null | undefined;
  const onKernel = (
    e: Engine,
    xt: Float64Array,
    t: number,
    batch: number,
    labels: Int32Array | undefined,
  ): FloatArray | null => {
    if (dtype !== "float32" || e.mlp === undefined) return null;
    if (kernel === undefined) {
      kernel = e.mlp(config, null);
      kernel?.setState({ params: weights });
    }
    if (kernel === null) return null;
    if (!kernel.fits(batch)) kernel.reserve(batch);
    return kernel.forward(xt, t, batch, labels);
  };
  /** F(x, time) of the raw network for every row, on the side chosen for this network. */
  const raw = (
    x: Float64Array,
    time: number,
    shape: Shape,
    labels: Int32Array | undefined,
  ): FloatArray | Promise<FloatArray> => {
    const features = () => {
      const n = shape.batch * width;
      const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
      return mlpFeatures(config, x, time, shape, out, labels);
    };
    if (onHost)
      return mlpForward(ops, config, weights, { shape: [shape.batch, width], data: features() }).data;
    const run = (e: Engine) =>
      onKernel(e, x, time, shape.batch, labels) ?? onEngine(e, features(), shape.batch);
    if (engine === undefined) return ready!.then(run);
    return run(engine);
  };
  /** The preconditioning at t (null for a direct network). */
  const coefficients = (fn: string, t: number) => {
    if (parameterization.kind === "direct") return null;
    const level = path.slice(t).level;
    if (level === undefined) {
      throw new TypeError(
        `${fn}: a preconditioned network needs a scalar noise level, but the path "${path.name}" has none (a bridge); train it with parameterization { kind: "direct" }`,
      );
    }
    const g2 = kind === "drift" ? options.g2?.(t) : undefined;
    return {
      ...kindPreconditioning(level, kind, parameterization.sigmaData, g2),
      tau: noiseLevelInput(level),
    };
  };
  /** The labels of `cond` after checking them against the network (undefined: every row unlabelled). */
  const labelsOf = (fn: string, cond: Conditioning | undefined, batch: number): Int32Array | undefined => {
    if (checkConditioning(fn, cond, batch) > 0) {
      throw new TypeError(
        `${fn}: the MLP takes class labels only, not cond.embedding; pass { labels } (−1 = no label)`,
      );
    }
    checkLabels(fn, config, cond?.labels, batch);
    return cond?.labels;
  };
  const predict = (
    xt: Float64Array,
    t: number,
    shape: Shape,
    cond?: Conditioning,
  ): FloatArray | Promise<FloatArray> => {
    const fn = "networkModel.predict";
    checkShape(fn, "xt", xt, shape);
    checkTime(fn, t);
    const labels = labelsOf(fn, cond, shape.batch);
    const c = coefficients(fn, t);
    if (c === null) return raw(xt, t, shape, labels);
    const combine = (f: FloatArray): Float64Array => xt.map((x, i) => c.cSkip * x + c.cOut * f[i]!);
    const f = raw(
      xt.map((x) => c.cIn * x),
      c.tau,
      shape,
      labels,
    );
    return f instanceof Promise ? f.then(combine) : combine(f);
  };
  const dualWeights = weights.map((w) => constantDual({ shape: w.shape, data: Float64Array.from(w.data) }));
  const dual = dualOps(hostOps("float64"));
  const jvp = (
    xt: Float64Array,
    t: number,
    shape: Shape,
    v: Float64Array,
    cond?: Conditioning,
  ): Float64Array => {
    const fn = "networkModel.jvp";
    checkShape(fn, "xt", xt, shape);
    checkTime(fn, t);
    checkShape(fn, "tangent", v, shape);
    const labels = labelsOf(fn, cond, shape.batch);
    const c = coefficients(fn, t);
    if (c !== null) {
      // ∂(cSkip·x + cOut·F(cIn·x))/∂x · v = cSkip·v + cOut·cIn·(∂F/∂x)(cIn·x)·v.
      const inner = rawJvp(
        xt.map((x) => c.cIn * x),
        c.tau,
        shape,
        v,
        labels,
      );
      return v.map((vi, i) => c.cSkip * vi + c.cOut * c.cIn * inner[i]!);
    }
    return rawJvp(xt, t, shape, v, labels);
  };
  /** (∂F/∂x)·v of the raw network at time input `time`. */
  const rawJvp = (
    xt: Float64Array,
    time: number,
    shape: Shape,
    v: Float64Array,
    labels: Int32Array | undefined,
  ): Float64Array => {
    const features = mlpFeatures(config, xt, time, shape, new Float64Array(shape.batch * width), labels);
    // Tangent of the input features: v in the data columns; time features and padding are constant.
    const tangent = new Float64Array(shape.batch * width);
    for (let i = 0; i < shape.batch; i++)
      for (let j = 0; j < shape.dim; j++) tangent[i * width + j] = v[i * shape.dim + j]!;
    const out = mlpForward(dual, config, dualWeights, {
      value: { shape: [shape.batch, width], data: features },
      tangent: { shape: [shape.batch, width], data: tangent },
    });
    return (out.tangent?.data as Float64Array | undefined) ?? new Float64Array(xt.length);
  };
  const dispose = () => {
    kernel?.dispose();
    kernel = undefined;
    for (const d of device ?? []) d.dispose();
    device = undefined;
    forward?.dispose();
    forward = undefined;
  };
  if (kind === "drift") {
    const { g2 } = options;
    if (typeof g2 !== "function")
      throw new TypeError(
        'networkModel: kind "drift" needs options.g2, the g²(t) the drift was trained with',
      );
    return { kind, path, g2, predict, jvp, dispose, precision: dtype };
  }
  return { kind, path, predict, jvp, dispose, precision: dtype };
}
