/**
 * `difflux train`: trains the time-conditioned MLP on a dataset or data file with any path, kind,
 * weighting, time density and coupling, checkpointing into --out; a directory that already holds
 * a checkpoint is resumed (bit for bit as if never stopped). The objective's batches come from the
 * library's `trainingBatch`; the loop, optimizer and checkpoints are the library's `train`.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { KINDS, registry } from "difflux";
import { ACTIVATIONS } from "difflux/node";
import { type CommandValues, defineCommand } from "../command.js";
import { DATASET_HELP } from "../data.js";
import { UsageError } from "../errors.js";
import {
  choiceOption,
  componentOption,
  flagOption,
  numberOption,
  outputDirOption,
  textOption,
} from "../options.js";
import { formatNumber, printJson, say } from "../output.js";

/** Kinds a network can be trained to predict (drift needs a g² schedule the CLI does not take). */
export const TRAIN_KINDS = KINDS.filter((k): k is Exclude<typeof k, "drift"> => k !== "drift");

/** The options of `train`. */
export const TRAIN_OPTIONS = {
  data: textOption({
    help: `training data: ${DATASET_HELP} (required for a new run; a resumed run takes it from its train.json)`,
    value: "name|file",
    example: "moons",
  }),
  out: outputDirOption({
    help: "run folder: new or empty (created), or an earlier run, which is resumed with the options of its train.json",
    example: "runs/moons",
  }),
  resume: textOption({
    help: "resume the run in this folder with the options of its train.json (as --out DIR on an existing run, but DIR must hold one)",
    value: "dir",
    example: "runs/moons",
  }),
  path: componentOption(registry.paths, {
    help: `probability path: ${registry.paths.names.join(", ")} (convert --help describes them)`,
    default: "rectified-flow",
  }),
  predict: choiceOption(TRAIN_KINDS, {
    help: `what the network predicts: ${TRAIN_KINDS.join(", ")}`,
    default: "velocity",
    value: "kind",
  }),
  weighting: componentOption(registry.weightings, {
    help: "loss weighting (see Weightings below)",
    default: "uniform",
  }),
  timeDensity: componentOption(registry.timeDensities, {
    help: "density of the training time t (see Time densities below)",
    default: "uniform",
  }),
  coupling: componentOption(registry.couplings, {
    help: "data–noise pairing per batch (see Couplings below)",
    default: "independent",
  }),
  steps: numberOption({
    help: "total optimizer steps (counting a resumed run's)",
    integer: true,
    min: 1,
    default: 2000,
  }),
  batch: numberOption({ help: "batch size", integer: true, min: 1, max: 65536, default: 256 }),
  lr: numberOption({ help: "Adam learning rate", above: 0, default: 0.001, value: "lr" }),
  lrSchedule: choiceOption(["constant", "cosine"] as const, {
    help: "constant, or cosine (linear warmup, cosine decay to lr/10 at --steps)",
    default: "constant",
  }),
  ema: numberOption({
    help: "EMA decay of the weights used for sampling (0 = no EMA)",
    min: 0,
    max: 0.999999,
    default: 0.999,
    value: "decay",
  }),
  clip: numberOption({
    help: "clip gradients to this global norm (0 = no clipping)",
    min: 0,
    default: 1,
    value: "norm",
  }),
  width: numberOption({ help: "hidden width of the MLP", integer: true, min: 1, max: 4096, default: 256 }),
  depth: numberOption({ help: "hidden layers of the MLP", integer: true, min: 1, max: 64, default: 3 }),
  activation: choiceOption(ACTIVATIONS, {
    help: `activation of the MLP: ${ACTIVATIONS.join(", ")}`,
    default: "silu",
  }),
  normalize: flagOption(
    "train on the data as given instead of standardised per coordinate (image data such as digits keeps its [−1, 1] scale either way)",
    true,
  ),
  n: numberOption({
    help: "training points drawn from a toy dataset (files and digits: the first n)",
    integer: true,
    min: 1,
    example: "10000",
  }),
  checkpointEvery: numberOption({
    help: "save a checkpoint every n steps (and at the end)",
    integer: true,
    min: 1,
    default: 500,
  }),
  seed: numberOption({
    help: "seed of the initial weights, batches and toy data",
    integer: true,
    min: 0,
    default: 0,
  }),
  labels: textOption({
    help: 'train a class-conditional model: a CSV column (name or 0-based index; not a data column then), a file with one label per row, or "label" for digits',
    value: "column|file",
    example: "label",
  }),
  labelDropout: numberOption({
    help: "probability of training a row as unlabelled, so the model also learns the unconditional branch classifier-free guidance needs (with --labels)",
    min: 0,
    max: 0.99,
    example: "0.1",
    value: "p",
  }),
} as const;

