/**
 * The plots of the command line, as SVG strings: a scatter of point sets (data vs samples), line
 * plots with optional log axes (error vs NFE), the training-loss curve, and sample trajectories.
 * Points are batch-major rows; plots of 2-D views use the first two coordinates.
 */
import { clipId, figure, fitText, header, heightFor, type LegendItem, plotBox } from "./chart.js";
import { extent, linearScale, logScale, type Scale } from "./scale.js";
import { el, INK, PALETTE, points, sideBySide, svgDocument, text } from "./svg.js";

/** A set of points (rows of `dim` numbers; the first two coordinates are drawn). */
export interface PointSet {
  readonly label: string;
  readonly points: ArrayLike<number>;
  readonly dim?: number;
  readonly color?: string;
}

function column(p: ArrayLike<number>, dim: number, j: number, limit = Number.POSITIVE_INFINITY): number[] {
  const n = Math.min(Math.floor(p.length / dim), limit);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = p[i * dim + j]!;
  return out;
}

function quantileRange(values: readonly number[], q: number): [number, number] | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (f: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(f * (v.length - 1))))]!;
  return [at(q), at(1 - q)];
}

function union(a: [number, number] | null, b: [number, number] | null): [number, number] | null {
  if (a === null) return b;
  if (b === null) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/**
 * A data window with equal units on both axes around the central 99.6% of every set (outliers are
 * clipped and counted), and the plot-area aspect (height / width) it needs, kept in [0.6, 1.15] by
 * widening the shorter side.
 */
function equalWindow(sets: readonly { xs: number[]; ys: number[] }[]): {
  x: [number, number];
  y: [number, number];
  aspect: number;
} {
  let ex: [number, number] | null = null;
  let ey: [number, number] | null = null;
  for (const s of sets) {
    ex = union(ex, quantileRange(s.xs, 0.002));
    ey = union(ey, quantileRange(s.ys, 0.002));
  }
  ex ??= [-1, 1];
  ey ??= [-1, 1];
  let wx = Math.max(ex[1] - ex[0], 1e-9) * 1.08;
  let wy = Math.max(ey[1] - ey[0], 1e-9) * 1.08;
  const aspect = Math.min(1.15, Math.max(0.6, wy / wx));
  if (wy / wx < aspect) wy = wx * aspect;
  else wx = wy / aspect;
  const cx = (ex[0] + ex[1]) / 2;
  const cy = (ey[0] + ey[1]) / 2;
  return { x: [cx - wx / 2, cx + wx / 2], y: [cy - wy / 2, cy + wy / 2], aspect };
}

function inside(w: { x: [number, number]; y: [number, number] }, x: number, y: number): boolean {
  return x >= w.x[0] && x <= w.x[1] && y >= w.y[0] && y <= w.y[1];
}

/** Options of `scatterPlot`. */
export interface ScatterOptions {
  readonly title: string;
  readonly sets: readonly PointSet[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Figure width in px (the height follows the data's aspect, equal units on both axes). Default 600. */
  readonly size?: number;
  /** At most this many points per set are drawn (the first ones). Default 4000. */
  readonly maxPoints?: number;
}

/**
 * Scatter of several point sets on equal axes (e.g. held-out data vs samples): the window covers the
 * central 99.6% of every set; points outside are clipped and counted in a note.
 */
export function scatterPlot(o: ScatterOptions): string {
  const clip = clipId();
  const width = o.size ?? 600;
  const cols = o.sets.map((s) => {
    const dim = s.dim ?? 2;
    return {
      xs: column(s.points, dim, 0, o.maxPoints ?? 4000),
      ys: column(s.points, dim, Math.min(1, dim - 1), o.maxPoints ?? 4000),
    };
  });
  const w = equalWindow(cols);
  let clipped = 0;
  for (const { xs, ys } of cols)
    for (let i = 0; i < xs.length; i++) if (!inside(w, xs[i]!, ys[i]!)) clipped++;
  const legend: LegendItem[] = o.sets.map((s, k) => ({
    label: s.label,
    color: s.color ?? PALETTE[k % PALETTE.length]!,
    mark: "point",
  }));
  const note = clipped > 0 ? `${clipped} point${clipped === 1 ? "" : "s"} outside the view` : undefined;
  const head = header(width, legend, note);
  const height = heightFor(width, w.aspect, head);
  const box = plotBox(width, height, head);
  const x = linearScale(w.x, [box.left, box.right], { pad: 0, nice: false });
  const y = linearScale(w.y, [box.bottom, box.top], { pad: 0, nice: false });
  const marks: string[] = [];
  const radius = Math.max(1.3, Math.min(2.6, 2.6 - Math.log10(Math.max(1, cols[0]?.xs.length ?? 1)) * 0.35));
  cols.forEach(({ xs, ys }, k) => {
    const dots: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      if (inside(w, xs[i]!, ys[i]!)) dots.push(el("circle", { cx: x(xs[i]!), cy: y(ys[i]!), r: radius }));
    }
    marks.push(el("g", { fill: legend[k]!.color, "fill-opacity": 0.5, "clip-path": `url(#${clip})` }, dots));
  });
  return figure(
    {
      clip,
      width,
      height,
      box,
      x,
      y,
      title: o.title,
      xLabel: o.xLabel ?? "x₁",
      yLabel: o.yLabel ?? "x₂",
      head,
      note,
    },
    marks,
  );
}

/** One line of a line plot. */
export interface LineSeries {
  readonly label: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly color?: string;
  /** Draw a marker at every point (default true for ≤ 30 points). */
  readonly markers?: boolean;
  readonly dashed?: boolean;
  readonly width?: number;
  readonly opacity?: number;
  /** Leave out of the legend. */
  readonly hideInLegend?: boolean;
}

/** Options of `linePlot`. */
export interface LineOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly width?: number;
  /** Height of the figure below its header (title, note, legend rows); default 380. */
  readonly height?: number;
  /** A line under the title (e.g. what was measured). */
  readonly note?: string;
  /** Lowest top of the plot area (to align panels whose headers differ). */
  readonly plotTop?: number;
}

function scaleFor(values: number[], log: boolean, range: readonly [number, number], tight: boolean): Scale {
  const e = extent(values, log) ?? (log ? [0.1, 10] : [0, 1]);
  if (log) return logScale(e, range);
  return tight
    ? linearScale(e, range, { ticks: 7, pad: 0.02, nice: false })
    : linearScale(e, range, { ticks: 6 });
}

/**
 * Lines (with markers for short series) on linear or log axes, e.g. error vs NFE on log–log axes.
 * Points that cannot be drawn (non-finite, or ≤ 0 on a log axis) break the line.
 */
export function linePlot(o: LineOptions): string {
  const clip = clipId();
  const width = o.width ?? 640;
  const series = o.series.map((s, k) => ({
    ...s,
    color: s.color ?? PALETTE[k % PALETTE.length]!,
    showMarkers: s.markers ?? s.x.length <= 30,
  }));
  const legend: LegendItem[] = series
    .filter((s) => !s.hideInLegend)
    .map((s) => ({
      label: s.label,
      color: s.color,
      mark: s.showMarkers ? "line+point" : "line",
      dashed: s.dashed,
    }));
  const natural = header(width, legend, o.note);
  const head = { ...natural, plotTop: Math.max(natural.plotTop, o.plotTop ?? 0) };
  const height = (o.height ?? 380) + head.plotTop;
  const box = plotBox(width, height, head);
  const x = scaleFor(
    o.series.flatMap((s) => [...s.x]),
    o.xLog ?? false,
    [box.left, box.right],
    true,
  );
  const y = scaleFor(
    o.series.flatMap((s) => [...s.y]),
    o.yLog ?? false,
    [box.bottom, box.top],
    false,
  );
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  const marks: string[] = [];
  for (const s of series) {
    const runs: { xs: number[]; ys: number[] }[] = [{ xs: [], ys: [] }];
    const dots: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      if (!ok(s.x[i]!, o.xLog ?? false) || !ok(s.y[i]!, o.yLog ?? false)) {
        runs.push({ xs: [], ys: [] });
        continue;
      }
      const px = x(s.x[i]!);
      const py = y(s.y[i]!);
      runs[runs.length - 1]!.xs.push(px);
      runs[runs.length - 1]!.ys.push(py);
      if (s.showMarkers)
        dots.push(
          el("circle", { cx: px, cy: py, r: 3.5, fill: s.color, stroke: "#ffffff", "stroke-width": 1 }),
        );
    }
    const lines = runs
      .filter((r) => r.xs.length > 1)
      .map((r) =>
        el("polyline", {
          points: points(r.xs, r.ys),
          fill: "none",
          stroke: s.color,
          "stroke-width": s.width ?? 2,
          "stroke-opacity": s.opacity,
          "stroke-linejoin": "round",
          "stroke-dasharray": s.dashed ? "6 4" : undefined,
        }),
      );
    marks.push(el("g", { "clip-path": `url(#${clip})` }, [...lines, ...dots]));
  }
  return figure(
    {
      clip,
      width,
      height,
      box,
      x,
      y,
      title: o.title,
      xLabel: o.xLabel,
      yLabel: o.yLabel,
      head,
      note: o.note,
    },
    marks,
  );
}

