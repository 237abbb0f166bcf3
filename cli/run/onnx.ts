/**
 * An ONNX model from the command line (`sample --onnx`): loads onnxruntime-node (an optional peer of
 * the command line, needed only here), reads the model's inputs, and wraps it with the library's
 * `loadOnnxModel` in the time convention, kind and path given — or, with `--scheduler-config`, with the
 * path, sampler, grid and timesteps of a diffusers scheduler config (`fromDiffusers`).
 */
import { basename } from "node:path";
import type { DiffusersScheduler, GaussianPath, Grid, Kind, Model, Sampler, SamplerState } from "difflux";
import { INPUT_LIMITS, readFileBytes } from "difflux/node";
import type { OnnxModel, OnnxRuntimeLike, OnnxTimeInput } from "difflux/onnx";
import { messageOf, UsageError, withContext, withContextAsync } from "../errors.js";

/** The time conventions `--time-input` names, and the library's name for each. */
export const TIME_INPUTS = {
  time: "time",
  "diffusion-time": "diffusionTime",
  "train-step": "trainStep",
  sigma: "sigma",
  "log-snr": "logSnr",
} as const;

/** A `--time-input` name. */
export type TimeInputName = keyof typeof TIME_INPUTS;

/** What `loadCliOnnx` needs. */
export interface CliOnnxOptions {
  readonly file: string;
  /** `--kind` (required without a scheduler config). */
  readonly kind?: Exclude<Kind, "drift">;
  /** `--time-input` (required without a scheduler config). */
  readonly timeInput?: TimeInputName;
  readonly timeScale: number;
  readonly trainSteps: number;
  /** The path the model was trained on (required without a scheduler config). */
  readonly path?: GaussianPath;
  /** `--inputs`: the names of the sample, time and (optional) label inputs; default the model's order. */
  readonly inputs?: string;
  readonly nullLabel: number;
  /** `--scheduler-config` and the number of inference steps. */
  readonly schedulerConfig?: string;
  readonly steps: number;
}

/** A loaded ONNX model with its per-row sample shape and, from a scheduler config, sampler and grid. */
export interface CliOnnx {
  readonly model: Model;
  readonly dim: number;
  /** The per-row shape of the sample input (e.g. [1, 28, 28]). */
  readonly sampleShape: readonly number[];
  /** Whether the model takes class labels. */
  readonly labelled: boolean;
  /** The sampler and grid of `--scheduler-config` (null without one). */
  readonly scheduler: {
    readonly name: string;
    readonly sampler: Sampler<SamplerState>;
    readonly grid: Grid;
  } | null;
}

/** onnxruntime-node, or a UsageError saying how to install it. */
async function loadRuntime(): Promise<OnnxRuntimeLike> {
  try {
    const ort = (await import("onnxruntime-node")) as unknown as OnnxRuntimeLike & {
      default?: OnnxRuntimeLike;
    };
    return ort.InferenceSession === undefined && ort.default !== undefined ? ort.default : ort;
  } catch (err) {
    throw new UsageError(
      `--onnx: onnxruntime-node is not installed (${messageOf(err).split("\n")[0]}) — install it beside difflux-cli: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`,
    );
  }
}

/** A diffusers scheduler config file: the scheduler class (`_class_name`) and the config without metadata keys. */
function readSchedulerConfig(file: string): {
  scheduler: DiffusersScheduler;
  config: Record<string, unknown>;
} {
  // Read bounded (a regular file of at most 1 MiB): a device or a huge file is a clean error.
  const text = withContext("--scheduler-config", () =>
    new TextDecoder().decode(
      readFileBytes("readSchedulerConfig", file, { ...INPUT_LIMITS, maxBytes: 1 << 20 }),
    ),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--scheduler-config: ${file} is not valid JSON (${messageOf(err)})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new UsageError(
      `--scheduler-config: ${file} must hold a JSON object (diffusers' scheduler_config.json)`,
    );
  const { _class_name: name, ...rest } = json as Record<string, unknown>;
  if (typeof name !== "string") {
    throw new UsageError(
      `--scheduler-config: ${file} has no "_class_name" (e.g. "DDIMScheduler"); diffusers writes it into scheduler_config.json — add it`,
    );
  }
  // diffusers' bookkeeping keys (_diffusers_version, …) are not part of the configuration.
  const config = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith("_")));
  return { scheduler: name as DiffusersScheduler, config };
}

/** Loads `o.file` (see the file header); errors name the option and the fix. */
export async function loadCliOnnx(o: CliOnnxOptions): Promise<CliOnnx> {
  const lib = await import("difflux");
  const { loadOnnxModel } = await import("difflux/onnx");
  const ort = await loadRuntime();
  const session = await ort.InferenceSession!.create(o.file).catch((err: unknown) => {
    throw new UsageError(`--onnx: ONNX Runtime cannot load ${o.file} (${messageOf(err).split("\n")[0]})`);
  });
  const names = o.inputs === undefined ? [...session.inputNames] : o.inputs.split(",").map((s) => s.trim());
  const [sample, time, labels, ...rest] = names;
  if (sample === undefined || time === undefined || rest.length > 0 || names.some((n) => n === "")) {
    throw new UsageError(
      `--inputs: give the sample, time and (optionally) label input names, e.g. --inputs sample,timestep,class_labels; ${basename(o.file)} has inputs ${session.inputNames.join(", ")}`,
    );
  }
  const setup =
    o.schedulerConfig === undefined
      ? null
      : (() => {
          const { scheduler, config } = readSchedulerConfig(o.schedulerConfig);
          return withContext("--scheduler-config", () => lib.fromDiffusers(scheduler, config, o.steps));
        })();
  let timeInput: OnnxTimeInput;
  let kind: Exclude<Kind, "drift">;
  let path: GaussianPath;
  if (setup !== null) {
    timeInput = { name: time, convention: "custom", map: (t) => setup.timestep(t) };
    kind = setup.networkKind;
    path = setup.path;
  } else {
    if (o.kind === undefined || o.timeInput === undefined || o.path === undefined) {
      throw new UsageError(
        "--onnx needs --kind, --time-input and --path (what the model predicts, how it takes time, the path it was trained on) — or --scheduler-config",
      );
    }
    const convention = TIME_INPUTS[o.timeInput];
    timeInput =
      convention === "trainStep"
        ? { name: time, convention, numTrainSteps: o.trainSteps, scale: o.timeScale }
        : { name: time, convention, scale: o.timeScale };
    kind = o.kind;
    path = o.path;
  }
  const onnx: OnnxModel = await withContextAsync("--onnx", () =>
    loadOnnxModel(o.file, {
      ort,
      kind,
      path,
      sample: { name: sample },
      time: timeInput,
      ...(labels === undefined ? {} : { labels: { name: labels, nullLabel: o.nullLabel } }),
    }),
  );
  const dim = onnx.sampleShape.reduce((a, b) => a * b, 1);
  return {
    model: setup === null ? onnx : setup.wrap(onnx),
    dim,
    sampleShape: onnx.sampleShape,
    labelled: labels !== undefined,
    scheduler: setup === null ? null : { name: setup.scheduler, sampler: setup.sampler, grid: setup.grid },
  };
}
