/**
 * `difflux bench-samplers`: error against NFE of several samplers on an exact Gaussian mixture (no
 * training): the ODE error of deterministic samplers and the sliced W₂ of every sampler, as a
 * table, a CSV/JSON file and a two-panel plot.
 */
import type { Command } from "commander";
import { defineCommand } from "../command.js";
import { componentHelp, GRIDS, parseComponent, SAMPLERS } from "../components.js";
import { formatTable, printJson, say } from "../output.js";
import { PATH_NAMES } from "../paths.js";
import { progressEnabled } from "../progress.js";

/** The `bench-samplers` command (see the file header). */
export function benchSamplersCommand(): Command {
  return defineCommand({
    name: "bench-samplers",
    summary: "error vs NFE of samplers on an exact Gaussian mixture (no training)",
    description:
      "Compare samplers at equal numbers of function evaluations (NFE) with the exact denoiser of a Gaussian mixture as the model, so every error is the sampler's: the RMS distance to the exact probability-flow solution from the same noise (deterministic samplers) and the sliced W₂ distance to exact samples (every sampler, with the sample-size floor for scale).",
    options: (cmd) =>
      cmd
        .option("--dim <d>", "2 (the reference 3-component mixture) or 64 (an 8-component mixture)", "2")
        .option("--nfe <list>", "comma-separated NFE budgets", "5,10,20,50")
        .option(
          "--samplers <list>",
          "comma-separated samplers (see Samplers below)",
          "euler,heun,dpm-solver,euler-ancestral",
        )
        .option("--path <name>", `probability path: ${PATH_NAMES.join(", ")}`, "rectified-flow")
        .option("--grid <name>", "time grid (see Grids below)", "uniform")
        .option("--n <n>", "samples per run", "2000")
        .option("--seed <n>", "seed of the noise and the exact samples", "0")
        .option("--out <file>", "write the table as .csv or .json")
        .option("--plot <file.png>", "plot both errors against NFE (log–log)"),
    notes: [
      ["Samplers (NAME or NAME:param=value)", componentHelp(SAMPLERS)],
      ["Grids", componentHelp(GRIDS)],
    ],
    examples: [
      ["the default comparison in 2-D, with a plot", "difflux bench-samplers --plot nfe.png"],
      [
        "higher-order solvers in 64-D on the VP path with a Karras grid",
        "difflux bench-samplers --dim 64 --path vp --grid karras --samplers heun,dpm-solver:order=3,unipc:order=3,rk4 --nfe 10,20,40",
      ],
    ],
    action: runBench,
  });
}

async function runBench(values: Record<string, unknown>): Promise<void> {
  const opt = await import("../options.js");
  const o = opt.parseOptions(
    opt.z.object({
      dim: opt.choiceOption(["2", "64"] as const),
      nfe: opt.numberListOption({ integer: true, min: 1, max: 10000, example: "5,10,20,50" }),
      samplers: opt.z.string(),
      path: opt.choiceOption(PATH_NAMES, "rectified-flow"),
      grid: opt.z.string(),
      n: opt.numberOption({ integer: true, min: 2, max: 1_000_000, example: "2000" }),
      seed: opt.numberOption({ integer: true, min: 0, example: "0" }),
      out: opt.outputFileOption([".csv", ".json"], "bench.csv").optional(),
      plot: opt.outputFileOption([".png", ".svg"], "nfe.png").optional(),
      json: opt.flagOption,
    }),
    values,
  );
  const samplers = o.samplers.split(",").map((s) => parseComponent("--samplers", s.trim(), SAMPLERS));
  const grid = parseComponent("--grid", o.grid, GRIDS);
  const { pathByName } = await import("../paths.js");
  const { benchSamplers } = await import("../run/bench.js");
  const { benchFiles } = await import("../run/figures.js");
  const { writeFilesAtomic } = await import("../files.js");
  const r = await benchSamplers({
    dim: o.dim === "2" ? 2 : 64,
    nfe: o.nfe,
    samplers,
    grid,
    path: await pathByName(o.path),
    n: o.n,
    seed: o.seed,
    progress: progressEnabled(o.json),
  });
  const title = `${r.mixture.components}-component Gaussian mixture, dim ${r.mixture.dim}, ${o.path}, ${o.grid} grid`;
  writeFilesAtomic(benchFiles(r, { title, out: o.out, plot: o.plot }));
  if (o.json) {
    printJson({
      command: "bench-samplers",
      title,
      n: o.n,
      seed: o.seed,
      floor: r.floor,
      rows: r.rows,
      out: o.out ?? null,
      plot: o.plot ?? null,
    });
    return;
  }
  say(`${title}, ${o.n} samples`);
  say(
    formatTable({
      columns: ["sampler", "NFE", "steps", "ODE error", "sliced W₂", "seconds"],
      rows: r.rows.map((row) => [row.label, row.nfe, row.steps, row.odeError, row.slicedW2, row.seconds]),
    }),
  );
  say(`sliced W₂ between two exact sample sets of this size (floor): ${r.floor.toPrecision(3)}`);
  const written = [o.out, o.plot].filter((f) => f !== undefined);
  if (written.length > 0) say(`wrote ${written.join(", ")}`);
}
