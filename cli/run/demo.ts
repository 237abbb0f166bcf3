/**
 * The demo pipeline: train → sample with three samplers at several NFE → measure (sliced W₂ and
 * MMD against held-out data, held-out log-likelihood) → figures, metrics.json and report.html.
 * --out is a difflux run folder (the library's `RunFolder`): new, empty or an earlier demo (a folder
 * holding other files is refused), locked for the whole demo so two demos never write it at once.
 * The model is trained into --out/model (an earlier demo's model there is discarded first: only the
 * files that run listed); the report, figures and metrics.json are committed together with
 * metrics.json as the commit point, so a reader sees the earlier report or the new one, whole. A
 * failed demo leaves the earlier report in place.
 */
import { join, relative } from "node:path";
import { registry } from "difflux";
import { loadData } from "../data.js";
import { openRunFolder } from "../outputFiles.js";
import { messageOf, UsageError } from "../errors.js";
import { formatSpread, type Table } from "../output.js";
import { type LineOptions, linePanels, lossPlot, scatterPlot, trajectoryPlot } from "../plot/plots.js";
import { renderPng } from "../plot/render.js";
import { PALETTE } from "../plot/svg.js";
import { buildReport } from "../report.js";
import { DEMO_SAMPLERS, demoConfiguration } from "./demoConfig.js";
import { evaluateLikelihood } from "./likelihood.js";
import { distances, spreads } from "./metrics.js";
import { loadTrainedModel } from "./model.js";
import { drawSamples, stepsForNfe } from "./sampling.js";
import { trainModel } from "./training.js";

/** Options of the demo. */
export interface DemoSettings {
  readonly data: string;
  readonly out: string;
  readonly steps?: number;
  readonly seed: number;
  readonly quick: boolean;
}

/** What the demo produced: the summary table, the metrics (metrics.json) and the files written. */
export interface DemoOutcome {
  readonly summary: Table;
  readonly metrics: Record<string, unknown>;
  /** Every file written, relative to --out (the checkpoint's files included). */
  readonly files: readonly string[];
}

/** Seeds of the data-vs-data floor's spread (the first is the floor the samplers are compared with). */
const FLOOR_SEEDS = { full: 5, quick: 3 } as const;

type Library = typeof import("difflux/node");

/** Discards the model of an earlier demo in `dir` (only what that run listed), so training starts afresh. */
function discardEarlierModel(lib: Library, dir: string): void {
  if (lib.runFolderProblem(dir) !== null || lib.readRunRecord(dir) === null) return;
  lib.RunFolder.open(dir, "difflux demo").discard();
}

