/**
 * `difflux sample`: draws samples from a trained model with any sampler and time grid — optionally
 * on another path than the one it was trained on (the library's `retime`) — and writes them as .npy
 * or .csv, with optional plots of the samples and of their trajectories.
 */
import type { Command } from "commander";
import { defineCommand } from "../command.js";
import { componentHelp, GRIDS, parseComponent, SAMPLERS } from "../components.js";
import { UsageError } from "../errors.js";
import { formatNumber, printJson, say } from "../output.js";
import { PATH_NAMES } from "../paths.js";
import { progressEnabled } from "../progress.js";

/** The `sample` command (see the file header). */
export function sampleCommand(): Command {
  return defineCommand({
    name: "sample",
    summary: "draw samples from a trained model with any sampler, grid and path",
    description:
      "Draw samples from a trained model. Any sampler runs on any grid; --path samples on another path than the training one (the prediction is retimed exactly, matching log-SNR). Sample i depends only on --seed and i. Writes .npy or .csv (n × dim, in the model's data space).",
    options: (cmd) =>
      cmd
        .option("--ckpt <dir>", "checkpoint directory written by difflux train")
        .option("--out <file>", "where to write the samples: .npy or .csv")
        .option("--sampler <name>", "the sampler (see Samplers below)", "heun")
        .option("--steps <n>", "number of grid steps (the NFE depends on the sampler)", "20")
        .option("--grid <name>", "the time grid (see Grids below)", "uniform")
        .option("--path <name>", `sample on this path instead of the training path: ${PATH_NAMES.join(", ")}`)
        .option("--n <n>", "number of samples", "1000")
        .option("--seed <n>", "seed of the initial noise and of stochastic samplers", "0")
        .option("--plot <file.png>", "plot the samples (2-D: over the training data; images: a grid)")
        .option(
          "--trajectories <file.png>",
          "plot the paths of the first 100 samples (first two coordinates)",
        )
        .option("--no-ema", "use the raw weights instead of their EMA"),
    notes: [
      ["Samplers (NAME or NAME:param=value)", componentHelp(SAMPLERS)],
      ["Grids", componentHelp(GRIDS)],
    ],
    examples: [
      [
        "1000 samples with Heun on 20 steps",
        "difflux sample --ckpt runs/moons --out samples.npy --plot samples.png",
      ],
      [
        "DPM-Solver++(3M) on a Karras grid, 10 steps, as CSV",
        "difflux sample --ckpt runs/vp --sampler dpm-solver:order=3 --grid karras --steps 10 --out s.csv",
      ],
      [
        "a rectified-flow model sampled on the cosine path, with trajectories",
        "difflux sample --ckpt runs/moons --path cosine --out s.npy --trajectories paths.png",
      ],
    ],
    action: runSample,
  });
}

async function runSample(values: Record<string, unknown>): Promise<void> {
  const opt = await import("../options.js");
  const o = opt.parseOptions(
    opt.z.object({
      ckpt: opt.z.string({ error: () => "is required — e.g. --ckpt runs/moons" }),
      out: opt.outputFileOption([".npy", ".csv"], "samples.npy"),
      sampler: opt.z.string(),
      steps: opt.numberOption({ integer: true, min: 1, max: 100000, example: "20" }),
      grid: opt.z.string(),
      path: opt.choiceOption(PATH_NAMES, "cosine").optional(),
      n: opt.numberOption({ integer: true, min: 1, max: 10_000_000, example: "1000" }),
      seed: opt.numberOption({ integer: true, min: 0, example: "0" }),
      plot: opt.outputFileOption([".png", ".svg"], "samples.png").optional(),
      trajectories: opt.outputFileOption([".png", ".svg"], "paths.png").optional(),
      ema: opt.z.boolean(),
      json: opt.flagOption,
    }),
    values,
  );
  const sampler = parseComponent("--sampler", o.sampler, SAMPLERS);
  const grid = parseComponent("--grid", o.grid, GRIDS);
  const files = [o.out, o.plot, o.trajectories].filter((f) => f !== undefined);
  if (new Set(files).size !== files.length)
    throw new UsageError(`--out, --plot and --trajectories must be different files`);

  const lib = await import("../../src/node.js");
  const { loadTrainedModel } = await import("../run/model.js");
  const { drawSamples } = await import("../run/sampling.js");
  const { samplePlots } = await import("../run/figures.js");
  const { writeFilesAtomic } = await import("../files.js");
  const trained = await loadTrainedModel(o.ckpt, o.ema);
  const model =
    o.path === undefined
      ? trained.model
      : lib.retime(trained.model, await (await import("../paths.js")).pathByName(o.path));
  const r = await drawSamples(model, {
    sampler,
    grid,
    steps: o.steps,
    n: o.n,
    dim: trained.dim,
    seed: o.seed,
    trajectories: o.trajectories === undefined ? 0 : 100,
    progress: progressEnabled(o.json),
  });
  const title = `${r.samplerName}, ${o.steps} steps (${r.nfe} NFE) on ${o.path ?? "the training path"}`;
  const figures = await samplePlots({
    samples: r.x,
    dim: trained.dim,
    states: r.states,
    data: trained.data,
    title,
    plot: o.plot,
    trajectories: o.trajectories,
  });
  const bytes = o.out.toLowerCase().endsWith(".csv")
    ? lib.formatCsv(r.x, [o.n, trained.dim])
    : lib.encodeNpy(r.x, [o.n, trained.dim]);
  writeFilesAtomic([{ path: o.out, data: bytes }, ...figures]);
  if (o.json) {
    printJson({
      command: "sample",
      ckpt: o.ckpt,
      step: trained.step,
      ema: trained.ema,
      sampler: r.samplerName,
      grid: grid.name,
      steps: o.steps,
      nfe: r.nfe,
      path: o.path ?? null,
      n: o.n,
      dim: trained.dim,
      seed: o.seed,
      seconds: r.seconds,
      out: o.out,
      plots: figures.map((f) => f.path),
    });
    return;
  }
  say(`sampled ${o.n} × ${trained.dim} with ${title} in ${formatNumber(r.seconds)} s`);
  say(`wrote ${[o.out, ...figures.map((f) => f.path)].join(", ")}`);
}