type Values = CommandValues<typeof TRAIN_OPTIONS>;

/** The `train` command (see the file header). */
export function trainCommand(): Command {
  return defineCommand({
    name: "train",
    summary: "train a model on a dataset or data file, checkpointing into a directory (resumable)",
    description:
      "Train the time-conditioned MLP to predict one kind on a probability path, with a chosen loss weighting, time density and data–noise coupling; with --labels it is class-conditional (and --label-dropout trains the unconditional branch guidance needs). Checkpoints, the loss history (loss.csv, loss.png) and the run record (train.json, every option of the run) go to --out, which must be new, empty or an earlier run (a folder holding other files is refused; one run writes a folder at a time). On an earlier run (--out DIR or --resume DIR) training resumes from its last checkpoint with the options of its train.json — an option given that disagrees is an error, except --steps (pass a larger one to continue) and --checkpoint-every.",
    options: TRAIN_OPTIONS,
    notes: [
      [
        "Recipes and failures",
        [
          "  Continuous data is standardised per coordinate (mean 0, variance 1; --no-normalize keeps it as given)",
          "  and the network is preconditioned for every path and kind (EDM's c_in, c_skip, c_out with the noise",
          "  level τ = α/(α + σ) as its time input); both are saved in the checkpoint, so sample and likelihood",
          "  give results in the data's units. The EMA decay warms up as min(decay, 1 − (1 + k/γ)^(−p)) over step",
          "  k (γ = 1, p = 3/4), so it forgets the initial weights at any run length. A recipe whose loss weight",
          "  on the network's error is unbounded or concentrated on a few noise levels is refused before training",
          "  (exit code 2, with the reason and a fix). A run whose loss, gradients or weights stop being finite",
          "  stops with one line naming the step, the recipe and the likely cause, and exit code 3; the last",
          "  finite checkpoint is kept and nothing non-finite is written.",
        ].join("\n"),
      ],
      ["Weightings (NAME or NAME:param=value)", registry.weightings.help()],
      ["Time densities", registry.timeDensities.help()],
      ["Couplings", registry.couplings.help()],
    ],
    examples: [
      [
        "flow matching on two moons (rectified flow, velocity)",
        "difflux train --data moons --out runs/moons",
      ],
      [
        "a VP diffusion model predicting ε with min-SNR weighting",
        "difflux train --data checkerboard --path vp --predict noise --weighting min-snr:gamma=5 --out runs/vp",
      ],
      [
        "OT-CFM with SD3's logit-normal times on your own data",
        "difflux train --data points.csv --coupling exact-ot --time-density logit-normal --steps 5000 --out runs/mine",
      ],
      [
        "learned adaptive loss weights over 16 time bins (saved in the checkpoint, resumed with it)",
        "difflux train --data moons --weighting adaptive:bins=16 --out runs/adaptive",
      ],
      [
        "resume the first run up to 4000 steps (its other options come from its train.json)",
        "difflux train --resume runs/moons --steps 4000",
      ],
      [
        "a class-conditional model of the digits, 10 % of rows unlabelled (for --guidance)",
        "difflux train --data digits --labels label --label-dropout 0.1 --out runs/digits",
      ],
      [
        "labels from a CSV column",
        "difflux train --data points.csv --labels class --label-dropout 0.1 --out runs/classes",
      ],
      [
        "keep a run's options in a file",
        "difflux train --data moons --out runs/moons --print-config > moons.json",
      ],
    ],
    run: runTrain,
  });
}

