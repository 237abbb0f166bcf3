/**
 * The figures and tables of `sample`, `bench-samplers` and `demo`: samples over the data (scatter
 * for points, a grid for images), sample trajectories, error against NFE — as PNG, or as SVG when
 * the file name ends in .svg.
 */
import { loadData } from "../data.js";
import type { OutputFile } from "../files.js";
import { imageGridPlot, type LineOptions, linePanels, scatterPlot, trajectoryPlot } from "../plot/plots.js";
import { renderPng } from "../plot/render.js";
import { PALETTE } from "../plot/svg.js";
import type { BenchOutcome } from "./bench.js";

/** The figure file for `svg`: PNG bytes, or the SVG text for a .svg name. */
export function figureFile(path: string, svg: string): OutputFile {
  return { path, data: path.toLowerCase().endsWith(".svg") ? svg : renderPng(svg) };
}

/** Options of `samplePlots`. */
export interface SamplePlotOptions {
  readonly samples: Float64Array;
  readonly dim: number;
  /** Recorded states along the grid, or null. */
  readonly states: readonly Float64Array[] | null;
  /** The training data source (dataset name or file) to draw underneath, if known. */
  readonly data: string | null;
  readonly title: string;
  readonly plot?: string;
  readonly trajectories?: string;
}

/** Reference points for a plot: held-out data of a named dataset, else the first rows of the file. */
async function reference(source: string | null, dim: number) {
  if (source === null) return null;
  try {
    const d = await loadData(source, { split: "heldout", n: 2000 });
    return d.dim === dim ? d : null;
  } catch {
    return null;
  }
}

/** The requested figures as output files (nothing is written here). */
export async function samplePlots(o: SamplePlotOptions): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  if (o.plot === undefined && o.trajectories === undefined) return out;
  const ref = await reference(o.data, o.dim);
  if (o.plot !== undefined) {
    if (ref?.imageShape) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of ref.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      const shown = Math.min(100, o.samples.length / o.dim);
      const svg = imageGridPlot({
        title: `samples: ${o.title}`,
        images: o.samples,
        shape: ref.imageShape,
        range: [lo, hi],
        note: `the first ${shown} samples; white = ${lo}, black = ${hi} (the data's range)`,
      });
      out.push(figureFile(o.plot, svg));
    } else {
      const sets = [
        ...(ref
          ? [{ label: `data (${ref.named ? "held-out " : ""}${ref.source})`, points: ref.data, dim: o.dim }]
          : []),
        { label: "samples", points: o.samples, dim: o.dim },
      ];
      out.push(
        figureFile(
          o.plot,
          scatterPlot({
            title: `samples: ${o.title}`,
            sets,
            ...(o.dim > 2 ? { xLabel: "coordinate 1", yLabel: "coordinate 2" } : {}),
          }),
        ),
      );
    }
  }
  if (o.trajectories !== undefined && o.states !== null) {
    const svg = trajectoryPlot({
      title: `trajectories: ${o.title}`,
      states: o.states,
      dim: o.dim,
      ...(ref && !ref.imageShape ? { data: ref.data } : {}),
    });
    out.push(figureFile(o.trajectories, svg));
  }
  return out;
}

/** The label of a benchmark row: its sampler, and its grid when the rows use several grids. */
export function benchLabel(r: BenchOutcome, row: BenchOutcome["rows"][number]): string {
  const grids = new Set(r.rows.map((x) => x.grid));
  return grids.size > 1 ? `${row.sampler} (${row.grid})` : row.sampler;
}

/** The error-vs-NFE figure of a benchmark: ODE error (left) and sliced W₂ (right), means over seeds, log–log. */
export function benchFigure(r: BenchOutcome, title: string): string {
  const labels = [...new Set(r.rows.map((row) => benchLabel(r, row)))];
  const series = (metric: (row: BenchOutcome["rows"][number]) => number | null) =>
    labels
      .map((label, k) => {
        const rows = r.rows.filter((row) => benchLabel(r, row) === label && metric(row) !== null);
        return {
          label,
          color: PALETTE[k % PALETTE.length]!,
          x: rows.map((row) => row.nfe),
          y: rows.map((row) => metric(row)!),
        };
      })
      .filter((s) => s.x.length > 0);
  const nfes = r.rows.map((row) => row.nfe);
  const seeds = r.seeds.length === 1 ? "one seed" : `mean over ${r.seeds.length} seeds`;
  const left: LineOptions = {
    title: "ODE solution error (deterministic samplers)",
    xLabel: "function evaluations (NFE)",
    yLabel: "RMS distance to the exact ODE solution",
    xLog: true,
    yLog: true,
    series: series((row) => row.odeError),
    note: `${title}; sliced W₂: ${seeds}`,
  };
  const floor = {
    label: "floor (exact vs exact)",
    color: "#7f7f7f",
    dashed: true,
    markers: false,
    x: [Math.min(...nfes), Math.max(...nfes)],
    y: [r.floor.mean, r.floor.mean],
  };
  const right: LineOptions = {
    title: "distribution error (every sampler)",
    xLabel: "function evaluations (NFE)",
    yLabel: "sliced W₂ to exact samples",
    xLog: true,
    yLog: true,
    series: [...series((row) => row.slicedW2.mean), floor],
  };
  return linePanels([left, right]);
}

/** The benchmark's output files: the table (.csv or .json) and the figure, as asked. */
export function benchFiles(r: BenchOutcome, o: { title: string; out?: string; plot?: string }): OutputFile[] {
  const files: OutputFile[] = [];
  if (o.out !== undefined) {
    if (o.out.toLowerCase().endsWith(".json")) {
      files.push({
        path: o.out,
        data: `${JSON.stringify({ title: o.title, seeds: r.seeds, floor: r.floor, rows: r.rows }, null, 2)}\n`,
      });
    } else {
      const head =
        "sampler,grid,stochastic,target_nfe,nfe,steps,ode_error,sliced_w2,sliced_w2_sd,seeds,seconds";
      const cell = (v: number | null | undefined) => (v === null || v === undefined ? "" : String(v));
      const lines = r.rows.map((row) =>
        [
          row.sampler,
          row.grid,
          row.stochastic,
          row.targetNfe,
          row.nfe,
          row.steps,
          cell(row.odeError),
          row.slicedW2.mean,
          cell(row.slicedW2.sd),
          r.seeds.length,
          row.seconds,
        ]
          .map((v) => (typeof v === "string" && /[",]/.test(v) ? `"${v.replaceAll('"', '""')}"` : String(v)))
          .join(","),
      );
      files.push({ path: o.out, data: `${[head, ...lines].join("\n")}\n` });
    }
  }
  if (o.plot !== undefined) files.push(figureFile(o.plot, benchFigure(r, o.title)));
  return files;
}
