/**
 * Training checkpoints as bytes (every platform): a checkpoint is two byte strings,
 *   weights-<step>.safetensors  params (PyTorch names `layers.<l>.weight|bias`), `ema.<name>`,
 *                               `optimizer.m.<name>`, `optimizer.v.<name>` (Adam moments),
 *                               `adaptive.logWeights` (F64, the learned θ) when the run has one, and
 *                               `history.loss` (F64, the loss of steps 1 … step) when known;
 *   config.json                 format/version, step, dtype, path spec, kind, schedule spec, MLP
 *                               architecture, the network's parameterization and the data
 *                               standardisation (absent in older checkpoints: direct, none),
 *                               for a class-conditional network its class count (model.classes)
 *                               and the label dropout it was trained with (older checkpoints:
 *                               unconditional),
 *                               optimizer config (with the EMA warm-up), adaptive-weight config
 *                               (or null; absent in older checkpoints), RNG state, and the weights
 *                               file's name, size and SHA-256.
 * `encodeCheckpoint` makes them, `decodeCheckpoint` validates config.json (field by field), the hash,
 * and every tensor against the architecture, naming the file and the problem. No checkpoint holds a
 * non-finite number: encoding refuses such a state and decoding rejects one. The directory form
 * (atomic files, Node) is checkpoint.ts.
 */
import { KINDS, type Kind } from "../convert/kernel.js";
import {
  JsonShapeError,
  jsonArray,
  jsonNullable,
  jsonNumber,
  jsonObject,
  jsonOneOf,
  jsonOptional,
  jsonString,
  jsonTagged,
  jsonUnknown,
} from "../io/jsonShape.js";
import type { NdArray } from "../io/ndarray.js";
import { relabelErrors } from "../io/relabel.js";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import { sha256Hex } from "../io/sha256.js";
import { adaptiveWeighting } from "../loss/adaptive.js";
import type { GaussianPath, PathSpec } from "../path/path.js";
import { pathFromSpec } from "../path/spec.js";
import type { RngState } from "../random/rng.js";
import type { ScheduleSpec } from "../schedule/schedule.js";
import { ACTIVATIONS, checkMlpConfig, type MlpConfig, mlpParamSpecs } from "./mlp.js";
import {
  checkParameterization,
  type NetworkModelOptions,
  type NetworkParameterization,
  networkModel,
} from "./network.js";
import { checkOptimizerConfig, type OptimizerConfig } from "./optim.js";
import {
  type AdaptiveTraining,
  checkAdaptiveTraining,
  checkFiniteState,
  checkTrainState,
  type TrainState,
} from "./state.js";
import { type Standardization, checkStandardization } from "./standardize.js";
import { checkLabelDropout } from "./batches.js";
import type { DType, HostTensor } from "./tensor.js";
import type { TrainSnapshot } from "./trainer.js";

/** What the network was trained to predict, and on which path (JSON specs). */
export interface CheckpointMeta {
  /** The path's JSON spec (`GaussianPath.spec`). */
  readonly path: unknown;
  readonly kind: Kind;
  /** The schedule's spec for affine paths, null otherwise. */
  readonly schedule: ScheduleSpec | null;
  /** How the network's output becomes the prediction (absent: direct, as in older checkpoints). */
  readonly parameterization?: NetworkParameterization;
  /**
   * The data standardisation the network was trained in (absent or null: none). Samples map back by
   * `unstandardize`, log-likelihoods by adding `standardizationLogDet`.
   */
  readonly standardization?: Standardization | null;
  /**
   * The probability with which training dropped a label to the null class (−1), for a
   * class-conditional network (absent or null: unconditional, or not recorded). 0 means the
   * unconditional branch was never trained, so classifier-free guidance has nothing to push against.
   */
  readonly labelDropout?: number | null;
}

/** Everything needed to sample from a trained network or resume its training. */
export interface Checkpoint extends TrainSnapshot {
  readonly meta: CheckpointMeta;
}

/** The config file's name inside a checkpoint directory. */
export const CHECKPOINT_CONFIG = "config.json";