/** Line plots side by side with aligned plot areas (the tallest header sets every panel's top). */
export function linePanels(panels: readonly LineOptions[]): string {
  const top = Math.max(
    ...panels.map((o) => {
      const legend = o.series
        .filter((s) => !s.hideInLegend)
        .map((s): LegendItem => ({ label: s.label, color: "", mark: "line" }));
      return header(o.width ?? 640, legend, o.note).plotTop;
    }),
  );
  return sideBySide(panels.map((o) => linePlot({ ...o, plotTop: top })));
}

/** Evenly spaced indices 0 … n − 1, at most `count` of them (always including the last). */
function thin(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(Math.round((k * (n - 1)) / (count - 1)));
  return out;
}

/**
 * The training-loss curve: every step's loss (thin, light) and its running mean over a window of
 * about 2% of the run (bold), against the step; log y axis when every loss is positive.
 */
export function lossPlot(o: {
  title: string;
  losses: ArrayLike<number>;
  firstStep?: number;
  note?: string;
}): string {
  const n = o.losses.length;
  const first = o.firstStep ?? 1;
  const window = Math.max(1, Math.round(n / 50));
  const mean = new Array<number>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += o.losses[i]!;
    if (i >= window) sum -= o.losses[i - window]!;
    mean[i] = sum / Math.min(i + 1, window);
  }
  const raw = thin(n, 1500);
  const smooth = thin(n, 400);
  const positive = Array.from(o.losses).every((v) => v > 0);
  return linePlot({
    title: o.title,
    xLabel: "training step",
    yLabel: "loss",
    yLog: positive,
    note: o.note,
    series: [
      {
        label: "loss per step",
        x: raw.map((i) => first + i),
        y: raw.map((i) => o.losses[i]!),
        color: "#9ecae1",
        width: 1,
        markers: false,
      },
      {
        label: `running mean (${window} steps)`,
        x: smooth.map((i) => first + i),
        y: smooth.map((i) => mean[i]!),
        color: PALETTE[0],
        width: 2.5,
        markers: false,
      },
    ],
  });
}

