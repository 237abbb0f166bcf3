/**
 * The autodiff engine: the one module that talks to `@jax-js/jax` (pinned 0.1.25), so the engine can
 * be swapped by reimplementing this file. Everything else (network, loss, optimizer) is written
 * against `DiffOps` from tensor.ts and handed here to be traced and compiled.
 *
 * jax-js rules this module hides: every jax-js op consumes its array arguments (`.ref` keeps one
 * alive), so the traced ops below take a `.ref` of every argument (they borrow); device tensors are
 * wrapped in `DeviceTensor` whose owner calls `dispose()`. Traced code runs only inside `jit`, where
 * arrays are tracers and borrowing costs nothing. The backend is WebGPU where the platform has it
 * (`navigator.gpu` and an adapter; float32 only) and wasm otherwise (always on Node);
 * Node 20 has no global `Float16Array`, which jax-js names when it inspects a Float64Array, so a
 * stub that throws on use is installed if it is missing (float16 is never used here).
 */
import { defaultDevice, init, jit, lax, numpy as np, valueAndGrad } from "@jax-js/jax";
import { globalWasm } from "../math/wasm.js";
import { createMlpKernelSync, kernelFma, type MlpKernel } from "./kernels/kernel.js";
import type { MlpConfig } from "./mlp.js";
import type { OptimizerConfig } from "./optim.js";
import type { DiffOps, DType, HostTensor } from "./tensor.js";

type JaxArray = np.Array;

/** A tensor living on the engine's device. Its owner must call `dispose()` exactly once. */
export interface DeviceTensor {
  /** The shape. */
  readonly shape: number[];
  /** Frees the device memory. */
  dispose(): void;
}

/**
 * The jax-js array behind a `DeviceTensor`. Not exported, so the published declarations name no
 * jax-js type (its own declarations need DOM and ES2025 globals such as `GPUDevice`, `Float16Array`).
 */
class JaxTensor implements DeviceTensor {
  constructor(readonly array: JaxArray) {}
  get shape(): number[] {
    return this.array.shape;
  }
  dispose(): void {
    this.array.dispose();
  }
}

/** The jax-js array of a tensor this engine made; throws naming `caller` for any other tensor. */
function arrayOf(caller: string, tensor: DeviceTensor): JaxArray {
  if (!(tensor instanceof JaxTensor)) {
    throw new TypeError(`${caller}: the tensor was not made by jaxEngine; upload it with this engine first`);
  }
  return tensor.array;
}

/**
 * A traced computation: groups of tensors in, groups of tensors out. It must be generic in the
 * tensor type so it cannot depend on the engine.
 */
export type TracedFn = <T>(ops: DiffOps<T>, groups: T[][]) => T[][];

/**
 * A compiled `TracedFn`: borrows its inputs, returns new tensors owned by the caller. `dispose()`
 * frees its compiled programs and captured constants.
 */
export type CompiledFn = ((groups: readonly (readonly DeviceTensor[])[]) => DeviceTensor[][]) & {
  dispose(): void;
};

/** The engine interface the trainer uses. */
export interface Engine {
  readonly name: string;
  /**
   * The MLP's fused float32 training step and forward pass (train/kernels: WebAssembly SIMD, its
   * shards on worker threads), or null where they are unavailable (no SIMD, compilation refused, a
   * class-conditional network);
   * undefined on engines without them. Float32 training and forward passes use them when present.
   */
  readonly mlp?: (config: MlpConfig, optimizer: OptimizerConfig | null) => MlpKernel | null;
  /** Copies a host tensor to the device (a Float32Array becomes float32, a Float64Array float64). */
  upload(tensor: HostTensor): DeviceTensor;
  /** A scalar tensor (shape []) of the given dtype. */
  scalar(value: number, dtype: DType): DeviceTensor;
  /** Copies a device tensor to the host (borrows it). */
  download(tensor: DeviceTensor): HostTensor;
  /** Traces and compiles `fn` (once per input shape signature, on first call). */
  compile(fn: TracedFn): CompiledFn;
}

/**
 * The second operand, borrowed. A number becomes a constant of `a`'s dtype: jax-js 0.1.25 stores
 * weakly typed number constants as float32 even in float64 kernels (x·0.9 gave 0.26999999284744264
 * for x = 0.3), which would spoil float64 gradient checks.
 */
function operand(a: JaxArray, x: JaxArray | number): JaxArray | number {
  if (typeof x !== "number") return x.ref;
  return a.dtype === np.float64 ? f64(x) : x;
}

/** A float64 constant (jax-js would store a bare number as float32). */
function f64(value: number): JaxArray {
  return np.array(value, { dtype: np.float64 });
}