const FORMAT = "difflux-checkpoint";
/** The safetensors name of the learned adaptive log-weights θ. */
const ADAPTIVE_TENSOR = "adaptive.logWeights";
/** The safetensors name of the loss history (the loss of steps 1 … step). */
const HISTORY_TENSOR = "history.loss";
const VERSION = 1;

const count = jsonNumber("nonnegative integer");
const positive = jsonNumber("positive");
const number = jsonNumber();

const mlpShape = jsonObject({
  architecture: jsonOneOf(["mlp"]),
  dim: count,
  width: count,
  depth: count,
  activation: jsonOneOf(ACTIVATIONS),
  timeEmbedding: jsonObject({ dim: count, scale: positive, maxPeriod: positive }),
  classes: jsonOptional(jsonNumber("positive integer")),
});

const optimizerShape = jsonObject({
  kind: jsonOneOf(["adam", "adamw"]),
  lr: positive,
  beta1: number,
  beta2: number,
  eps: positive,
  weightDecay: number,
  clipNorm: jsonNullable(positive),
  schedule: jsonTagged<{ kind: string }>("kind", {
    constant: jsonObject({ kind: jsonOneOf(["constant"]) }),
    warmupCosine: jsonObject({
      kind: jsonOneOf(["warmupCosine"]),
      warmupSteps: count,
      totalSteps: count,
      minLr: number,
    }),
  }),
  emaDecay: jsonNullable(number),
  emaWarmup: jsonOptional(jsonNullable(jsonObject({ gamma: positive, power: positive }))),
});

const adaptiveShape = jsonNullable(
  jsonObject({ bins: jsonNumber("positive integer"), learningRate: positive }),
);

const parameterizationShape = jsonTagged<NetworkParameterization>("kind", {
  direct: jsonObject({ kind: jsonOneOf(["direct"]) }),
  preconditioned: jsonObject({ kind: jsonOneOf(["preconditioned"]), sigmaData: positive }),
});

const standardizationShape = jsonNullable(
  jsonObject({ mean: jsonArray(number), scale: jsonArray(positive) }),
);

const rngShape = jsonObject({
  algorithm: jsonOneOf(["philox4x32-10"]),
  seed: count,
  stream: count,
  block: count,
  spareNormal: jsonNullable(number),
  spareUniform: jsonNullable(number),
});

const configShape = jsonObject({
  format: jsonOneOf([FORMAT]),
  version: jsonOneOf([VERSION]),
  step: count,
  dtype: jsonOneOf(["float32", "float64"]),
  path: jsonUnknown,
  kind: jsonOneOf(KINDS),
  schedule: jsonNullable(jsonObject({ family: jsonString() }, { extra: "keep" })),
  model: mlpShape,
  optimizer: optimizerShape,
  adaptive: jsonOptional(adaptiveShape),
  parameterization: jsonOptional(parameterizationShape),
  standardization: jsonOptional(standardizationShape),
  labelDropout: jsonOptional(jsonNullable(number)),
  rng: rngShape,
  weights: jsonObject({
    file: jsonString(/^weights-\d+\.safetensors$/),
    bytes: count,
    sha256: jsonString(/^[0-9a-f]{64}$/),
  }),
});

/** The weights file's name for a checkpoint at `step`. */
function weightsFile(step: number): string {
  return `weights-${step}.safetensors`;
}

/** A checkpoint as bytes: the weights file (named `weightsFile`) and config.json's text. */
export interface CheckpointBytes {
  /** The weights file's name (`weights-<step>.safetensors`), as config.json refers to it. */
  readonly weightsFile: string;
  /** The safetensors bytes of the weights file. */
  readonly weights: Uint8Array;
  /** config.json's text (pretty-printed JSON, newline-terminated). */
  readonly config: string;
}

/**
 * `checkpoint` as bytes: its safetensors weights and config.json (with the weights' size and
 * SHA-256); see the file header. Throws if the state does not fit the model and optimizer configs or
 * holds a non-finite number. `caller` names the function in errors.
 */
