/**
 * `difflux demo`: the main job on embedded defaults — train a flow-matching model on a 2-D toy,
 * sample with three samplers at several NFE, measure them against held-out data, evaluate the
 * likelihood, and write a self-contained report with plots and metrics.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { type CommandValues, defineCommand } from "../command.js";
import { TOY_DATASETS } from "../data.js";
import { choiceOption, flagOption, numberOption, outputDirOption } from "../options.js";
import { formatTable, printJson, say } from "../output.js";
import { DEMO_STEPS } from "../run/demoConfig.js";

/** The options of `demo`. */
export const DEMO_OPTIONS = {
  data: choiceOption(TOY_DATASETS, { help: `2-D toy dataset: ${TOY_DATASETS.join(", ")}`, default: "moons" }),
  out: outputDirOption({
    help: "output directory (replaced if it holds an earlier demo)",
    default: "out/demo",
    example: "out/demo",
  }),
  steps: numberOption({
    help: `training steps (default ${DEMO_STEPS.full}; --quick: ${DEMO_STEPS.quick})`,
    integer: true,
    min: 1,
    max: 1_000_000,
    example: String(DEMO_STEPS.full),
  }),
  seed: numberOption({
    help: "seed of data, weights, batches and sampling noise",
    integer: true,
    min: 0,
    default: 0,
  }),
  quick: flagOption("a tiny configuration that runs in seconds (for tests and a first look)"),
} as const;

type Values = CommandValues<typeof DEMO_OPTIONS>;

/** The `demo` command (see the file header). */
export function demoCommand(): Command {
  return defineCommand({
    name: "demo",
    summary: "train, sample and evaluate on a 2-D toy; writes a report (about half a minute on 2 cores)",
    description:
      "The whole pipeline on embedded defaults: trains the default MLP with flow matching (rectified flow, velocity) on a 2-D toy dataset, samples with Euler, Heun and DPM-Solver++ at several NFE, measures sliced W₂ and MMD² against held-out data (next to the data-vs-data floor and its spread over seeds), evaluates the held-out log-likelihood, and writes report.html (self-contained), PNG plots, metrics.json and the trained checkpoint (model/) into --out. --quick runs a tiny configuration in seconds.",
    options: DEMO_OPTIONS,
    examples: [
      ["the full demo on two moons, report in out/demo/report.html", "difflux demo"],
      ["the checkerboard, into another directory", "difflux demo --data checkerboard --out out/checker"],
      ["a seconds-long smoke run with a JSON summary", "difflux demo --quick --out /tmp/demo --json"],
    ],
    run: runDemo,
  });
}

async function runDemo(o: Values): Promise<void> {
  const { runDemoPipeline } = await import("../run/demo.js");
  const r = await runDemoPipeline(o);
  if (o.json) {
    printJson({ command: "demo", ...r.metrics, out: o.out, files: r.files.map((f) => join(o.out, f)) });
    return;
  }
  say(formatTable(r.summary));
  say(`\nwrote ${o.out}/: ${r.files.join(", ")}`);
  say(`open ${o.out}/report.html in a browser`);
}
