/**
 * `difflux bench-samplers`: error against NFE of several samplers on an exact Gaussian mixture (no
 * training): the ODE error of deterministic samplers and the sliced W₂ of every sampler (mean and
 * spread over seeds), as a table, a CSV/JSON file and a two-panel plot.
 */
import type { Command } from "commander";
import { registry } from "difflux";
import { type CommandValues, defineCommand } from "../command.js";
import {
  choiceOption,
  componentListOption,
  componentOption,
  numberListOption,
  numberOption,
  outputFileOption,
} from "../options.js";
import { formatSpread, formatTable, printJson, say } from "../output.js";
import { SAMPLER_NAMES_NOTE, samplerGrid } from "./shared.js";

/** The options of `bench-samplers`. */
export const BENCH_OPTIONS = {
  dim: choiceOption(["2", "64"] as const, {
    help: "2 (the reference 3-component mixture) or 64 (an 8-component mixture)",
    default: "2",
    value: "d",
  }),
  nfe: numberListOption({
    help: "comma-separated NFE budgets",
    integer: true,
    min: 1,
    max: 10000,
    default: "5,10,20,50",
  }),
  samplers: componentListOption(registry.samplers, {
    help: "comma-separated samplers (see Samplers below)",
    default: "euler,heun,dpm-solver,euler-ancestral",
  }),
  path: componentOption(registry.paths, {
    help: `probability path: ${registry.paths.names.join(", ")} (convert --help describes them)`,
    default: "rectified-flow",
  }),
  grid: componentOption(registry.grids, {
    help: "time grid (see Grids below) for samplers whose name implies none",
    default: "uniform",
  }),
  n: numberOption({ help: "samples per run", integer: true, min: 2, max: 1_000_000, default: 2000 }),
  seed: numberOption({
    help: "first seed of the noise, the exact samples and the projections",
    integer: true,
    min: 0,
    default: 0,
  }),
  seeds: numberOption({
    help: "number of seeds; the table gives sliced W₂ as mean ± standard deviation",
    integer: true,
    min: 1,
    max: 100,
    default: 3,
  }),
  out: outputFileOption([".csv", ".json"], {
    help: "write the table as .csv or .json",
    example: "bench.csv",
  }),
  plot: outputFileOption([".png", ".svg"], {
    help: "plot both errors against NFE (log–log)",
    example: "nfe.png",
  }),
} as const;

type Values = CommandValues<typeof BENCH_OPTIONS>;

/** The `bench-samplers` command (see the file header). */
export function benchSamplersCommand(): Command {
  return defineCommand({
    name: "bench-samplers",
    summary: "error vs NFE of samplers on an exact Gaussian mixture (no training)",
    description:
      "Compare samplers at equal numbers of function evaluations (NFE) with the exact denoiser of a Gaussian mixture as the model, so every error is the sampler's: the RMS distance to the exact probability-flow solution from the same noise (deterministic samplers; the first seed's noise) and the sliced W₂ distance to exact samples (every sampler, with the sample-size floor for scale) as mean ± standard deviation over --seeds seeds.",
    options: BENCH_OPTIONS,
    notes: [
      ["Samplers (NAME or NAME:param=value)", `${registry.samplers.help()}\n${SAMPLER_NAMES_NOTE}`],
      ["Grids", registry.grids.help()],
    ],
    examples: [
      ["the default comparison in 2-D, with a plot", "difflux bench-samplers --plot nfe.png"],
      [
        "higher-order solvers in 64-D on the VP path with a Karras grid",
        "difflux bench-samplers --dim 64 --path vp --grid karras --samplers heun,dpm-solver:order=3,unipc:order=3,rk4 --nfe 10,20,40",
      ],
      [
        "UI names bring their grid; five seeds",
        'difflux bench-samplers --path edm --samplers "DPM++ 2M Karras,Euler a,sample_heun" --seeds 5',
      ],
    ],
    check: (o, given) => {
      o.samplers = o.samplers.map((s) => ({
        choice: s.choice,
        ...(s.grid === undefined
          ? {}
          : { grid: samplerGrid(s, o.grid, given.has("grid"), "--samplers").choice }),
      }));
    },
    run: runBench,
  });
}

async function runBench(o: Values): Promise<void> {
  const { benchSamplers } = await import("../run/bench.js");
  const { benchFiles, benchLabel } = await import("../run/figures.js");
  const { writeFilesAtomic } = await import("../outputFiles.js");
  const pathName = registry.paths.format(o.path.choice);
  const r = await benchSamplers({
    dim: o.dim === "2" ? 2 : 64,
    nfe: o.nfe,
    samplers: o.samplers.map((s) => ({ sampler: s.choice, grid: s.grid ?? o.grid.choice })),
    path: registry.paths.build(o.path.choice, undefined),
    n: o.n,
    seed: o.seed,
    seeds: o.seeds,
  });
  const grids = [...new Set(r.rows.map((row) => row.grid))];
  const title = `${r.mixture.components}-component Gaussian mixture, dim ${r.mixture.dim}, ${pathName}, ${grids.join("/")} grid`;
  const files = benchFiles(r, { title, out: o.out, plot: o.plot });
  writeFilesAtomic(files);
  if (o.json) {
    printJson({
      command: "bench-samplers",
      title,
      n: o.n,
      seeds: r.seeds,
      floor: r.floor,
      rows: r.rows,
      files: files.map((f) => f.path),
    });
    return;
  }
  const seeds =
    r.seeds.length === 1
      ? `seed ${o.seed}`
      : `sliced W₂ as mean ± sd over seeds ${o.seed}…${o.seed + o.seeds - 1}, ODE error from seed ${o.seed}`;
  say(`${title}, ${o.n} samples, ${seeds}`);
  say(
    formatTable({
      columns: ["sampler", "NFE", "steps", "ODE error", "sliced W₂", "seconds"],
      rows: r.rows.map((row) => [
        benchLabel(r, row),
        row.nfe,
        row.steps,
        row.odeError,
        formatSpread(row.slicedW2),
        row.seconds,
      ]),
    }),
  );
  say(`sliced W₂ between two exact sample sets of this size (floor): ${formatSpread(r.floor)}`);
  if (files.length > 0) say(`wrote ${files.map((f) => f.path).join(", ")}`);
}
