/**
 * A `Model` over an ONNX Runtime session: onnxruntime-node in Node, onnxruntime-web in the browser
 * (the two share the `InferenceSession` / `Tensor` API). difflux never imports onnxruntime: the caller
 * passes the module and the session, so the core does not depend on it.
 *
 *   prediction(xₜ, t, cond) = session.run({ sample: xₜ, time: τ(t), labels, embedding })[output]
 *
 * where τ(t) is canonical time in the model's own convention, through the adapters of src/time.ts:
 *   "time"           t                                  (flow matching, linsdex)
 *   "diffusionTime"  s = 1 − t                          (score SDEs)
 *   "trainStep"      k = (1 − t)·N − 1                  (diffusers' `timestep`; t = 1 − (k + 1)/N)
 *   "logSnr"         λ = log(α²/σ²) = path.logSnr(t)    (variational diffusion models)
 *   "sigma"          σ̃ = σ/α = exp(−λ/2)                (k-diffusion / EDM noise level)
 *   "custom"         map(t, path.slice(t))              (anything else)
 * each optionally multiplied by `scale` (e.g. 1000 for models fed 1000·σ). Singular points: σ̃ = ∞
 * and λ = −∞ where α = 0 (rectified flow at t = 0), σ̃ = 0 and λ = +∞ at the data end; grids stop short
 * of both (path.tMin, path.tMax).
 *
 * Inputs and outputs may be float32, float64 or float16 (rounded to nearest even on the way in,
 * widened exactly on the way out; io/float16.ts); labels int64, int32 or float. Declared shapes come
 * from the session's metadata (onnxruntime ≥ 1.21) or the options. Batches larger than `maxBatch` (or
 * than a model's fixed batch dimension) run in chunks; a fixed-batch model gets its last chunk padded.
 * Source: ONNX Runtime JavaScript API (onnxruntime-common `InferenceSession`, `Tensor`).
 */
import type { FloatArray, Shape } from "../array.js";
import { type Kind, checkKind } from "../convert/kernel.js";
import { encodeFloat16, decodeFloat16 } from "../io/float16.js";
import { type Conditioning, type Model, checkConditioning } from "../model/model.js";
import type { GaussianPath, PathSlice } from "../path/path.js";
import { logSnrToSigma, timeToDiffusionTime, timeToTrainStep } from "../time.js";

/** Element types difflux feeds and reads. */
export type OnnxTensorType = "float32" | "float64" | "float16" | "int64" | "int32";

/** The part of onnxruntime's `Tensor` difflux uses. */
export interface OnnxTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The part of onnxruntime's `InferenceSession.ValueMetadata` difflux reads. */
export interface OnnxValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** The part of an onnxruntime `InferenceSession` difflux uses (node and web alike). */
export interface OnnxSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Present in onnxruntime ≥ 1.21: declared types and shapes (symbolic dimensions are strings). */
  readonly inputMetadata?: readonly OnnxValueMetadataLike[];
  readonly outputMetadata?: readonly OnnxValueMetadataLike[];
  run(feeds: Record<string, OnnxTensorLike>): Promise<Record<string, OnnxTensorLike>>;
}

/** The part of the onnxruntime module difflux uses: its `Tensor` class (and `InferenceSession` to load). */
export interface OnnxRuntimeLike {
  readonly Tensor: new (
    type: OnnxTensorType,
    data: Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array,
    dims: readonly number[],
  ) => OnnxTensorLike;
  readonly InferenceSession?: {
    create(source: string | Uint8Array, options?: object): Promise<OnnxSessionLike>;
  };
}

/** The time input and its convention (file header). */
export type OnnxTimeInput = {
  readonly name: string;
  /** Multiplies the converted value (default 1). */
  readonly scale?: number;
} & (
  | { readonly convention: "time" | "diffusionTime" | "sigma" | "logSnr" }
  | { readonly convention: "trainStep"; readonly numTrainSteps: number }
  | { readonly convention: "custom"; readonly map: (t: number, slice: PathSlice) => number }
);

