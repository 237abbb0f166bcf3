/**
 * Training from the command line (used by `train` and `demo`): resolves the named components,
 * feeds the library's `train` with batches from `trainingBatch`, checkpoints into a directory with
 * the run record (train.json) and the loss history (loss.csv), and resumes from it. The weighting
 * "adaptive" is learned by the trainer (`train`'s `adaptive` option) on uniformly weighted batches.
 *
 * The recipe goes through the library's `prepareTraining` (docs/training.md): continuous data is
 * standardised per coordinate (unless `normalize` is false), image data keeps its [−1, 1] scale, and
 * the network is preconditioned for σ_d of the rows it trains on; both go into the checkpoint, so
 * `sample` and `likelihood` map results back to data units. A recipe `recipeProblem` refuses fails
 * before anything is written (UsageError, exit 2); a run whose loss, gradient or weights stop being
 * finite stops with a `RunFailedError` (exit 3), keeping the last finite checkpoint.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { adaptiveTrainingOf, type Choice, type Kind, type Registry, registry } from "difflux";
import { loadData } from "../data.js";
import { messageOf, RunFailedError, UsageError, withContext } from "../errors.js";
import { type OutputFile, writeFilesAtomic } from "../files.js";
import { lossPlot } from "../plot/plots.js";
import { RUN_FILES } from "./model.js";
import { renderPng } from "../plot/render.js";
import { startProgress } from "../progress.js";

type Library = typeof import("difflux/node");

/** Everything a training run is configured by. */
export interface TrainSettings {
  readonly data: string;
  readonly n?: number;
  readonly out: string;
  /** Canonical choices of the registry. */
  readonly path: Choice;
  readonly predict: Exclude<Kind, "drift">;
  readonly weighting: Choice;
  readonly timeDensity: Choice;
  readonly coupling: Choice;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly lrSchedule: "constant" | "cosine";
  /** EMA decay, 0 for none. */
  readonly ema: number;
  /** Gradient clipping norm, 0 for none. */
  readonly clip: number;
  readonly width: number;
  readonly depth: number;
  readonly activation: "silu" | "gelu" | "relu" | "tanh";
  readonly checkpointEvery: number;
  readonly seed: number;
  /** `--labels`: train a class-conditional network on these labels (see cli/data.ts). */
  readonly labels?: string;
  /** `--label-dropout`: probability of training a row as unlabelled (for classifier-free guidance). */
  readonly labelDropout?: number;
  /**
   * Standardise continuous data per coordinate (default true); image data (a dataset with a
   * quantization) always keeps its own [−1, 1] scale.
   */
  readonly normalize?: boolean;
}

/** What a run produced. */
export interface TrainOutcome {
  readonly dir: string;
  /** Step the run started from (0 for a fresh run). */
  readonly resumedFrom: number;
  readonly steps: number;
  /**
   * Loss of every step from `firstStep` to `steps`: from 1 when the run is fresh or its earlier losses
   * were read back from loss.csv, else (loss.csv missing or incomplete) from the resumed step + 1.
   */
  readonly losses: Float64Array;
  /** The step of `losses[0]`. */
  readonly firstStep: number;
  /** The mean loss over the last `steps` (at most 100) training steps. */
  readonly finalLoss: { readonly steps: number; readonly mean: number };
  readonly seconds: number;
  readonly dataPoints: number;
  readonly dim: number;
  /** Every file of the run directory this run wrote (checkpoint config and weights included). */
  readonly files: readonly string[];
  /** How the network's output becomes the prediction (stored in the checkpoint). */
  readonly parameterization:
    | { readonly kind: "direct" }
    | { readonly kind: "preconditioned"; readonly sigmaData: number };
  /** Whether the data was standardised per coordinate (stored in the checkpoint). */
  readonly standardized: boolean;
  /** The learned loss weights (--weighting adaptive), else null. */
  readonly adaptive: {
    readonly bins: number;
    readonly learningRate: number;
    /** The weight of each time bin, t = 0 → 1. */
    readonly weights: readonly number[];
  } | null;
}

/**
 * The run record written next to the checkpoint: what a resumed run must match. Components are
 * stored as canonical choices `{ name, params }` of the registry.
 */
interface RunRecord {
  readonly format: "difflux-train-run";
  readonly data: string;
  readonly n: number | null;
  readonly path: Choice;
  readonly predict: Kind;
  readonly weighting: Choice;
  readonly timeDensity: Choice;
  readonly coupling: Choice;
  readonly batch: number;
  readonly seed: number;
  /** The label source and dropout of a class-conditional run (absent in unconditional runs). */
  readonly labels?: string;
  readonly labelDropout?: number;
  /** Whether continuous data was standardised (absent in records before standardisation: false). */
  readonly normalize?: boolean;
}

