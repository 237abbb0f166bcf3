/**
 * `difflux eval`: the demo's metrics for any sample file against data — sliced W₂ and MMD² of the
 * samples to the data next to the data-vs-data floor (two independent data sets of the same size),
 * each as mean ± standard deviation over seeds (run/metrics.ts).
 */
import type { Command } from "commander";
import { type CommandValues, defineCommand } from "../command.js";
import { DATASET_HELP } from "../data.js";
import { UsageError } from "../errors.js";
import { choiceOption, inputFileOption, numberOption, textOption } from "../options.js";
import { formatSpread, formatTable, printJson, say } from "../output.js";

/** The options of `eval`. */
export const EVAL_OPTIONS = {
  samples: inputFileOption([".npy", ".csv"], {
    help: "the samples to evaluate (n × dim), e.g. written by difflux sample",
    required: true,
    example: "samples.npy",
  }),
  data: textOption({
    help: `the data to compare with: ${DATASET_HELP}`,
    value: "name|file",
    required: true,
    example: "moons",
  }),
  split: choiceOption(["heldout", "train"] as const, {
    help: "heldout or train, for a named dataset",
    default: "heldout",
    value: "split",
  }),
  n: numberOption({
    help: "data points of a named dataset (default 2 × the samples: the floor needs two disjoint sets)",
    integer: true,
    min: 4,
    example: "4000",
  }),
  seed: numberOption({
    help: "first seed of the data split, the subsets and the projections",
    integer: true,
    min: 0,
    default: 0,
  }),
  seeds: numberOption({
    help: "number of seeds the spread is taken over",
    integer: true,
    min: 1,
    max: 1000,
    default: 5,
  }),
} as const;

type Values = CommandValues<typeof EVAL_OPTIONS>;

/** The `eval` command (see the file header). */
export function evalCommand(): Command {
  return defineCommand({
    name: "eval",
    summary: "sliced W₂ and MMD² of a sample file against data, next to the data-vs-data floor",
    description:
      "Measure samples against data with the demo's metrics: sliced W₂ (random projections) and the unbiased RBF MMD² (median-heuristic bandwidth). For each seed the data is split into two disjoint sets A and B of m points (m = the number of samples, or half the data if that is less); the samples are compared with B, and A with B gives the floor a perfect sampler would reach. Each is reported as mean ± standard deviation over --seeds seeds.",
    options: EVAL_OPTIONS,
    examples: [
      ["samples of a moons model against held-out moons", "difflux eval --samples samples.npy --data moons"],
      [
        "against your own data file, 10 seeds, as JSON",
        "difflux eval --samples s.csv --data test.csv --seeds 10 --json",
      ],
    ],
    run: runEval,
  });
}

async function runEval(o: Values): Promise<void> {
  const lib = await import("difflux/node");
  const { loadData } = await import("../data.js");
  const { compareToData } = await import("../run/metrics.js");
  const samples = await loadData(o.samples).catch((err: Error) => {
    throw new UsageError(err.message.replace(/^--data/, "--samples"));
  });
  const data = await loadData(o.data, { split: o.split, n: o.n ?? 2 * samples.n, seed: o.seed });
  if (data.dim !== samples.dim) {
    throw new UsageError(
      `--data: ${o.data} has ${data.dim} coordinates per point but the samples in ${o.samples} have ${samples.dim} — compare data of the same dimension`,
    );
  }
  if (data.n < 4) {
    throw new UsageError(
      `--data: ${o.data} has ${data.n} points; the floor needs at least 4 — pass more data`,
    );
  }
  const seeds = Array.from({ length: o.seeds }, (_, k) => o.seed + k);
  const r = compareToData(lib, samples.data, data.data, data.dim, seeds);
  if (o.json) {
    printJson({
      command: "eval",
      samples: { file: o.samples, points: samples.n, dim: samples.dim },
      data: { source: o.data, split: data.named ? o.split : null, points: data.n },
      pointsPerSet: r.m,
      seeds: r.seeds,
      slicedW2: { samples: r.samples.slicedW2, floor: r.floor.slicedW2 },
      mmd2: { samples: r.samples.mmd2, floor: r.floor.mmd2 },
      files: [],
    });
    return;
  }
  const seedText =
    o.seeds === 1 ? `seed ${o.seed}` : `mean ± sd over seeds ${o.seed}…${o.seed + o.seeds - 1}`;
  say(
    `${o.samples} (${samples.n} × ${samples.dim}) against ${o.data}${data.named ? ` (${o.split}, ${data.n} points)` : ` (${data.n} points)`}: ${r.m} points per set, ${seedText}`,
  );
  say(
    formatTable({
      columns: ["metric", "samples vs data", "data vs data (floor)"],
      rows: [
        ["sliced W₂", formatSpread(r.samples.slicedW2), formatSpread(r.floor.slicedW2)],
        ["MMD²", formatSpread(r.samples.mmd2), formatSpread(r.floor.mmd2)],
      ],
    }),
  );
}