export function encodeCheckpoint(checkpoint: Checkpoint, caller = "encodeCheckpoint"): CheckpointBytes {
  const { meta, model, optimizer, dtype, state, rng } = checkpoint;
  const adaptive = checkpoint.adaptive ?? null;
  checkMlpConfig(model);
  checkOptimizerConfig(optimizer);
  checkTrainState(caller, state, model, optimizer, dtype, adaptive);
  checkFiniteState(caller, state);
  const history = checkpoint.lossHistory ?? null;
  if (history !== null && (!(history instanceof Float64Array) || history.length !== state.step)) {
    throw new RangeError(
      `${caller}: lossHistory must be a Float64Array with one loss per completed step (${state.step}), got ${history instanceof Float64Array ? `length ${history.length}` : typeof history}`,
    );
  }
  const parameterization = meta?.parameterization ?? { kind: "direct" };
  checkParameterization(caller, parameterization);
  const standardization = meta?.standardization ?? null;
  if (standardization !== null) checkStandardization(caller, standardization, model.dim);
  const labelDropout = meta?.labelDropout ?? null;
  if (labelDropout !== null) {
    checkLabelDropout(caller, labelDropout);
    if (model.classes === undefined)
      throw new RangeError(
        `${caller}: meta.labelDropout is set but the model is unconditional (no classes); drop it`,
      );
  }
  if (!KINDS.includes(meta?.kind))
    throw new TypeError(
      `${caller}: meta.kind must be one of ${KINDS.join(", ")}, got ${JSON.stringify(meta?.kind)}`,
    );
  const names = mlpParamSpecs(model).map((s) => s.name);
  const tensors: Record<string, NdArray> = {};
  names.forEach((name, i) => {
    tensors[name] = state.params[i]!;
    if (state.ema !== null) tensors[`ema.${name}`] = state.ema[i]!;
    tensors[`optimizer.m.${name}`] = state.moments.m[i]!;
    tensors[`optimizer.v.${name}`] = state.moments.v[i]!;
  });
  if (state.adaptive !== null) {
    tensors[ADAPTIVE_TENSOR] = {
      shape: [state.adaptive.bins],
      data: Float64Array.from(state.adaptive.logWeights),
    };
  }
  if (history !== null) tensors[HISTORY_TENSOR] = { shape: [history.length], data: history };
  const weights = encodeSafetensors(tensors, { format: FORMAT, step: String(state.step) });
  const file = weightsFile(state.step);
  const config = {
    format: FORMAT,
    version: VERSION,
    step: state.step,
    dtype,
    path: meta.path ?? null,
    kind: meta.kind,
    schedule: meta.schedule ?? null,
    parameterization,
    standardization,
    ...(labelDropout === null ? {} : { labelDropout }),
    model,
    optimizer,
    adaptive,
    rng,
    weights: { file, bytes: weights.length, sha256: sha256Hex(weights) },
  };
  return { weightsFile: file, weights, config: `${JSON.stringify(config, null, 2)}\n` };
}

function differences(a: unknown, b: unknown, prefix = ""): string[] {
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        prefix ? `${prefix}.${k}` : k,
      ),
    );
  }
  return Object.is(a, b)
    ? []
    : [`${prefix || "value"} is ${JSON.stringify(a)} in the checkpoint but ${JSON.stringify(b)} in the run`];
}

/** The adaptive weighting stored as `theta` (float64, shape [bins]); throws naming the file otherwise. */
function learnedWeights(caller: string, theta: HostTensor, adaptive: AdaptiveTraining, file: string) {
  if (!(theta.data instanceof Float64Array) || theta.shape.length !== 1 || theta.shape[0] !== adaptive.bins) {
    throw new Error(
      `${caller}: ${file}: ${ADAPTIVE_TENSOR} must be float64 of shape [${adaptive.bins}] (adaptive.bins in ${CHECKPOINT_CONFIG}), got ${theta.data instanceof Float64Array ? "float64" : "float32"} [${theta.shape.join(", ")}]; the files are from different saves`,
    );
  }
  return relabelErrors(
    "adaptiveWeighting",
    caller,
    () => adaptiveWeighting({ bins: adaptive.bins, logWeights: theta.data }),
    ` (${ADAPTIVE_TENSOR} in ${file}); the file is corrupt`,
  );
}

