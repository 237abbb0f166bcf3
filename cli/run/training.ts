/**
 * Training from the command line (used by `train` and `demo`): resolves the named components,
 * feeds the library's `train` with batches from `trainingBatch`, checkpoints into a run folder with
 * the run record (train.json) and the loss history (loss.csv), and resumes from it. The weighting
 * "adaptive" is learned by the trainer (`train`'s `adaptive` option) on uniformly weighted batches.
 *
 * The recipe goes through the library's `prepareTraining` (docs/training.md): continuous data is
 * standardised per coordinate (unless `normalize` is false), image data keeps its [−1, 1] scale, and
 * the network is preconditioned for σ_d of the rows it trains on; both go into the checkpoint, so
 * `sample` and `likelihood` map results back to data units. A recipe `recipeProblem` refuses fails
 * before anything is written (UsageError, exit 2); a run whose loss, gradient or weights stop being
 * finite stops with a `RunFailedError` (exit 3), keeping the last finite checkpoint.
 *
 * The --out folder is a difflux run folder (the library's `RunFolder`): a folder holding files
 * difflux did not write is refused, the folder's lock keeps a second writer out (exit 2, naming the
 * holder), train.json is written before the first checkpoint (so every checkpoint `sample` can load
 * is one `train` resumes), and each checkpoint is committed with config.json as the commit point
 * together with loss.csv (and loss.png at the end), so a reader never sees a half-published
 * checkpoint. The loss history lives in the checkpoint; loss.csv is rewritten from it on resume.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { adaptiveTrainingOf, type Choice, type Kind, type Registry, registry } from "difflux";
import { loadData } from "../data.js";
import { openRunFolder } from "../outputFiles.js";
import { messageOf, RunFailedError, UsageError, withContext } from "../errors.js";
import type { ConfigValue } from "../options.js";
import { lossPlot } from "../plot/plots.js";
import { RUN_FILES } from "./model.js";
import { renderPng } from "../plot/render.js";
import { startProgress } from "../progress.js";
import { RESUMABLE_CHANGES, readTrainRecord, TRAIN_RECORD, trainRecord } from "./runRecord.js";

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

/** The registry of each component field of the settings. */
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

/** The settings as option values in `--print-config` form (components by their canonical text). */
function settingsOptions(s: TrainSettings): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(s)) {
    if (value === undefined) continue;
    out[key] =
      key in RECORD_COMPONENTS
        ? (RECORD_COMPONENTS[key as keyof typeof RECORD_COMPONENTS] as Registry<unknown, unknown>).format(
            value as Choice,
          )
        : (value as ConfigValue);
  }
  return out;
}