/** Runs the demo (see the file header). */
export async function runDemoPipeline(s: DemoSettings): Promise<DemoOutcome> {
  const lib = await import("difflux/node");
  const c = demoConfiguration(s);
  const run = openRunFolder(s.out, "difflux demo");
  try {
    // 1. Train.
    const modelDir = join(s.out, "model");
    withContextOut(() => discardEarlierModel(lib, modelDir));
    const trained = await trainModel({
      data: c.data,
      n: 10000,
      out: modelDir,
      path: registry.paths.parse(c.path),
      predict: c.predict,
      weighting: registry.weightings.parse("uniform"),
      timeDensity: registry.timeDensities.parse("uniform"),
      coupling: registry.couplings.parse("independent"),
      steps: c.steps,
      batch: c.batch,
      lr: c.lr,
      lrSchedule: "cosine",
      ema: c.ema,
      clip: 1,
      width: c.width,
      depth: c.depth,
      activation: "silu",
      checkpointEvery: c.steps,
      seed: c.seed,
    });
    const model = await loadTrainedModel(modelDir, true);

    // 2. Sample with each sampler at each NFE budget; measure against held-out data.
    const heldout = await loadData(c.data, { split: "heldout", n: c.heldout, seed: c.seed });
    const reference = await loadData(c.data, { split: "train", n: c.heldout, seed: c.seed + 1 });
    const bandwidth = lib.medianBandwidth(reference.data, heldout.data, 2);
    // The floor: another draw of data against the held-out set, over several seeds for its spread.
    const floorRuns = [distances(lib, reference.data, heldout.data, 2, c.seed, bandwidth)];
    for (let k = 1; k < (s.quick ? FLOOR_SEEDS.quick : FLOOR_SEEDS.full); k++) {
      const other = await loadData(c.data, { split: "train", n: c.heldout, seed: c.seed + 1 + k });
      floorRuns.push(distances(lib, other.data, heldout.data, 2, c.seed + k, bandwidth));
    }
    const floor = floorRuns[0]!;
    const floorSpread = spreads(floorRuns);
    const runs: {
      sampler: string;
      targetNfe: number;
      nfe: number;
      steps: number;
      slicedW2: number;
      mmd2: number;
      seconds: number;
    }[] = [];
    const best: Record<string, { x: Float64Array; states: Float64Array[] | null; nfe: number }> = {};
    const grid = registry.grids.parse("uniform");
    // Warm-up: the first evaluation at the sampling batch size compiles the network for it, which
    // would otherwise be timed as part of the first sampler's run.
    await model.model.predict(new Float64Array(2 * c.samples), 0.5, { batch: c.samples, dim: 2 });
    for (const name of DEMO_SAMPLERS) {
      const choice = registry.samplers.parse(name);
      const plan = await stepsForNfe(model.model, choice, grid, 2, c.nfe);
      for (const [j, target] of c.nfe.entries()) {
        const last = j === c.nfe.length - 1;
        const r = await drawSamples(model.model, {
          sampler: choice,
          grid,
          steps: plan[j]!,
          n: c.samples,
          dim: 2,
          seed: c.seed,
          trajectories: last ? c.trajectories : 0,
          label: `${name} ${target}`,
          toData: model.toData,
        });
        runs.push({
          sampler: registry.samplers.format(choice),
          targetNfe: target,
          nfe: r.nfe,
          steps: plan[j]!,
          ...distances(lib, r.x, heldout.data, 2, c.seed, bandwidth),
          seconds: r.seconds,
        });
        if (last) best[name] = { x: r.x, states: r.states, nfe: r.nfe };
      }
    }

    // 3. Held-out log-likelihood.
    const lik = await evaluateLikelihood(model.model, heldout.data.subarray(0, 2 * c.likelihoodPoints), 2, {
      divergence: { kind: "exact" },
      seed: c.seed,
      toModel: model.toModel,
      logDet: model.logDet,
    });

    // 4. Figures.
    const shown = DEMO_SAMPLERS[1];
    const showcase = best[shown]!;
    const figures = [
      {
        file: "samples.png",
        title: "Held-out data vs samples",
        caption: `${shown}, ${showcase.nfe} NFE, ${c.samples} samples`,
        svg: scatterPlot({
          title: `${c.data}: held-out data vs samples (${shown}, ${showcase.nfe} NFE)`,
          sets: [
            { label: "held-out data", points: heldout.data },
            { label: "samples", points: showcase.x },
          ],
        }),
      },
      {
        file: "trajectories.png",
        title: "Sample trajectories",
        caption: `${shown}, from noise (t = 0) to data (t = 1)`,
        svg: trajectoryPlot({
          title: `sample trajectories (${shown}, ${showcase.nfe} NFE)`,
          states: showcase.states ?? [],
          data: heldout.data,
        }),
      },
      {
        file: "loss.png",
        title: "Training loss",
        caption: `${c.steps} steps, batch ${c.batch}`,
        svg: lossPlot({
          title: `training loss (velocity on rectified flow, ${c.data})`,
          losses: trained.losses,
        }),
      },
      {
        file: "error-vs-nfe.png",
        title: "Error vs NFE",
        caption: `sliced W₂ and MMD² to held-out data; dashed: the same metric between two data samples (mean over ${floorRuns.length} seeds)`,
        svg: errorVsNfe(runs, { slicedW2: floorSpread.slicedW2.mean, mmd2: floorSpread.mmd2.mean }),
      },
    ].map((f) => ({ ...f, png: renderPng(f.svg) }));

    // 5. Metrics, report, commit.
    const metrics = {
      config: c,
      training: {
        steps: c.steps,
        seconds: trained.seconds,
        finalLoss: trained.finalLoss.mean,
      },
      samplers: runs,
      floor,
      floorSpread,
      likelihood: {
        points: c.likelihoodPoints,
        meanLogLikelihood: lik.mean,
        standardError: lik.meanStandardError,
        bitsPerDim: lik.meanBitsPerDim,
        nfe: lik.nfe,
        seconds: lik.seconds,
      },
    };
    const summary: Table = {
      columns: ["sampler", "NFE", "sliced W₂", "MMD²", "seconds"],
      rows: [
        ...runs.map((r) => [r.sampler, r.nfe, r.slicedW2, r.mmd2, r.seconds] as const),
        [
          `data vs data (floor, ${floorRuns.length} seeds)`,
          null,
          formatSpread(floorSpread.slicedW2),
          formatSpread(floorSpread.mmd2),
          null,
        ] as const,
      ],
    };
    const html = buildReport({
      title: `difflux demo: ${c.data}`,
      subtitle: `flow matching (rectified flow, velocity), ${c.steps} training steps, seed ${c.seed}${s.quick ? " — quick run" : ""}`,
      summary: [
        `A ${c.depth}-layer MLP of width ${c.width} was trained to predict the velocity of the rectified-flow path on ${c.data}, then sampled with three samplers at several numbers of function evaluations (NFE).`,
        `Held-out log-likelihood (probability-flow ODE, exact divergence, ${c.likelihoodPoints} points): ${lik.mean.toFixed(3)} ± ${lik.meanStandardError.toFixed(3)} nats, ${lik.meanBitsPerDim.toFixed(3)} bits/dim.`,
      ],
      tables: [
        {
          title: "Samplers",
          table: summary,
          caption:
            "sliced W₂ and unbiased MMD² (RBF, median bandwidth) of the samples to held-out data; the floor is another data sample against the same held-out data, mean ± sd over seeds; seconds after a warm-up evaluation",
        },
      ],
      figures: figures.map((f) => ({
        title: f.title,
        caption: f.caption,
        png: f.png,
        file: f.file,
        wide: f.file === "error-vs-nfe.png",
      })),
      config: c,
    });
    const files = [
      "report.html",
      "metrics.json",
      ...figures.map((f) => f.file),
      ...trained.files.map((f) => join("model", relative(modelDir, f))),
    ];
    run.write("report.html", html);
    for (const f of figures) run.write(f.file, f.png);
    run.commit("metrics.json", `${JSON.stringify(metrics, null, 2)}\n`, [
      "report.html",
      ...figures.map((f) => f.file),
    ]);
    return { summary, metrics, files };
  } finally {
    run.close();
  }
}