/** Options of `onnxModel`. */
export interface OnnxModelOptions {
  /** The `onnxruntime-node` or `onnxruntime-web` module (`import * as ort from "onnxruntime-node"`). */
  readonly ort: OnnxRuntimeLike;
  readonly session: OnnxSessionLike;
  /** What the network predicts. */
  readonly kind: Kind;
  /** g²(t) of a drift model. */
  readonly g2?: (t: number) => number;
  /** The path it was trained on (its schedule fixes the input scaling xₜ = α·data + σ·noise). */
  readonly path: GaussianPath;
  /**
   * The input that takes xₜ: its name (default the first input) and per-row shape (default from the
   * session's metadata, else [dim]); ∏ shape must equal the sampler's dim.
   */
  readonly sample?: { readonly name?: string; readonly shape?: readonly number[] };
  readonly time: OnnxTimeInput;
  /**
   * Class labels: the input name and the value fed for "no label" (−1; default −1, diffusers/DiT use
   * the number of classes). Rows without conditioning get `nullLabel`.
   */
  readonly labels?: { readonly name: string; readonly nullLabel?: number };
  /** Embeddings: the input name and per-row shape (default from metadata, else [values per row]). */
  readonly embedding?: { readonly name: string; readonly shape?: readonly number[] };
  /** The output holding the prediction (default the first). */
  readonly output?: string;
  /** Largest batch per session.run (default: the model's fixed batch size, else unlimited). */
  readonly maxBatch?: number;
  /** Further inputs fed unchanged on every call (they must not have a batch dimension). */
  readonly constants?: Readonly<Record<string, OnnxTensorLike>>;
}

/** An ONNX model: a `Model`, plus what it resolved from the session. */
export type OnnxModel = Model & {
  /** Per-row shape of the sample input, its element type, and the time value fed at t. */
  readonly sampleShape: readonly number[];
  readonly sampleType: OnnxTensorType;
  timeValue(t: number): number;
};

const FLOATS = ["float32", "float64", "float16"];

/**
 * A `Model` over an ONNX Runtime session (file header). Throws at construction naming the option
 * that does not fit the session (unknown input or output, an input left unfed, shapes or types it
 * cannot feed); `predict` throws when the output does not hold batch × dim values.
 */