/**
 * eˣ in float64, within 1 ulp on [−700, 700] (measured; borrows x): k = round(x/ln 2) (no
 * gradient), r = x − k·ln 2 in two parts (Cody & Waite), eʳ by its Taylor series to degree 13
 * (|r| ≤ ln 2/2, remainder < 1e-17), times an exact 2ᵏ built bit by bit; |k| is clamped to 1022. jax-js 0.1.25 evaluates float64 exp and
 * tanh with float32 accuracy (measured ~5e-8 relative), too coarse for float64 gradient checks;
 * float32 uses the native kernels. Source: Cody & Waite 1980, "Software manual for the elementary
 * functions", ch. 6 (exp); ln 2 split as in fdlibm e_exp.c.
 */
function exp64(input: JaxArray): JaxArray {
  // Outside [−745.2, 709.78] eˣ is 0 or overflows; clamping keeps the polynomial (and its gradient) finite.
  const x = np.minimum(np.maximum(input.ref, f64(-745.2)), f64(709.78));
  const k = np.clip(np.round(lax.stopGradient(x.ref).mul(f64(Math.LOG2E))), -1022, 1022);
  const r = x.ref.sub(k.ref.mul(f64(0.6931471803691238))).sub(k.ref.mul(f64(1.9082149292705877e-10)));
  let factorial = 1;
  const coefficients = [1];
  for (let n = 1; n <= 13; n++) coefficients.push(1 / (factorial *= n));
  let p = f64(coefficients[13]!);
  for (let n = 12; n >= 0; n--) p = p.mul(r.ref).add(f64(coefficients[n]!));
  r.dispose();
  const magnitude = np.abs(k.ref);
  let power = f64(1);
  for (let b = 0; b < 10; b++) {
    const bit = np.remainder(np.floor(magnitude.ref.mul(f64(2 ** -b))), f64(2));
    power = power.mul(np.where(bit.equal(f64(1)), f64(2 ** (2 ** b)), f64(1)));
  }
  magnitude.dispose();
  x.dispose();
  return p.mul(np.where(k.less(f64(0)), np.reciprocal(power.ref), power));
}

/**
 * tanh x = 1 − 2/(e²ᶜ + 1), c = clip(x, ±20), in float64 (exp64): tanh is exactly ±1 in float64 beyond
 * |x| = 19.1, so the clamp changes no value and keeps e²ᶜ and the gradient finite.
 */
function tanh64(x: JaxArray): JaxArray {
  const c = np.minimum(np.maximum(x.ref, f64(-20)), f64(20));
  const e = exp64(jaxOps.mul(c, 2));
  c.dispose();
  return jaxOps.add(jaxOps.mul(np.reciprocal(jaxOps.add(e, 1)), -2), 1);
}

/** DiffOps on jax-js tracers; every method borrows its tensor arguments. */
const jaxOps: DiffOps<JaxArray> = {
  matmulT: (x, w) => np.matmul(x.ref, w.ref.transpose()),
  add: (a, b) => np.add(a.ref, operand(a, b)),
  sub: (a, b) => np.subtract(a.ref, operand(a, b)),
  mul: (a, b) => np.multiply(a.ref, operand(a, b)),
  div: (a, b) => np.divide(a.ref, operand(a, b)),
  minimum: (a, b) => np.minimum(a.ref, operand(a, b)),
  maximum: (a, b) => np.maximum(a.ref, operand(a, b)),
  exp: (a) => (a.dtype === np.float64 ? exp64(a) : np.exp(a.ref)),
  tanh: (a) => (a.dtype === np.float64 ? tanh64(a) : np.tanh(a.ref)),
  sqrt: (a) => np.sqrt(a.ref),
  sum: (a, axis) => (axis === undefined ? np.sum(a.ref) : np.sum(a.ref, axis)),
  valueAndGrad(f, params) {
    const [value, grads] = valueAndGrad((ps: JaxArray[]) => f(ps))(params.map((p) => p.ref));
    return [value, grads as JaxArray[]];
  },
  valueAndGradWithAux(f, params) {
    const [[value, aux], grads] = valueAndGrad((ps: JaxArray[]) => f(ps), { hasAux: true })(
      params.map((p) => p.ref),
    ) as [[JaxArray, JaxArray[]], JaxArray[]];
    return [value, grads, aux];
  },
};

function installFloat16Stub(): void {
  const g = globalThis as { Float16Array?: unknown };
  if (g.Float16Array !== undefined) return;
  g.Float16Array = class Float16ArrayUnavailable {
    constructor() {
      throw new TypeError(
        "jaxEngine: this Node has no global Float16Array, so jax-js cannot make float16 arrays here; difflux trains in float32 or float64",
      );
    }
  };
}

/** A jax-js backend: "auto" picks WebGPU where the platform has it, wasm otherwise. */
export type JaxBackend = "auto" | "wasm" | "webgpu";

const ready = new Map<"wasm" | "webgpu", Promise<boolean>>();

/** Initializes jax-js's `device` backend once; resolves whether it is available. */
function initDevice(device: "wasm" | "webgpu"): Promise<boolean> {
  let p = ready.get(device);
  if (p === undefined) {
    p = (async () => {
      installFloat16Stub();
      try {
        return (await init(device)).includes(device);
      } catch {
        return false;
      }
    })();
    ready.set(device, p);
  }
  return p;
}