/** Runs `body`, reporting its error as a problem with --out. */
function withContextOut(body: () => void): void {
  try {
    body();
  } catch (err) {
    throw new UsageError(`--out: ${messageOf(err)}`);
  }
}

/** Sliced W₂ (left) and MMD² (right) against NFE, one line per sampler, with the data floor. */
function errorVsNfe(
  runs: readonly { sampler: string; nfe: number; slicedW2: number; mmd2: number }[],
  floor: { slicedW2: number; mmd2: number },
): string {
  const names = [...new Set(runs.map((r) => r.sampler))];
  const nfes = runs.map((r) => r.nfe);
  const span = [Math.min(...nfes), Math.max(...nfes)];
  // MMD² (unbiased) can be slightly negative near the floor, so its axis is linear.
  const panel = (metric: "slicedW2" | "mmd2", label: string): LineOptions => ({
    title: label,
    xLabel: "function evaluations (NFE)",
    yLabel: label,
    xLog: true,
    yLog: metric === "slicedW2",
    series: [
      ...names.map((n, k) => {
        const rows = runs.filter((r) => r.sampler === n);
        return { label: n, color: PALETTE[k]!, x: rows.map((r) => r.nfe), y: rows.map((r) => r[metric]) };
      }),
      {
        label: "data vs data",
        color: "#7f7f7f",
        dashed: true,
        markers: false,
        x: span,
        y: [floor[metric], floor[metric]],
      },
    ],
  });
  return linePanels([
    panel("slicedW2", "sliced W₂ to held-out data"),
    panel("mmd2", "MMD² to held-out data"),
  ]);
}