export function onnxModel(options: OnnxModelOptions): OnnxModel {
  const fn = "onnxModel";
  if (options === null || typeof options !== "object") throw new TypeError(`${fn}: options are required`);
  const { ort, session, kind, path } = options;
  if (ort === null || typeof ort !== "object" || typeof ort.Tensor !== "function") {
    throw new TypeError(
      `${fn}: options.ort must be the onnxruntime module (import * as ort from "onnxruntime-node")`,
    );
  }
  if (session === null || typeof session !== "object" || typeof session.run !== "function") {
    throw new TypeError(
      `${fn}: options.session must be an onnxruntime InferenceSession (await ort.InferenceSession.create(file))`,
    );
  }
  checkKind(fn, "options.kind", kind);
  if (kind === "drift" && typeof options.g2 !== "function") {
    throw new TypeError(`${fn}: a drift model needs options.g2, its g²(t)`);
  }
  if (path === null || typeof path !== "object" || typeof path.slice !== "function") {
    throw new TypeError(`${fn}: options.path must be the GaussianPath the model was trained on`);
  }
  const inputs = new Map((session.inputMetadata ?? []).map((m) => [m.name, m]));
  const outputs = new Map((session.outputMetadata ?? []).map((m) => [m.name, m]));
  const known = (name: string, what: string) => {
    if (!session.inputNames.includes(name)) {
      throw new RangeError(
        `${fn}: ${what} "${name}" is not an input of the model (inputs: ${session.inputNames.join(", ")})`,
      );
    }
  };
  const sampleName = options.sample?.name ?? session.inputNames[0];
  if (sampleName === undefined) throw new RangeError(`${fn}: the model has no inputs`);
  known(sampleName, "options.sample.name");
  const time = options.time;
  if (time === null || typeof time !== "object" || typeof time.name !== "string") {
    throw new TypeError(
      `${fn}: options.time = { name, convention } is required (e.g. { name: "timestep", convention: "trainStep", numTrainSteps: 1000 })`,
    );
  }
  known(time.name, "options.time.name");
  if (options.labels !== undefined) known(options.labels.name, "options.labels.name");
  if (options.embedding !== undefined) known(options.embedding.name, "options.embedding.name");
  const constants = options.constants ?? {};
  for (const name of Object.keys(constants)) known(name, "options.constants");
  const fed = new Set([
    sampleName,
    time.name,
    options.labels?.name,
    options.embedding?.name,
    ...Object.keys(constants),
  ]);
  const unfed = session.inputNames.filter((n) => !fed.has(n));
  if (unfed.length > 0) {
    throw new RangeError(
      `${fn}: the model's input(s) ${unfed.join(", ")} are not fed; name them in options.time / labels / embedding / constants`,
    );
  }
  const outputName = options.output ?? session.outputNames[0];
  if (outputName === undefined || !session.outputNames.includes(outputName)) {
    throw new RangeError(
      `${fn}: options.output "${outputName}" is not an output of the model (outputs: ${session.outputNames.join(", ")})`,
    );
  }

  const typeOf = (name: string, allowed: readonly string[], fallback: OnnxTensorType): OnnxTensorType => {
    const declared = inputs.get(name)?.type;
    if (declared === undefined) return fallback;
    if (!allowed.includes(declared)) {
      throw new TypeError(
        `${fn}: input "${name}" has type ${declared}; difflux feeds ${allowed.join(", ")} there`,
      );
    }
    return declared as OnnxTensorType;
  };
  const rowShape = (
    name: string,
    given: readonly number[] | undefined,
    what: string,
  ): readonly number[] | undefined => {
    const declared = inputs.get(name)?.shape;
    if (given !== undefined) {
      if (!given.every((d) => Number.isInteger(d) && d >= 1)) {
        throw new RangeError(`${fn}: ${what} must hold positive integers, got [${given.join(", ")}]`);
      }
      if (declared !== undefined && declared.length === given.length + 1) {
        declared.slice(1).forEach((d, k) => {
          if (typeof d === "number" && d !== given[k]) {
            throw new RangeError(
              `${fn}: ${what} is [${given.join(", ")}] but the model declares [${declared.slice(1).join(", ")}] per row`,
            );
          }
        });
      }
      return given;
    }
    if (declared === undefined || declared.length < 2 || declared.slice(1).some((d) => typeof d !== "number"))
      return undefined;
    return declared.slice(1) as number[];
  };

  const sampleType = typeOf(sampleName, FLOATS, "float32");
  const sampleShape = rowShape(sampleName, options.sample?.shape, "options.sample.shape");
  const timeType = typeOf(time.name, [...FLOATS, "int64", "int32"], "float32");
  const timeDeclared = inputs.get(time.name)?.shape;
  const timePerRow = timeDeclared === undefined ? true : timeDeclared.length > 0 && timeDeclared[0] !== 1;
  const labelType = options.labels
    ? typeOf(options.labels.name, ["int64", "int32", "float32", "float64"], "int64")
    : "int64";
  const nullLabel = options.labels?.nullLabel ?? -1;
  if (!Number.isInteger(nullLabel))
    throw new RangeError(`${fn}: options.labels.nullLabel must be an integer, got ${nullLabel}`);
  const embeddingType = options.embedding ? typeOf(options.embedding.name, FLOATS, "float32") : "float32";
  const embeddingShape = options.embedding
    ? rowShape(options.embedding.name, options.embedding.shape, "options.embedding.shape")
    : undefined;
  const outputType = outputs.get(outputName)?.type;
  if (outputType !== undefined && !FLOATS.includes(outputType)) {
    throw new TypeError(
      `${fn}: output "${outputName}" has type ${outputType}; a prediction must be float32, float64 or float16`,
    );
  }
  const declaredBatch = inputs.get(sampleName)?.shape?.[0];
  const fixedBatch = typeof declaredBatch === "number" ? declaredBatch : undefined;
  const maxBatch = options.maxBatch ?? fixedBatch ?? Number.POSITIVE_INFINITY;
  if (!(maxBatch >= 1) || (Number.isFinite(maxBatch) && !Number.isInteger(maxBatch))) {
    throw new RangeError(`${fn}: options.maxBatch must be a positive integer, got ${options.maxBatch}`);
  }
  if (fixedBatch !== undefined && maxBatch !== fixedBatch) {
    throw new RangeError(
      `${fn}: the model's batch dimension is fixed at ${fixedBatch}; options.maxBatch cannot be ${maxBatch}`,
    );
  }
  const timeScale = time.scale ?? 1;
  if (!Number.isFinite(timeScale))
    throw new RangeError(`${fn}: options.time.scale must be finite, got ${timeScale}`);

  const timeValue = (t: number): number => {
    let value: number;
    switch (time.convention) {
      case "time":
        value = t;
        break;
      case "diffusionTime":
        value = timeToDiffusionTime(t);
        break;
      case "trainStep":
        value = timeToTrainStep(t, time.numTrainSteps);
        break;
      case "sigma":
        value = logSnrToSigma(path.logSnr(t));
        break;
      case "logSnr":
        value = path.logSnr(t);
        break;
      case "custom":
        value = time.map(t, path.slice(t));
        break;
      default:
        throw new TypeError(
          `${fn}: options.time.convention must be "time", "diffusionTime", "trainStep", "sigma", "logSnr" or "custom", got ${JSON.stringify((time as { convention: unknown }).convention)}`,
        );
    }
    return timeScale * value;
  };
  // Fail early on a bad convention (e.g. trainStep without numTrainSteps).
  timeValue(0.5);

  const tensor = (
    type: OnnxTensorType,
    values: ArrayLike<number>,
    dims: readonly number[],
  ): OnnxTensorLike => {
    switch (type) {
      case "float32":
        return new ort.Tensor(type, new Float32Array(values as ArrayLike<number>), dims);
      case "float64":
        return new ort.Tensor(type, new Float64Array(values as ArrayLike<number>), dims);
      case "float16":
        return new ort.Tensor(type, encodeFloat16(values), dims);
      case "int32":
        return new ort.Tensor(type, Int32Array.from(values, roundInteger), dims);
      case "int64":
        return new ort.Tensor(
          type,
          BigInt64Array.from(Array.from(values, (v) => BigInt(roundInteger(v)))),
          dims,
        );
    }
  };

  const runChunk = async (
    xt: Float64Array,
    t: number,
    rows: number,
    padTo: number,
    dim: number,
    labels: Int32Array | undefined,
    embedding: FloatArray | undefined,
    width: number,
  ): Promise<FloatArray> => {
    const n = padTo;
    const pad = <A extends FloatArray | Int32Array>(a: A, perRow: number): A => {
      if (n === rows) return a;
      const out = new (a.constructor as new (k: number) => A)(n * perRow);
      out.set(a);
      for (let r = rows; r < n; r++) out.set(a.subarray((rows - 1) * perRow, rows * perRow), r * perRow);
      return out;
    };
    const feeds: Record<string, OnnxTensorLike> = { ...constants };
    feeds[sampleName] = tensor(sampleType, pad(xt, dim), [n, ...(sampleShape ?? [dim])]);
    const tau = timeValue(t);
    feeds[time.name] = timePerRow
      ? tensor(timeType, new Float64Array(n).fill(tau), timeDeclared?.length === 2 ? [n, 1] : [n])
      : tensor(timeType, [tau], timeDeclared?.length === 0 ? [] : [1]);
    if (options.labels !== undefined) {
      const l =
        labels === undefined
          ? new Int32Array(rows).fill(nullLabel)
          : labels.map((v) => (v === -1 ? nullLabel : v));
      feeds[options.labels.name] = tensor(labelType, pad(l, 1), [n]);
    }
    if (options.embedding !== undefined) {
      if (embedding === undefined) {
        throw new TypeError(
          `${fn}.predict: the model takes an embedding ("${options.embedding.name}"); pass cond.embedding`,
        );
      }
      const shape = embeddingShape ?? [width];
      if (shape.reduce((a, b) => a * b, 1) !== width) {
        throw new RangeError(
          `${fn}.predict: cond.embedding has ${width} values per row but the model takes [${shape.join(", ")}]`,
        );
      }
      feeds[options.embedding.name] = tensor(embeddingType, pad(embedding, width), [n, ...shape]);
    }
    const result = await session.run(feeds);
    const out = result[outputName];
    if (out === undefined) throw new RangeError(`${fn}.predict: the session returned no "${outputName}"`);
    const values = widen(out);
    if (values.length !== n * dim) {
      throw new RangeError(
        `${fn}.predict: output "${outputName}" has ${values.length} values for ${n} rows of dim ${dim}; it must hold one prediction per row (dims [${out.dims.join(", ")}])`,
      );
    }
    return n === rows ? values : values.subarray(0, rows * dim);
  };

  const predict = async (
    xt: Float64Array,
    t: number,
    shape: Shape,
    cond?: Conditioning,
  ): Promise<FloatArray> => {
    const { batch, dim } = shape;
    if (sampleShape !== undefined && sampleShape.reduce((a, b) => a * b, 1) !== dim) {
      throw new RangeError(
        `${fn}.predict: dim = ${dim} but the model's sample is [${sampleShape.join(", ")}] per row`,
      );
    }
    const width = checkConditioning(`${fn}.predict`, cond, batch);
    if (cond?.labels !== undefined && options.labels === undefined) {
      throw new TypeError(
        `${fn}.predict: the condition has labels but options.labels names no input for them`,
      );
    }
    if (cond?.embedding !== undefined && options.embedding === undefined) {
      throw new TypeError(
        `${fn}.predict: the condition has an embedding but options.embedding names no input for it`,
      );
    }
    if (batch <= maxBatch && fixedBatch === undefined) {
      return runChunk(xt, t, batch, batch, dim, cond?.labels, cond?.embedding, width);
    }
    const out = new Float64Array(batch * dim);
    for (let start = 0; start < batch; start += maxBatch) {
      const rows = Math.min(maxBatch, batch - start);
      const part = await runChunk(
        xt.subarray(start * dim, (start + rows) * dim),
        t,
        rows,
        fixedBatch ?? rows,
        dim,
        cond?.labels?.subarray(start, start + rows),
        cond?.embedding?.subarray(start * width, (start + rows) * width),
        width,
      );
      out.set(part, start * dim);
    }
    return out;
  };

  const base = { path, predict, sampleShape: sampleShape ?? [], sampleType, timeValue };
  return kind === "drift" ? { ...base, kind, g2: options.g2! } : { ...base, kind };
}