/** The registry of each component field of a run record. */
const RECORD_COMPONENTS = {
  path: registry.paths,
  weighting: registry.weightings,
  timeDensity: registry.timeDensities,
  coupling: registry.couplings,
} as const satisfies Record<string, Registry<unknown, never>>;

/**
 * The batches' weighting and the trainer's adaptive config: a fixed weighting goes to the batches; a
 * learned one ("adaptive") makes the batches uniform and the trainer learn the weights.
 */
function objective(lib: Library, c: Choice) {
  const learned = adaptiveTrainingOf(c);
  if (learned !== null) return { weighting: lib.uniformWeighting(), adaptive: lib.adaptiveTraining(learned) };
  return { weighting: registry.weightings.build(c, undefined), adaptive: null };
}

/** A record field in canonical form (a component is compared by its canonical text). */
function canonical(key: keyof RunRecord, value: unknown): unknown {
  if (!(key in RECORD_COMPONENTS)) return value;
  const family = RECORD_COMPONENTS[key as keyof typeof RECORD_COMPONENTS] as Registry<unknown, unknown>;
  // Records before the registry stored a path by name.
  const choice = typeof value === "string" ? family.parse(value) : family.check(value);
  return family.format(choice);
}

function sameRecord(a: RunRecord, b: RunRecord): string | null {
  for (const key of [
    "data",
    "n",
    "path",
    "predict",
    "weighting",
    "timeDensity",
    "coupling",
    "batch",
    "seed",
    "labels",
    "labelDropout",
    "normalize",
  ] as const) {
    const field = (r: RunRecord) => (key === "normalize" ? (r.normalize ?? false) : r[key]);
    const [was, now] = [canonical(key, field(a)), canonical(key, field(b))];
    if (JSON.stringify(was) !== JSON.stringify(now)) {
      return `${key} is ${JSON.stringify(was)} in the saved run but ${JSON.stringify(now)} now`;
    }
  }
  return null;
}

/** The saved losses of steps 1 … upTo from loss.csv, or [] when the file is missing or incomplete. */
function savedLosses(lib: Library, dir: string, upTo: number): number[] {
  const file = join(dir, RUN_FILES.losses);
  if (!existsSync(file)) return [];
  const table = withContext(`--out ${dir}`, () => lib.readCsv(file, { header: true }));
  const out = new Array<number>(upTo);
  let found = 0;
  for (let r = 0; r < table.shape[0]; r++) {
    const step = table.data[2 * r]!;
    if (Number.isInteger(step) && step >= 1 && step <= upTo) {
      out[step - 1] = table.data[2 * r + 1]!;
      found++;
    }
  }
  return found === upTo ? out : [];
}

/** The run record of `dir`, or a UsageError saying what is wrong with it. */
function readRecord(dir: string): RunRecord {
  const file = join(dir, RUN_FILES.record);
  try {
    const record = JSON.parse(readFileSync(file, "utf8")) as RunRecord;
    if (record?.format !== "difflux-train-run") throw new Error("it is not a difflux run record");
    return record;
  } catch (err) {
    throw new UsageError(
      `--out: ${dir} holds a checkpoint but its run record ${file} is missing or corrupt (${messageOf(err)}) — use another --out`,
    );
  }
}

/** The weights file the checkpoint config in `dir` names (`weights-<step>.safetensors`). */
function weightsFile(dir: string, config: string): string {
  const parsed = JSON.parse(readFileSync(join(dir, config), "utf8")) as { weights?: { file?: unknown } };
  const file = parsed.weights?.file;
  if (typeof file !== "string") throw new Error(`trainModel: ${join(dir, config)} names no weights file`);
  return file;
}

/** The loss history as CSV: step, loss (`losses[0]` is the loss of step `firstStep`). */
function lossCsv(lib: Library, losses: readonly number[], firstStep: number): string {
  const table = new Float64Array(2 * losses.length);
  losses.forEach((l, i) => {
    table[2 * i] = firstStep + i;
    table[2 * i + 1] = l;
  });
  return lib.formatCsv(table, [losses.length, 2], { header: ["step", "loss"] });
}

/**
 * Runs the library's `train`, turning a `TrainingDivergedError` into a `RunFailedError` (exit 3) that
 * says what is kept (the last finite checkpoint in `dir`, or nothing), and any other error into a
 * UsageError naming training.
 */