/**
 * The values of this run: with --resume DIR, or --out DIR holding a run, every option not given comes
 * from DIR's train.json and a given one that disagrees is an error (runRecord.ts).
 */
async function resolveRun(
  o: Values,
  given: ReadonlySet<string>,
): Promise<Values & { out: string; data: string }> {
  const { readTrainRecord, resumedValues } = await import("../run/runRecord.js");
  if (o.resume !== undefined && o.out !== undefined && resolve(o.resume) !== resolve(o.out)) {
    throw new UsageError(
      `--resume: ${o.resume} and --out ${o.out} name different folders — pass one of them (--resume DIR resumes the run in DIR)`,
    );
  }
  const out = o.resume ?? o.out;
  if (out === undefined) {
    throw new UsageError("--out is required — e.g. --out runs/moons (or --resume DIR to resume a run)");
  }
  const record = await readTrainRecord(out);
  if (record === null && o.resume !== undefined) {
    throw new UsageError(
      `--resume: ${o.resume} holds no difflux train run (no train.json) — pass the --out folder of an earlier difflux train`,
    );
  }
  const values = record === null ? o : resumedValues(TRAIN_OPTIONS, o, given, record, out);
  if (values.data === undefined) {
    throw new UsageError("--data is required for a new run — e.g. --data moons");
  }
  return { ...values, out, data: values.data };
}

async function runTrain(given: Values, set: ReadonlySet<string>): Promise<void> {
  const { resume: _, ...o } = await resolveRun(given, set);
  // Checked here, not in `check`: --print-config prints --label-dropout on its own.
  if (o.labelDropout !== undefined && o.labels === undefined)
    throw new UsageError("--label-dropout needs --labels (the dropout drops labels)");
  const { trainModel } = await import("../run/training.js");
  const r = await trainModel({
    ...o,
    path: o.path.choice,
    weighting: o.weighting.choice,
    timeDensity: o.timeDensity.choice,
    coupling: o.coupling.choice,
  });
  if (o.json) {
    printJson({
      command: "train",
      out: r.dir,
      resumedFrom: r.resumedFrom,
      steps: r.steps,
      seconds: r.seconds,
      data: { source: o.data, points: r.dataPoints, dim: r.dim },
      finalLoss: r.finalLoss.mean,
      parameterization: r.parameterization,
      standardized: r.standardized,
      files: r.files,
      ...(r.adaptive !== null ? { adaptive: r.adaptive } : {}),
    });
    return;
  }
  say(
    `${r.resumedFrom > 0 ? `resumed at step ${r.resumedFrom}, ` : ""}trained ${r.steps - r.resumedFrom} steps in ${r.seconds.toFixed(1)} s on ${r.dataPoints} points of dimension ${r.dim}; mean loss of the last ${r.finalLoss.steps} steps ${formatNumber(r.finalLoss.mean)}`,
  );
  if (r.adaptive !== null) {
    const w = r.adaptive.weights;
    const lowest = w.indexOf(Math.min(...w));
    const highest = w.indexOf(Math.max(...w));
    say(
      `learned loss weights over ${w.length} time bins: lowest ${formatNumber(w[lowest]!)} (bin ${lowest + 1}), highest ${formatNumber(w[highest]!)} (bin ${highest + 1}; bins run from t = 0, noise, to t = 1, data)`,
    );
  }
  say(`wrote ${r.dir}/ (${r.files.map((f) => f.split("/").pop()).join(", ")})`);
}