/** Options of `trajectoryPlot`. */
export interface TrajectoryOptions {
  readonly title: string;
  /** States along the sampler's grid: one n × dim array per time, from the prior (first) to the end. */
  readonly states: readonly ArrayLike<number>[];
  readonly dim?: number;
  /** Reference data drawn underneath (optional). */
  readonly data?: ArrayLike<number>;
  /** At most this many trajectories are drawn (the first ones). Default 120. */
  readonly maxPaths?: number;
  readonly size?: number;
}

/**
 * Sample trajectories in the plane: each sample's path from noise (grey dot) to its end point
 * (orange dot), over the reference data (light blue). The window covers start and end points.
 */
export function trajectoryPlot(o: TrajectoryOptions): string {
  const clip = clipId();
  const dim = o.dim ?? 2;
  const width = o.size ?? 600;
  const m = Math.min(o.maxPaths ?? 120, Math.floor((o.states[0]?.length ?? 0) / dim));
  const sx = o.states.map((s) => column(s, dim, 0, m));
  const sy = o.states.map((s) => column(s, dim, Math.min(1, dim - 1), m));
  const data =
    o.data === undefined
      ? null
      : { xs: column(o.data, dim, 0, 2000), ys: column(o.data, dim, Math.min(1, dim - 1), 2000) };
  const last = o.states.length - 1;
  const w = equalWindow([
    { xs: sx[0] ?? [], ys: sy[0] ?? [] },
    { xs: sx[last] ?? [], ys: sy[last] ?? [] },
    ...(data ? [data] : []),
  ]);
  const colors = { data: "#9ecae1", path: "#0072B2", start: "#7f7f7f", end: PALETTE[1] };
  const legend: LegendItem[] = [
    ...(data ? [{ label: "data", color: colors.data, mark: "point" as const }] : []),
    { label: "noise (t = 0)", color: colors.start, mark: "point" },
    { label: "path", color: colors.path, mark: "line" },
    { label: "sample (t = 1)", color: colors.end, mark: "point" },
  ];
  const note = `${m} trajectories, ${o.states.length} states each`;
  const head = header(width, legend, note);
  const height = heightFor(width, w.aspect, head);
  const box = plotBox(width, height, head);
  const x = linearScale(w.x, [box.left, box.right], { pad: 0, nice: false });
  const y = linearScale(w.y, [box.bottom, box.top], { pad: 0, nice: false });
  const marks: string[] = [];
  if (data) {
    const dots: string[] = [];
    for (let i = 0; i < data.xs.length; i++)
      dots.push(el("circle", { cx: x(data.xs[i]!), cy: y(data.ys[i]!), r: 1.6 }));
    marks.push(el("g", { fill: colors.data, "fill-opacity": 0.6, "clip-path": `url(#${clip})` }, dots));
  }
  const lines: string[] = [];
  for (let i = 0; i < m; i++) {
    const xs = sx.map((c) => x(c[i]!));
    const ys = sy.map((c) => y(c[i]!));
    if (xs.every(Number.isFinite) && ys.every(Number.isFinite))
      lines.push(el("polyline", { points: points(xs, ys) }));
  }
  marks.push(
    el(
      "g",
      {
        fill: "none",
        stroke: colors.path,
        "stroke-width": 1,
        "stroke-opacity": 0.35,
        "clip-path": `url(#${clip})`,
      },
      lines,
    ),
  );
  const endDots = (k: number, color: string) =>
    el(
      "g",
      { fill: color, "clip-path": `url(#${clip})` },
      Array.from({ length: m }, (_, i) => el("circle", { cx: x(sx[k]![i]!), cy: y(sy[k]![i]!), r: 2.4 })),
    );
  marks.push(endDots(0, colors.start), endDots(last, colors.end));
  return figure(
    {
      clip,
      width,
      height,
      box,
      x,
      y,
      title: o.title,
      xLabel: "x₁",
      yLabel: "x₂",
      head,
      note,
    },
    marks,
  );
}