async function withDivergence<T>(
  lib: Library,
  dir: string,
  lastSaved: () => number,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof lib.TrainingDivergedError)) throw new UsageError(`training: ${messageOf(err)}`);
    const kept =
      lastSaved() > 0
        ? `${dir} keeps the last finite checkpoint (step ${lastSaved()})`
        : "no checkpoint was written";
    const message = err.message.replace(/^train: /, "");
    throw new RunFailedError(
      message.includes("the last checkpoint is kept")
        ? message.replace("the last checkpoint is kept", kept)
        : `${message} (${kept})`,
    );
  }
}

/**
 * Trains as configured by `s` (see the file header), reporting progress (progress.ts).
 * On failure before the first checkpoint, a directory created by this run is removed again. (The
 * checkpoint directory only appears with the first complete checkpoint, so Ctrl-C, which ends the
 * process at once, leaves either nothing or a resumable checkpoint.)
 */
export async function trainModel(s: TrainSettings): Promise<TrainOutcome> {
  const lib = await import("difflux/node");
  const data = await loadData(s.data, {
    split: "train",
    n: s.n,
    seed: s.seed,
    ...(s.labels === undefined ? {} : { labels: s.labels }),
  });
  const conditional = data.labels !== null;
  const path = registry.paths.build(s.path, undefined);
  const { weighting: lossWeighting, adaptive } = withContext("--weighting", () =>
    objective(lib, s.weighting),
  );
  const density = withContext("--time-density", () => registry.timeDensities.build(s.timeDensity, undefined));
  const pairing = withContext("--coupling", () => registry.couplings.build(s.coupling, undefined));
  const model = withContext("--width/--depth", () =>
    lib.mlpConfig({
      dim: data.dim,
      width: s.width,
      depth: s.depth,
      activation: s.activation,
      ...(conditional ? { classes: data.classes } : {}),
    }),
  );
  const optimizer = withContext("--lr", () =>
    lib.optimizerConfig({
      lr: s.lr,
      emaDecay: s.ema === 0 ? null : s.ema,
      clipNorm: s.clip === 0 ? null : s.clip,
      schedule:
        s.lrSchedule === "cosine"
          ? {
              kind: "warmupCosine",
              warmupSteps: Math.min(100, Math.ceil(s.steps / 10)),
              totalSteps: s.steps,
              minLr: s.lr / 10,
            }
          : { kind: "constant" },
    }),
  );
  // Image data keeps its [−1, 1] convention; continuous data is standardised unless told not to.
  const normalize = s.normalize !== false && data.quantization === null;
  const prepared = withContext("--data", () =>
    lib.prepareTraining(data.data, data.dim, { standardize: normalize }),
  );
  const sigmaData =
    prepared.parameterization.kind === "preconditioned" ? prepared.parameterization.sigmaData : 1;
  const problem = lib.recipeProblem(path, s.predict, lossWeighting, density, { sigmaData });
  if (problem !== null) {
    throw new UsageError(
      `--path/--predict/--weighting/--time-density: ${problem.replace(/edmWeighting\(\{ sigmaData: ([^ ]+) \}\)/, "--weighting edm:sigmaData=$1")}`,
    );
  }
  const recipe = `${registry.paths.format(s.path)} / ${s.predict}, ${registry.weightings.format(s.weighting)} weighting, ${registry.timeDensities.format(s.timeDensity)} time density`;
  const record: RunRecord = {
    format: "difflux-train-run",
    data: s.data,
    n: s.n ?? null,
    path: s.path,
    predict: s.predict,
    weighting: s.weighting,
    timeDensity: s.timeDensity,
    coupling: s.coupling,
    batch: s.batch,
    seed: s.seed,
    ...(conditional ? { labels: s.labels, labelDropout: s.labelDropout ?? 0 } : {}),
    normalize: s.normalize !== false,
  };

  // Resume when the directory holds a checkpoint.
  let resume:
    | {
        state: ReturnType<Library["loadCheckpoint"]>["state"];
        rng: ReturnType<Library["loadCheckpoint"]>["rng"];
        lossHistory?: Float64Array | null;
      }
    | undefined;
  let history: number[] = [];
  let { parameterization, standardization, data: rows } = prepared;
  if (existsSync(join(s.out, lib.CHECKPOINT_CONFIG))) {
    const previous = readRecord(s.out);
    const diff = sameRecord(previous, record);
    if (diff !== null) {
      throw new UsageError(
        `--out: ${s.out} holds a different run (${diff}) — pass the same options to resume it, or another --out`,
      );
    }
    const ckpt = withContext(`--out ${s.out}: cannot resume`, () =>
      lib.loadCheckpoint(s.out, { model, optimizer, dtype: "float32", kind: s.predict, adaptive }),
    );
    if (ckpt.state.step >= s.steps) {
      throw new UsageError(
        `--steps: ${s.out} is already trained for ${ckpt.state.step} steps — pass a larger --steps to continue`,
      );
    }
    resume = { state: ckpt.state, rng: ckpt.rng, lossHistory: ckpt.lossHistory };
    // A resumed run trains as it began: in its stored parameterization and standardisation.
    parameterization = ckpt.meta.parameterization ?? { kind: "direct" };
    standardization = ckpt.meta.standardization ?? null;
    rows = standardization === null ? data.data : lib.standardize(data.data, standardization);
    history = savedLosses(lib, s.out, ckpt.state.step);
  }
  const start = resume?.state.step ?? 0;
  // Without the earlier losses (loss.csv missing or incomplete), the history starts at this run.
  const firstStep = history.length === start ? 1 : start + 1;

  const meta = {
    path: path.spec,
    kind: s.predict,
    schedule: path.schedule.spec,
    ...(conditional ? { labelDropout: s.labelDropout ?? 0 } : {}),
    parameterization,
    standardization,
  };
  const saver = lib.checkpointSaver(s.out, meta);
  const created = !existsSync(s.out);
  let saved = false;
  const losses: number[] = [...history];
  const sideFiles = (): OutputFile[] => [
    { path: join(s.out, RUN_FILES.record), data: `${JSON.stringify(record, null, 2)}\n` },
    { path: join(s.out, RUN_FILES.losses), data: lossCsv(lib, losses, firstStep) },
  ];

  const batchSource = lib.datasetBatches(path, rows, {
    parameterization,
    batchSize: s.batch,
    dim: data.dim,
    kind: s.predict,
    timeDensity: density,
    coupling: pairing,
    weighting: lossWeighting,
    ...(conditional ? { labels: data.labels!, labelDropout: s.labelDropout ?? 0 } : {}),
  });

  const bar = startProgress("training", s.steps - start);
  const began = Date.now();
  let result: Awaited<ReturnType<Library["train"]>>;
  let lastSaved = start;
  try {
    result = await withDivergence(
      lib,
      s.out,
      () => lastSaved,
      () =>
        lib.train({
          model,
          optimizer,
          steps: s.steps,
          batchSource,
          seed: s.seed,
          dtype: "float32",
          adaptive,
          resume,
          recipe,
          onStep: (info) => {
            losses[info.step - firstStep] = info.loss;
            if (info.step % 10 === 0 || info.step === s.steps)
              bar.update(info.step - start, `loss ${info.loss.toPrecision(3)}`);
          },
          checkpoint: {
            every: s.checkpointEvery,
            save: (snapshot) => {
              saver(snapshot);
              writeFilesAtomic(sideFiles());
              saved = true;
              lastSaved = snapshot.state.step;
            },
          },
        }),
    );
  } catch (err) {
    if (created && !saved) rmSync(s.out, { recursive: true, force: true });
    throw err;
  } finally {
    bar.stop();
  }
  const seconds = (Date.now() - began) / 1000;
  const all = Float64Array.from(losses);
  const png = renderPng(
    lossPlot({
      title: `training loss (${s.predict} on ${registry.paths.format(s.path)}, ${s.data})`,
      losses: all,
      firstStep,
    }),
  );
  const last = all.subarray(Math.max(0, all.length - 100));
  writeFilesAtomic([...sideFiles(), { path: join(s.out, RUN_FILES.plot), data: png }]);
  return {
    dir: s.out,
    resumedFrom: start,
    steps: s.steps,
    losses: all,
    firstStep,
    finalLoss: { steps: last.length, mean: lib.meanAndStandardError(last).mean },
    seconds,
    dataPoints: data.n,
    dim: data.dim,
    files: [
      lib.CHECKPOINT_CONFIG,
      weightsFile(s.out, lib.CHECKPOINT_CONFIG),
      RUN_FILES.record,
      RUN_FILES.losses,
      RUN_FILES.plot,
    ].map((f) => join(s.out, f)),
    parameterization,
    standardized: standardization !== null,
    adaptive:
      adaptive === null || result.state.adaptive === null
        ? null
        : { ...adaptive, weights: Array.from(result.state.adaptive.weights) },
  };
}
