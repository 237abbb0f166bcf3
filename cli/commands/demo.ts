/**
 * `difflux demo`: the main job on embedded defaults — train a flow-matching model on a 2-D toy,
 * sample with three samplers at several NFE, measure them against held-out data, evaluate the
 * likelihood, and write a self-contained report with plots and metrics.
 */
import type { Command } from "commander";
import { defineCommand } from "../command.js";
import { formatTable, printJson, say } from "../output.js";
import { progressEnabled } from "../progress.js";

/** 2-D toy datasets the demo accepts. */
export const DEMO_DATA = ["moons", "checkerboard", "eight-gaussians", "swiss-roll", "rings", "gmm"] as const;

/** The `demo` command (see the file header). */
export function demoCommand(): Command {
  return defineCommand({
    name: "demo",
    summary: "train, sample and evaluate on a 2-D toy; writes a report (about two minutes)",
    description:
      "The whole pipeline on embedded defaults: trains the default MLP with flow matching (rectified flow, velocity) on a 2-D toy dataset, samples with Euler, Heun and DPM-Solver++ at several NFE, measures sliced W₂ and MMD against held-out data, evaluates the held-out log-likelihood, and writes report.html (self-contained), PNG plots, metrics.json and the trained checkpoint (model/) into --out. --quick runs a tiny configuration in seconds.",
    options: (cmd) =>
      cmd
        .option("--data <name>", `2-D toy dataset: ${DEMO_DATA.join(", ")}`, "moons")
        .option("--out <dir>", "output directory (replaced if it holds an earlier demo)", "out/demo")
        .option("--steps <n>", "training steps (default 4000; --quick: 300)")
        .option("--seed <n>", "seed of data, weights, batches and sampling noise", "0")
        .option("--quick", "a tiny configuration that runs in seconds (for tests and a first look)"),
    examples: [
      ["the full demo on two moons, report in out/demo/report.html", "difflux demo"],
      ["the checkerboard, into another directory", "difflux demo --data checkerboard --out out/checker"],
      ["a seconds-long smoke run with a JSON summary", "difflux demo --quick --out /tmp/demo --json"],
    ],
    action: runDemo,
  });
}

async function runDemo(values: Record<string, unknown>): Promise<void> {
  const opt = await import("../options.js");
  const o = opt.parseOptions(
    opt.z.object({
      data: opt.choiceOption(DEMO_DATA, "moons"),
      out: opt.outputDirOption("out/demo"),
      steps: opt.numberOption({ integer: true, min: 1, max: 1_000_000, example: "4000" }).optional(),
      seed: opt.numberOption({ integer: true, min: 0, example: "0" }),
      quick: opt.flagOption,
      json: opt.flagOption,
    }),
    values,
  );
  const { runDemoPipeline } = await import("../run/demo.js");
  const r = await runDemoPipeline({ ...o, progress: progressEnabled(o.json) });
  if (o.json) {
    printJson({ command: "demo", ...r.metrics, out: o.out, files: r.files });
    return;
  }
  say(formatTable(r.summary));
  say(`\nwrote ${o.out}/: ${r.files.join(", ")}`);
  say(`open ${o.out}/report.html in a browser`);
}