/** Options of `imageGridPlot`. */
export interface ImageGridOptions {
  readonly title: string;
  /** Images, one per row of height × width values (row-major pixels). */
  readonly images: ArrayLike<number>;
  readonly shape: readonly [height: number, width: number];
  /** Value shown white and value shown black (default: the 1st and 99th percentiles). */
  readonly range?: readonly [white: number, black: number];
  /** Images per row (default 10) and at most this many images (default 100). */
  readonly columns?: number;
  readonly maxImages?: number;
  readonly note?: string;
}

/** A grid of grey-scale images (e.g. 8×8 digit samples), each pixel a square. */
export function imageGridPlot(o: ImageGridOptions): string {
  const [h, w] = o.shape;
  const size = h * w;
  const count = Math.min(Math.floor(o.images.length / size), o.maxImages ?? 100);
  const columns = Math.min(o.columns ?? 10, Math.max(1, count));
  const rows = Math.ceil(count / columns);
  let range = o.range;
  if (range === undefined) {
    const q = quantileRange(
      Array.from({ length: count * size }, (_, i) => o.images[i]!),
      0.01,
    ) ?? [0, 1];
    range = q[0] === q[1] ? [q[0], q[0] + 1] : q;
  }
  const [white, black] = range;
  const cell = Math.max(3, Math.floor(56 / Math.max(h, w)));
  const gap = 6;
  const left = 24;
  const top = 48;
  const width = Math.max(360, left * 2 + columns * (w * cell + gap) - gap);
  const height = top + rows * (h * cell + gap) - gap + (o.note ? 34 : 20);
  const title = fitText(o.title, width - 16, 16, "bold");
  const body: string[] = [
    text(width / 2, 28, title.text, {
      "font-size": title.size,
      "font-weight": "bold",
      fill: INK.text,
      "text-anchor": "middle",
    }),
  ];
  for (let k = 0; k < count; k++) {
    const x0 = left + (k % columns) * (w * cell + gap);
    const y0 = top + Math.floor(k / columns) * (h * cell + gap);
    const pixels: string[] = [];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = o.images[k * size + i * w + j]!;
        const f = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - white) / (black - white))) : 0;
        const g = Math.round(255 * (1 - f));
        pixels.push(
          el("rect", {
            x: x0 + j * cell,
            y: y0 + i * cell,
            width: cell,
            height: cell,
            fill: `rgb(${g},${g},${g})`,
          }),
        );
      }
    }
    body.push(
      el("g", {}, pixels),
      el("rect", { x: x0, y: y0, width: w * cell, height: h * cell, fill: "none", stroke: INK.grid }),
    );
  }
  if (o.note)
    body.push(
      text(width - left, height - 12, o.note, { "font-size": 11, fill: INK.muted, "text-anchor": "end" }),
    );
  return svgDocument(width, height, body);
}
