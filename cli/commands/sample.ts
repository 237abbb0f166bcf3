/**
 * `difflux sample`: draws samples from a trained model with any sampler and time grid — optionally
 * on another path than the one it was trained on (the library's `retime`) — and writes them as .npy
 * or .csv, with optional plots of the samples and of their trajectories.
 */
import type { Command } from "commander";
import { registry } from "difflux";
import { type CommandValues, defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { componentOption, flagOption, numberOption, outputFileOption, textOption } from "../options.js";
import { formatNumber, printJson, say } from "../output.js";
import { applySamplerGrid, SAMPLER_NAMES_NOTE } from "./shared.js";

/** The options of `sample`. */
export const SAMPLE_OPTIONS = {
  ckpt: textOption({
    help: "checkpoint directory written by difflux train",
    value: "dir",
    required: true,
    example: "runs/moons",
  }),
  out: outputFileOption([".npy", ".csv"], {
    help: "where to write the samples: .npy or .csv",
    required: true,
    example: "samples.npy",
  }),
  sampler: componentOption(registry.samplers, { help: "the sampler (see Samplers below)", default: "heun" }),
  steps: numberOption({
    help: "number of grid steps (the NFE depends on the sampler)",
    integer: true,
    min: 1,
    max: 100000,
    default: 20,
  }),
  grid: componentOption(registry.grids, { help: "the time grid (see Grids below)", default: "uniform" }),
  path: componentOption(registry.paths, {
    help: `sample on this path instead of the training path: ${registry.paths.names.join(", ")}`,
    example: "cosine",
  }),
  n: numberOption({ help: "number of samples", integer: true, min: 1, max: 10_000_000, default: 1000 }),
  seed: numberOption({
    help: "seed of the initial noise and of stochastic samplers",
    integer: true,
    min: 0,
    default: 0,
  }),
  plot: outputFileOption([".png", ".svg"], {
    help: "plot the samples (2-D: over the training data; images: a grid)",
    example: "samples.png",
  }),
  trajectories: outputFileOption([".png", ".svg"], {
    help: "plot the paths of the first 100 samples (first two coordinates)",
    example: "paths.png",
  }),
  ema: flagOption("use the raw weights instead of their EMA", true),
} as const;

type Values = CommandValues<typeof SAMPLE_OPTIONS>;

/** The `sample` command (see the file header). */
export function sampleCommand(): Command {
  return defineCommand({
    name: "sample",
    summary: "draw samples from a trained model with any sampler, grid and path",
    description:
      "Draw samples from a trained model. Any sampler runs on any grid; --path samples on another path than the training one (the prediction is retimed exactly, matching log-SNR). Sample i depends only on --seed and i. Writes .npy or .csv (n × dim, in the model's data space).",
    options: SAMPLE_OPTIONS,
    notes: [
      ["Samplers (NAME or NAME:param=value)", `${registry.samplers.help()}\n${SAMPLER_NAMES_NOTE}`],
      ["Grids", registry.grids.help()],
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
        "the same sampler and grid by its UI name",
        'difflux sample --ckpt runs/vp --sampler "DPM++ 2M Karras" --steps 10 --out s.npy',
      ],
      [
        "a rectified-flow model sampled on the cosine path, with trajectories",
        "difflux sample --ckpt runs/moons --path cosine --out s.npy --trajectories paths.png",
      ],
    ],
    check: (o, given) => {
      applySamplerGrid(o, given);
      const files = [o.out, o.plot, o.trajectories].filter((f) => f !== undefined);
      if (new Set(files).size !== files.length)
        throw new UsageError("--out, --plot and --trajectories must be different files");
    },
    run: runSample,
  });
}

async function runSample(o: Values): Promise<void> {
  const lib = await import("difflux/node");
  const { loadTrainedModel } = await import("../run/model.js");
  const { drawSamples } = await import("../run/sampling.js");
  const { samplePlots } = await import("../run/figures.js");
  const { writeFilesAtomic } = await import("../files.js");
  const trained = await loadTrainedModel(o.ckpt, o.ema);
  const pathName = o.path === undefined ? null : registry.paths.format(o.path.choice);
  const model =
    o.path === undefined
      ? trained.model
      : lib.retime(trained.model, registry.paths.build(o.path.choice, undefined));
  const sampler = registry.samplers.format(o.sampler.choice);
  const grid = registry.grids.format(o.grid.choice);
  const r = await drawSamples(model, {
    sampler: o.sampler.choice,
    grid: o.grid.choice,
    steps: o.steps,
    n: o.n,
    dim: trained.dim,
    seed: o.seed,
    trajectories: o.trajectories === undefined ? 0 : 100,
  });
  const title = `${sampler}, ${grid} grid, ${o.steps} steps (${r.nfe} NFE) on ${pathName ?? "the training path"}`;
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
  const files = [{ path: o.out, data: bytes }, ...figures];
  writeFilesAtomic(files);
  if (o.json) {
    printJson({
      command: "sample",
      ckpt: o.ckpt,
      step: trained.step,
      ema: trained.ema,
      sampler,
      grid,
      steps: o.steps,
      nfe: r.nfe,
      path: pathName,
      n: o.n,
      dim: trained.dim,
      seed: o.seed,
      seconds: r.seconds,
      files: files.map((f) => f.path),
    });
    return;
  }
  say(`sampled ${o.n} × ${trained.dim} with ${title} in ${formatNumber(r.seconds)} s`);
  say(`wrote ${files.map((f) => f.path).join(", ")}`);
}
