/**
 * `difflux train`: trains the time-conditioned MLP on a dataset or data file with any path, kind,
 * weighting, time density and coupling, checkpointing into --out; a directory that already holds
 * a checkpoint is resumed (bit for bit as if never stopped). The objective's batches come from the
 * library's `trainingBatch`; the loop, optimizer and checkpoints are the library's `train`.
 */
import type { Command } from "commander";
import { defineCommand } from "../command.js";
import { COUPLINGS, componentHelp, parseComponent, TIME_DENSITIES, WEIGHTINGS } from "../components.js";
import { DATASET_HELP } from "../data.js";
import { KIND_NAMES } from "../kinds.js";
import { formatNumber, printJson, say } from "../output.js";
import { PATH_NAMES } from "../paths.js";
import { progressEnabled } from "../progress.js";
import type { TrainSettings } from "../run/training.js";

/** Kinds a network can be trained to predict (drift needs a g² schedule the CLI does not take). */
export const TRAIN_KINDS = KIND_NAMES.filter((k) => k !== "drift");

/** The `train` command (see the file header). */
export function trainCommand(): Command {
  return defineCommand({
    name: "train",
    summary: "train a model on a dataset or data file, checkpointing into a directory (resumable)",
    description:
      "Train the time-conditioned MLP to predict one kind on a probability path, with a chosen loss weighting, time density and data–noise coupling. Checkpoints, the loss history (loss.csv, loss.png) and the run record (train.json) go to --out; if --out already holds a checkpoint, training resumes from it (pass a larger --steps to continue).",
    options: (cmd) =>
      cmd
        .option("--data <name|file>", `training data: ${DATASET_HELP}`)
        .option("--out <dir>", "checkpoint directory (created; resumed when it holds a checkpoint)")
        .option("--path <name>", `probability path: ${PATH_NAMES.join(", ")}`, "rectified-flow")
        .option("--predict <kind>", `what the network predicts: ${TRAIN_KINDS.join(", ")}`, "velocity")
        .option("--weighting <name>", "loss weighting (see Weightings below)", "uniform")
        .option(
          "--time-density <name>",
          "density of the training time t (see Time densities below)",
          "uniform",
        )
        .option("--coupling <name>", "data–noise pairing per batch (see Couplings below)", "independent")
        .option("--steps <n>", "total optimizer steps (counting a resumed run's)", "2000")
        .option("--batch <n>", "batch size", "256")
        .option("--lr <lr>", "Adam learning rate", "0.001")
        .option(
          "--lr-schedule <name>",
          "constant, or cosine (linear warmup, cosine decay to lr/10 at --steps)",
          "constant",
        )
        .option("--ema <decay>", "EMA decay of the weights used for sampling (0 = no EMA)", "0.999")
        .option("--clip <norm>", "clip gradients to this global norm (0 = no clipping)", "1")
        .option("--width <n>", "hidden width of the MLP", "256")
        .option("--depth <n>", "hidden layers of the MLP", "3")
        .option("--activation <name>", "silu, gelu, relu or tanh", "silu")
        .option("--n <n>", "training points drawn from a toy dataset (files and digits: the first n)")
        .option("--checkpoint-every <n>", "save a checkpoint every n steps (and at the end)", "500")
        .option("--seed <n>", "seed of the initial weights, batches and toy data", "0"),
    notes: [
      ["Weightings (NAME or NAME:param=value)", componentHelp(WEIGHTINGS)],
      ["Time densities", componentHelp(TIME_DENSITIES)],
      ["Couplings", componentHelp(COUPLINGS)],
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
      ["resume the first run up to 4000 steps", "difflux train --data moons --out runs/moons --steps 4000"],
    ],
    action: runTrain,
  });
}

async function runTrain(values: Record<string, unknown>): Promise<void> {
  const opt = await import("../options.js");
  const o = opt.parseOptions(
    opt.z.object({
      data: opt.z.string({ error: () => "is required — e.g. --data moons, or --data points.csv" }),
      out: opt.outputDirOption("runs/moons"),
      path: opt.choiceOption(PATH_NAMES, "rectified-flow"),
      predict: opt.choiceOption(TRAIN_KINDS, "velocity"),
      weighting: opt.z.string(),
      timeDensity: opt.z.string(),
      coupling: opt.z.string(),
      steps: opt.numberOption({ integer: true, min: 1, example: "2000" }),
      batch: opt.numberOption({ integer: true, min: 1, max: 65536, example: "256" }),
      lr: opt.numberOption({ above: 0, example: "0.001" }),
      lrSchedule: opt.choiceOption(["constant", "cosine"] as const),
      ema: opt.numberOption({ min: 0, max: 0.999999, example: "0.999" }),
      clip: opt.numberOption({ min: 0, example: "1" }),
      width: opt.numberOption({ integer: true, min: 1, max: 4096, example: "256" }),
      depth: opt.numberOption({ integer: true, min: 1, max: 64, example: "3" }),
      activation: opt.choiceOption(["silu", "gelu", "relu", "tanh"] as const),
      n: opt.numberOption({ integer: true, min: 1, example: "10000" }).optional(),
      checkpointEvery: opt.numberOption({ integer: true, min: 1, example: "500" }),
      seed: opt.numberOption({ integer: true, min: 0, example: "0" }),
      json: opt.flagOption,
    }),
    values,
  );
  const settings: TrainSettings = {
    ...o,
    weighting: parseComponent("--weighting", o.weighting, WEIGHTINGS),
    timeDensity: parseComponent("--time-density", o.timeDensity, TIME_DENSITIES),
    coupling: parseComponent("--coupling", o.coupling, COUPLINGS),
  };
  const { trainModel } = await import("../run/training.js");
  const r = await trainModel(settings, progressEnabled(o.json));
  if (o.json) {
    printJson({
      command: "train",
      out: r.dir,
      resumedFrom: r.resumedFrom,
      steps: r.steps,
      seconds: r.seconds,
      data: { source: o.data, points: r.dataPoints, dim: r.dim },
      finalLoss: r.finalLoss.mean,
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
  say(
    `wrote ${r.dir}/ (checkpoint, ${r.files
      .slice(1)
      .map((f) => f.split("/").pop())
      .join(", ")})`,
  );
}