/** True where a WebGPU API is present (browsers that have it; never Node 20). */
function hasWebGpu(): boolean {
  return (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
}

/** Options of `jaxEngine`. */
export interface JaxEngineOptions {
  /**
   * The jax-js backend (default "auto": WebGPU when `navigator.gpu` is present and gives an adapter,
   * else wasm). WebGPU has no float64: float64 tensors need wasm.
   */
  readonly backend?: JaxBackend;
  /**
   * Run float32 MLP training steps and forward passes on the fused WebAssembly kernels
   * (train/kernels) instead of jax-js (default true; jax-js still runs float64 and everything else).
   */
  readonly kernels?: boolean;
  /** Threads for the kernels (default: the cores, at most 2; results do not depend on it). */
  readonly threads?: number;
  /**
   * The kernels' matrix products with fused multiply-adds (default: where WebAssembly relaxed SIMD
   * is available; see `MlpKernelOptions.fma`).
   */
  readonly fma?: boolean;
}

/**
 * The jax-js engine on WebGPU or wasm (`backend`, feature-detected by default), with the MLP's
 * fused kernels for float32 (unless `kernels: false`). Initializes each jax-js backend once.
 * Throws naming the backend when a requested one is unavailable.
 * Source: jax-js 0.1.25 README (devices, reference counting, jit).
 */
export async function jaxEngine(options: JaxEngineOptions = {}): Promise<Engine> {
  const backend = options.backend ?? "auto";
  if (backend !== "auto" && backend !== "wasm" && backend !== "webgpu") {
    throw new RangeError(
      `jaxEngine: backend must be "auto", "wasm" or "webgpu", got ${JSON.stringify(backend)}`,
    );
  }
  let device: "wasm" | "webgpu" = "wasm";
  if (backend === "webgpu" || (backend === "auto" && hasWebGpu())) {
    if (await initDevice("webgpu")) device = "webgpu";
    else if (backend === "webgpu")
      throw new Error(
        'jaxEngine: the WebGPU backend is unavailable here (no navigator.gpu or no adapter); use backend: "wasm"',
      );
  }
  if (device === "wasm" && !(await initDevice("wasm")))
    throw new Error("jaxEngine: the jax-js wasm backend is unavailable (WebAssembly refused?)");
  // Constants made inside traced code land on the default device.
  defaultDevice(device);
  const base = deviceEngine(device);
  if (options.kernels === false) return base;
  const { threads, fma } = options;
  // Checked here, so a bad fma fails when the engine is made rather than at the first step.
  const wasm = globalWasm();
  const fused = wasm !== null && kernelFma("jaxEngine", wasm, { fma });
  return {
    ...base,
    name: `${base.name} + wasm SIMD kernels${fused ? " (fused multiply-adds)" : ""}`,
    mlp: (config, optimizer) =>
      createMlpKernelSync(config, optimizer, {
        ...(threads === undefined ? {} : { threads }),
        ...(fma === undefined ? {} : { fma }),
      }),
  };
}

/** The engine whose arrays live on `device`. */
function deviceEngine(device: "wasm" | "webgpu"): Engine {
  return {
    name: `jax-js 0.1.25 (${device})`,
    upload(tensor) {
      const { data, shape } = tensor;
      if (!(data instanceof Float32Array || data instanceof Float64Array)) {
        throw new TypeError("jaxEngine.upload: tensor.data must be a Float32Array or Float64Array");
      }
      const dtype = data instanceof Float32Array ? np.float32 : np.float64;
      if (device === "webgpu" && dtype === np.float64)
        throw new TypeError(
          'jaxEngine.upload: WebGPU has no float64; train in float32 or use backend: "wasm"',
        );
      return new JaxTensor(np.array(data, { dtype, shape: [...shape], device }));
    },
    scalar(value, dtype) {
      return new JaxTensor(np.array(value, { dtype: dtype === "float32" ? np.float32 : np.float64, device }));
    },
    download(tensor) {
      const a = arrayOf("jaxEngine.download", tensor);
      const shape = a.shape;
      const data = a.ref.dataSync();
      if (data instanceof Float32Array) return { shape, data: data.slice() };
      if (data instanceof Float64Array) return { shape, data: data.slice() };
      throw new TypeError(
        `jaxEngine.download: unexpected ${a.dtype} tensor; only float32 and float64 are supported`,
      );
    },
    compile(fn) {
      const compiled = jit((groups: JaxArray[][]) => fn(jaxOps, groups));
      const call = (groups: readonly (readonly DeviceTensor[])[]) => {
        const out = compiled(
          groups.map((g) => g.map((t) => arrayOf("jaxEngine.compile", t).ref)),
        ) as JaxArray[][];
        return out.map((g) => g.map((a) => new JaxTensor(a)));
      };
      return Object.assign(call, { dispose: () => compiled.dispose() });
    },
  };
}