/** The first option (other than steps and the checkpoint interval) on which two records differ. */
function recordDifference(
  was: Readonly<Record<string, ConfigValue>>,
  now: Readonly<Record<string, ConfigValue>>,
): string | null {
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (RESUMABLE_CHANGES.has(key)) continue;
    const [a, b] = [JSON.stringify(was[key] ?? null), JSON.stringify(now[key] ?? null)];
    if (a !== b) return `${key} is ${a} in the saved run but ${b} now`;
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
  const record = trainRecord(settingsOptions(s));

  // Claim --out: the lock for the whole run, train.json before any checkpoint.
  const created = !existsSync(s.out);
  const run = openRunFolder(s.out, "difflux train");
  let committed = false;
  let result: Awaited<ReturnType<Library["train"]>>;
  let resume:
    | {
        state: ReturnType<Library["loadCheckpoint"]>["state"];
        rng: ReturnType<Library["loadCheckpoint"]>["rng"];
        lossHistory?: Float64Array | null;
      }
    | undefined;
  let history: number[] = [];
  let { parameterization, standardization, data: rows } = prepared;
  let lastSaved = 0;
  let firstStep = 1;
  let start = 0;
  const losses: number[] = [];
  const began = Date.now();
  try {
    const previous = await readTrainRecord(s.out);
    const hasCheckpoint = run.committed !== null && existsSync(join(s.out, lib.CHECKPOINT_CONFIG));
    if (previous !== null) {
      const diff = recordDifference(previous.options, record.options);
      if (diff !== null) {
        throw new UsageError(
          `--out: ${s.out} holds a different run (${diff}) — resume it with its own options (difflux train --out ${s.out}), or choose another --out`,
        );
      }
    } else if (hasCheckpoint) {
      throw new UsageError(
        `--out: ${s.out} holds a checkpoint but no ${TRAIN_RECORD}, so its options are unknown — sample from it, or train into another --out`,
      );
    }
    committed = hasCheckpoint;

    // Resume when the folder holds a checkpoint.
    if (hasCheckpoint) {
      const ckpt = withContext(`--out ${s.out}: cannot resume`, () =>
        lib.loadCheckpoint(s.out, { model, optimizer, dtype: "float32", kind: s.predict, adaptive }),
      );
      if (ckpt.state.step >= s.steps) {
        throw new UsageError(
          `--steps: ${s.out} is already trained for ${ckpt.state.step} steps — pass a larger --steps to continue`,
        );
      }
      // The checkpoint's history is the record; a checkpoint without one falls back on loss.csv.
      const stored = ckpt.lossHistory ?? null;
      history = stored !== null ? Array.from(stored) : savedLosses(lib, s.out, ckpt.state.step);
      const known = history.length === ckpt.state.step ? Float64Array.from(history) : null;
      resume = { state: ckpt.state, rng: ckpt.rng, lossHistory: known };
      // A resumed run trains as it began: in its stored parameterization and standardisation.
      parameterization = ckpt.meta.parameterization ?? { kind: "direct" };
      standardization = ckpt.meta.standardization ?? null;
      rows = standardization === null ? data.data : lib.standardize(data.data, standardization);
    }
    start = resume?.state.step ?? 0;
    lastSaved = start;
    // Without the earlier losses (no history anywhere), the history starts at this run.
    firstStep = history.length === start ? 1 : start + 1;
    // Checked: the record (with this run's --steps) goes first, then loss.csv as the checkpoint has it.
    run.write(TRAIN_RECORD, `${JSON.stringify(record, null, 2)}\n`);
    if (start > 0) run.write(RUN_FILES.losses, lossCsv(lib, history, firstStep));

    const meta = {
      path: path.spec,
      kind: s.predict,
      schedule: path.schedule.spec,
      ...(conditional ? { labelDropout: s.labelDropout ?? 0 } : {}),
      parameterization,
      standardization,
    };
    losses.push(...history);
    const plot = (all: Float64Array) =>
      renderPng(
        lossPlot({
          title: `training loss (${s.predict} on ${registry.paths.format(s.path)}, ${s.data})`,
          losses: all,
          firstStep,
        }),
      );
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
                // loss.csv (and at the end loss.png) first, so the commit of config.json includes them.
                const kept = snapshot.lossHistory ?? null;
                const shown =
                  kept === null
                    ? Float64Array.from(losses.slice(0, snapshot.state.step - firstStep + 1))
                    : kept.subarray(firstStep - 1);
                run.write(RUN_FILES.losses, lossCsv(lib, Array.from(shown), firstStep));
                if (snapshot.state.step === s.steps)
                  run.write(RUN_FILES.plot, plot(Float64Array.from(shown)));
                lib.saveCheckpoint(run, { meta, ...snapshot });
                committed = true;
                lastSaved = snapshot.state.step;
              },
            },
          }),
      );
    } finally {
      bar.stop();
    }
  } catch (err) {
    // Nothing committed: undo the claim — only files this run wrote, and the folder only if it is
    // left empty (a folder this run did not create is kept).
    if (!committed) {
      run.discard();
      if (!created && !existsSync(s.out)) mkdirSync(s.out, { recursive: true });
    }
    throw err;
  } finally {
    run.close();
  }
  const seconds = (Date.now() - began) / 1000;
  const all = result.lossHistory ?? Float64Array.from(losses);
  const last = all.subarray(Math.max(0, all.length - 100));
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
      `weights-${result.state.step}.safetensors`,
      TRAIN_RECORD,
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