/** What a caller expects of a checkpoint; `decodeCheckpoint` (and `loadCheckpoint`) throw on any difference. */
export interface CheckpointExpectation {
  readonly model?: MlpConfig;
  readonly optimizer?: OptimizerConfig;
  readonly dtype?: DType;
  readonly kind?: Kind;
  /** The adaptive-weight config of the run (null: none). */
  readonly adaptive?: AdaptiveTraining | null;
}

/** Where the bytes of `decodeCheckpoint` came from, for its errors. */
export interface CheckpointSource {
  /** config.json's text or bytes. */
  readonly config: string | Uint8Array;
  /** The weights file's bytes, or a reader given the file name config.json names. */
  readonly weights: Uint8Array | ((file: string) => Uint8Array);
  /** What errors call config.json (default "config.json"). */
  readonly configLabel?: string;
  /** What errors call the weights file (default: its name). */
  readonly weightsLabel?: (file: string) => string;
}

/**
 * The checkpoint in `source` (config.json and its weights file), validated: errors name the file and
 * what is wrong — invalid config.json (with the offending field), weights of another save (size or
 * SHA-256), a missing or misshapen tensor, or a mismatch with `expect`. `caller` names the function.
 */
export function decodeCheckpoint(
  source: CheckpointSource,
  expect: CheckpointExpectation = {},
  caller = "decodeCheckpoint",
): Checkpoint {
  const configPath = source.configLabel ?? CHECKPOINT_CONFIG;
  const text = typeof source.config === "string" ? source.config : new TextDecoder().decode(source.config);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${caller}: ${configPath} is not valid JSON (${err instanceof Error ? err.message : String(err)}); the file is corrupt`,
    );
  }
  let config: ReturnType<typeof configShape>;
  try {
    config = configShape(json, "");
  } catch (err) {
    if (!(err instanceof JsonShapeError)) throw err;
    throw new Error(`${caller}: ${configPath} is not a valid difflux checkpoint config (${err.message})`);
  }
  const model = config.model as MlpConfig;
  // Checkpoints from before the EMA warm-up ran a constant decay.
  const optimizer = { ...config.optimizer, emaWarmup: config.optimizer.emaWarmup ?? null } as OptimizerConfig;
  const dtype = config.dtype;
  const adaptive: AdaptiveTraining | null = config.adaptive ?? null;
  try {
    checkMlpConfig(model);
    checkOptimizerConfig(optimizer);
    if (adaptive !== null) checkAdaptiveTraining("adaptive", adaptive);
    if (config.standardization) checkStandardization("standardization", config.standardization, model.dim);
    if (config.labelDropout != null) checkLabelDropout("labelDropout", config.labelDropout);
  } catch (err) {
    throw new Error(`${caller}: ${configPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const mismatches = [
    ...(expect.model ? differences(model, expect.model, "model") : []),
    ...(expect.optimizer ? differences(optimizer, expect.optimizer, "optimizer") : []),
    ...(expect.dtype && expect.dtype !== dtype
      ? [`dtype is ${dtype} in the checkpoint but ${expect.dtype} in the run`]
      : []),
    ...(expect.kind && expect.kind !== config.kind
      ? [`kind is ${config.kind} in the checkpoint but ${expect.kind} in the run`]
      : []),
    ...(expect.adaptive !== undefined ? differences(adaptive, expect.adaptive, "adaptive") : []),
  ];
  if (mismatches.length > 0) {
    throw new Error(
      `${caller}: ${configPath} does not match this run: ${mismatches.join("; ")}; use a matching config or another checkpoint directory`,
    );
  }
  const weightsPath = source.weightsLabel?.(config.weights.file) ?? config.weights.file;
  const bytes = typeof source.weights === "function" ? source.weights(config.weights.file) : source.weights;
  if (bytes.length !== config.weights.bytes || sha256Hex(bytes) !== config.weights.sha256) {
    throw new Error(
      `${caller}: ${weightsPath} does not match ${CHECKPOINT_CONFIG} (${bytes.length} bytes, expected ${config.weights.bytes}; SHA-256 differs): the file is corrupt or from another save — restore both files from the same save`,
    );
  }
  const { tensors, metadata } = decodeSafetensors(bytes, weightsPath);
  if (metadata.step !== String(config.step)) {
    throw new Error(
      `${caller}: ${weightsPath} is from step ${metadata.step} but ${CHECKPOINT_CONFIG} says step ${config.step}`,
    );
  }
  const names = mlpParamSpecs(model).map((s) => s.name);
  const take = (name: string): HostTensor => {
    const t = tensors[name];
    if (t === undefined)
      throw new Error(
        `${caller}: ${weightsPath} has no tensor "${name}"; the file does not belong to this config`,
      );
    return t;
  };
  const state: TrainState = {
    step: config.step,
    params: names.map((n) => take(n)),
    moments: { m: names.map((n) => take(`optimizer.m.${n}`)), v: names.map((n) => take(`optimizer.v.${n}`)) },
    ema: optimizer.emaDecay === null ? null : names.map((n) => take(`ema.${n}`)),
    adaptive: adaptive === null ? null : learnedWeights(caller, take(ADAPTIVE_TENSOR), adaptive, weightsPath),
  };
  try {
    checkTrainState(weightsPath, state, model, optimizer, dtype, adaptive);
    checkFiniteState(weightsPath, state);
  } catch (err) {
    throw new Error(`${caller}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const history = tensors[HISTORY_TENSOR];
  if (
    history !== undefined &&
    (!(history.data instanceof Float64Array) ||
      history.shape.length !== 1 ||
      history.shape[0] !== config.step)
  ) {
    throw new Error(
      `${caller}: ${weightsPath}: ${HISTORY_TENSOR} must be float64 of shape [${config.step}] (one loss per step), got [${history.shape.join(", ")}]; the file is corrupt`,
    );
  }
  return {
    meta: {
      path: config.path,
      kind: config.kind,
      schedule: config.schedule as ScheduleSpec | null,
      parameterization: config.parameterization ?? { kind: "direct" },
      standardization: config.standardization ?? null,
      ...(config.labelDropout == null ? {} : { labelDropout: config.labelDropout }),
    },
    model,
    optimizer,
    dtype,
    adaptive,
    state,
    rng: config.rng as RngState,
    lossHistory: history === undefined ? null : (history.data as Float64Array),
  };
}

/** Options of `checkpointModel`. */
export interface CheckpointModelOptions {
  /** Use the EMA weights when the run kept them (default true). */
  readonly ema?: boolean;
  /** Widen float32 weights to float64 (for finite-difference divergences in the likelihood). */
  readonly float64?: boolean;
  /** Passed on to `networkModel`. */
  readonly forward?: NetworkModelOptions["forward"];
  readonly engine?: NetworkModelOptions["engine"];
}

/**
 * The network of a loaded checkpoint as a `Model` on the path it was trained on (rebuilt from the
 * path spec), with its parameterization, and the data standardisation its samples and likelihoods
 * must be mapped back through (`unstandardize`, `standardizationLogDet`; null when none). A drift
 * model needs its g²(t): build it with `networkModel(…, { g2 })`.
 */
export function checkpointModel(
  checkpoint: Checkpoint,
  options: CheckpointModelOptions = {},
): {
  model: ReturnType<typeof networkModel>;
  path: GaussianPath;
  standardization: Standardization | null;
  ema: boolean;
} {
  const fn = "checkpointModel";
  const { meta, state } = checkpoint;
  if (meta.kind === "drift") {
    throw new TypeError(
      `${fn}: the checkpoint holds a drift model, which needs its g²(t); build it with networkModel(params, model, path, "drift", { g2 })`,
    );
  }
  const path = relabelErrors("pathFromSpec", fn, () => pathFromSpec(meta.path as PathSpec), " (meta.path)");
  const ema = options.ema !== false && state.ema !== null;
  const stored = ema ? state.ema! : state.params;
  const params = options.float64
    ? stored.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) }))
    : stored;
  const model = networkModel(params, checkpoint.model, path, meta.kind, {
    parameterization: meta.parameterization ?? { kind: "direct" },
    ...(options.forward === undefined ? {} : { forward: options.forward }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
  });
  return { model, path, standardization: meta.standardization ?? null, ema };
}