/** The nearest integer, ties to even (integer time and label inputs). */
function roundInteger(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A float output as a Float32Array / Float64Array (float16 widened exactly). */
function widen(out: OnnxTensorLike): FloatArray {
  const data = out.data;
  if (data instanceof Float32Array || data instanceof Float64Array) return data;
  if (out.type === "float16" && data instanceof Uint16Array) return decodeFloat16(data);
  if (out.type === "float16" && ArrayBuffer.isView(data))
    return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new TypeError(`onnxModel.predict: output of type ${out.type} is not a float prediction`);
}

/**
 * Loads an ONNX file (a path in Node, a URL or bytes in the browser) with `ort.InferenceSession.create`
 * and wraps it with `onnxModel`.
 */
export async function loadOnnxModel(
  source: string | Uint8Array,
  options: Omit<OnnxModelOptions, "session"> & { readonly sessionOptions?: object },
): Promise<OnnxModel> {
  const create = options.ort?.InferenceSession?.create;
  if (typeof create !== "function") {
    throw new TypeError(
      `loadOnnxModel: options.ort must be the onnxruntime module (it has InferenceSession.create)`,
    );
  }
  const session = await options.ort.InferenceSession!.create(source, options.sessionOptions ?? {});
  return onnxModel({ ...options, session });
}
