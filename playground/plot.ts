/**
 * Canvas plots for the playground: line charts with axes, labels and a legend, heat maps, vector
 * fields and scatter plots. Each draws into a canvas of its own, sized to the device's pixels.
 */

/** A data rectangle [x0, x1] × [y0, y1]. */
export interface Box {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** A named series of a line chart. */
export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color?: string;
  readonly dashed?: boolean;
  readonly points?: boolean;
}

/** Colours of series by index. */
export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

const MARGIN = { left: 58, right: 14, top: 26, bottom: 40 };

/** The 2-D context of `canvas`, scaled so drawing uses CSS pixels; returns it with the CSS size. */
function context(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || Number(canvas.getAttribute("width")) || 400;
  const h = canvas.clientHeight || Number(canvas.getAttribute("height")) || 300;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = "12px system-ui, sans-serif";
  return { ctx, w, h };
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function format(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Axes options: titles, labels and log scales. */
export interface AxesOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
}

/** A frame: maps data to pixels inside the margins, and draws axes, ticks and labels. */
export class Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  constructor(
    readonly ctx: CanvasRenderingContext2D,
    w: number,
    h: number,
    readonly box: Box,
    readonly options: AxesOptions = {},
  ) {
    this.left = MARGIN.left;
    this.top = MARGIN.top;
    this.width = w - MARGIN.left - MARGIN.right;
    this.height = h - MARGIN.top - MARGIN.bottom;
  }
  private tx(v: number): number {
    return this.options.logX ? Math.log10(v) : v;
  }
  private ty(v: number): number {
    return this.options.logY ? Math.log10(v) : v;
  }
  /** Pixel x of data x. */
  px(x: number): number {
    const { x0, x1 } = this.box;
    return this.left + ((this.tx(x) - this.tx(x0)) / (this.tx(x1) - this.tx(x0))) * this.width;
  }
  /** Pixel y of data y. */
  py(y: number): number {
    const { y0, y1 } = this.box;
    return this.top + this.height - ((this.ty(y) - this.ty(y0)) / (this.ty(y1) - this.ty(y0))) * this.height;
  }
  /** Data (x, y) of a pixel. */
  toData(px: number, py: number): [number, number] {
    const { x0, x1, y0, y1 } = this.box;
    return [
      x0 + ((px - this.left) / this.width) * (x1 - x0),
      y0 + ((this.top + this.height - py) / this.height) * (y1 - y0),
    ];
  }
  /** Draws the axes box, ticks, tick labels, axis labels and the title. */
  axes(): void {
    const { ctx, options, box } = this;
    ctx.strokeStyle = "#444";
    ctx.lineWidth = 1;
    ctx.strokeRect(this.left, this.top, this.width, this.height);
    ctx.fillStyle = "#222";
    // Decades, with 2 and 5 between them when the range spans less than three decades.
    const logTicks = (lo: number, hi: number) => {
      const out: number[] = [];
      const mantissas = Math.log10(hi / lo) < 3 ? [1, 2, 5] : [1];
      for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
        for (const m of mantissas) {
          const v = m * 10 ** e;
          if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
        }
      return out;
    };
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const v of options.logX ? logTicks(box.x0, box.x1) : ticks(box.x0, box.x1)) {
      const x = this.px(v);
      ctx.beginPath();
      ctx.moveTo(x, this.top + this.height);
      ctx.lineTo(x, this.top + this.height + 4);
      ctx.stroke();
      ctx.fillText(format(v), x, this.top + this.height + 6);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of options.logY ? logTicks(box.y0, box.y1) : ticks(box.y0, box.y1)) {
      const y = this.py(v);
      ctx.beginPath();
      ctx.moveTo(this.left - 4, y);
      ctx.lineTo(this.left, y);
      ctx.stroke();
      ctx.fillText(format(v), this.left - 6, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    if (options.xLabel) ctx.fillText(options.xLabel, this.left + this.width / 2, this.top + this.height + 36);
    if (options.title) {
      ctx.font = "bold 13px system-ui, sans-serif";
      ctx.fillText(options.title, this.left + this.width / 2, this.top - 8);
      ctx.font = "12px system-ui, sans-serif";
    }
    if (options.yLabel) {
      ctx.save();
      ctx.translate(14, this.top + this.height / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle";
      ctx.fillText(options.yLabel, 0, 0);
      ctx.restore();
    }
  }
  /** Restricts drawing to the plot area while `draw` runs. */
  clip(draw: () => void): void {
    this.ctx.save();
    this.ctx.beginPath();
    this.ctx.rect(this.left, this.top, this.width, this.height);
    this.ctx.clip();
    draw();
    this.ctx.restore();
  }
  /** A legend box in the top-right corner. */
  legend(items: readonly { label: string; color: string; dashed?: boolean }[]): void {
    const { ctx } = this;
    if (items.length === 0) return;
    const width = Math.max(...items.map((i) => ctx.measureText(i.label).width)) + 34;
    const x = this.left + this.width - width - 6;
    const y = this.top + 6;
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(x, y, width, items.length * 16 + 6);
    ctx.strokeStyle = "#999";
    ctx.strokeRect(x, y, width, items.length * 16 + 6);
    items.forEach((item, i) => {
      const yy = y + 11 + i * 16;
      ctx.strokeStyle = item.color;
      ctx.lineWidth = 2;
      ctx.setLineDash(item.dashed ? [5, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x + 5, yy);
      ctx.lineTo(x + 25, yy);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#222";
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillText(item.label, x + 29, yy);
    });
    ctx.lineWidth = 1;
  }
}

/**
 * The smallest box holding every finite point of `series` (y padded by 5%); with `robust`, y spans
 * the 2nd to 98th percentile (so a coefficient that blows up at an end does not flatten the rest).
 */
function seriesBox(series: readonly Series[], options: AxesOptions & { robust?: boolean }): Box {
  if (options.robust) {
    const ys = series.flatMap((s) => Array.from(s.y).filter(Number.isFinite)).sort((a, b) => a - b);
    const xs = series.flatMap((s) => Array.from(s.x));
    if (ys.length > 0) {
      const lo = ys[Math.floor(ys.length * 0.02)]!;
      const hi = ys[Math.floor(ys.length * 0.98)]!;
      const pad = (hi - lo) * 0.1 || 1;
      return { x0: Math.min(...xs), x1: Math.max(...xs), y0: lo - pad, y1: hi + pad };
    }
  }
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series)
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y) || (options.logY && y <= 0) || (options.logX && x <= 0))
        continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  if (!Number.isFinite(x0)) return { x0: 0, x1: 1, y0: 0, y1: 1 };
  if (x1 === x0) x1 = x0 + 1;
  if (options.logY) return { x0, x1, y0: y0 / 1.5, y1: y1 * 1.5 };
  const pad = (y1 - y0) * 0.05 || 1;
  return { x0, x1, y0: y0 - pad, y1: y1 + pad };
}

/** A line chart of `series` with axes and a legend; returns its frame. */
export function lineChart(
  canvas: HTMLCanvasElement,
  series: readonly Series[],
  options: AxesOptions & { box?: Box; robust?: boolean } = {},
): Frame {
  const { ctx, w, h } = context(canvas);
  const frame = new Frame(ctx, w, h, options.box ?? seriesBox(series, options), options);
  frame.clip(() => {
    series.forEach((s, k) => {
      ctx.strokeStyle = s.color ?? PALETTE[k % PALETTE.length]!;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 2;
      ctx.setLineDash(s.dashed ? [6, 4] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i]!;
        const y = s.y[i]!;
        const ok = Number.isFinite(y) && (!options.logY || y > 0);
        if (!ok) {
          pen = false;
          continue;
        }
        const X = frame.px(x);
        const Y = frame.py(y);
        if (pen) ctx.lineTo(X, Y);
        else ctx.moveTo(X, Y);
        pen = true;
        if (s.points) ctx.fillRect(X - 2.5, Y - 2.5, 5, 5);
      }
      ctx.stroke();
      ctx.setLineDash([]);
    });
  });
  frame.axes();
  frame.legend(
    series.map((s, k) => ({
      label: s.label,
      color: s.color ?? PALETTE[k % PALETTE.length]!,
      dashed: s.dashed ?? false,
    })),
  );
  return frame;
}

/** Viridis-like colour of u ∈ [0, 1] (five stops, linear in between). */
export function colormap(u: number): [number, number, number] {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const v = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(v));
  const f = v - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0]! + f * (b[0]! - a[0]!), a[1]! + f * (b[1]! - a[1]!), a[2]! + f * (b[2]! - a[2]!)];
}

/**
 * A heat map of `values` (rows = ny along y from y0 up, columns = nx along x) over `box`, coloured
 * between `range` (default the finite min and max), with axes and a colour bar label.
 */
export function heatMap(
  canvas: HTMLCanvasElement,
  values: ArrayLike<number>,
  nx: number,
  ny: number,
  box: Box,
  options: AxesOptions & { range?: [number, number]; barLabel?: string } = {},
): Frame {
  const { ctx, w, h } = context(canvas);
  const frame = new Frame(ctx, w - 60, h, box, options);
  let [lo, hi] = options.range ?? [Infinity, -Infinity];
  if (options.range === undefined)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  if (!(hi > lo)) hi = lo + 1;
  const image = ctx.createImageData(nx, ny);
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++) {
      const [R, G, B] = colormap((values[r * nx + c]! - lo) / (hi - lo));
      const o = ((ny - 1 - r) * nx + c) * 4;
      image.data[o] = R;
      image.data[o + 1] = G;
      image.data[o + 2] = B;
      image.data[o + 3] = 255;
    }
  const off = new OffscreenCanvas(nx, ny);
  off.getContext("2d")!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, frame.left, frame.top, frame.width, frame.height);
  frame.axes();
  // Colour bar.
  const bx = frame.left + frame.width + 12;
  for (let i = 0; i < frame.height; i++) {
    const [R, G, B] = colormap(1 - i / frame.height);
    ctx.fillStyle = `rgb(${R},${G},${B})`;
    ctx.fillRect(bx, frame.top + i, 12, 1);
  }
  ctx.fillStyle = "#222";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  ctx.fillText(format(hi), bx + 15, frame.top + 5);
  ctx.fillText(format(lo), bx + 15, frame.top + frame.height - 5);
  if (options.barLabel) {
    ctx.save();
    ctx.translate(bx + 40, frame.top + frame.height / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(options.barLabel, 0, 0);
    ctx.restore();
  }
  return frame;
}

/** Draws arrows (x, y) → (x + u·scale, y + v·scale) on `frame`, arrow length capped to `maxPx`. */
export function arrows(
  frame: Frame,
  points: Float64Array,
  vectors: Float64Array,
  color: string,
  maxPx = 22,
): void {
  const { ctx } = frame;
  let biggest = 0;
  for (let i = 0; i < vectors.length; i += 2)
    biggest = Math.max(biggest, Math.hypot(vectors[i]!, vectors[i + 1]!));
  const sx = frame.width / (frame.box.x1 - frame.box.x0);
  const sy = frame.height / (frame.box.y1 - frame.box.y0);
  const scale = biggest > 0 ? maxPx / (biggest * Math.max(sx, sy)) : 0;
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 1.3;
  frame.clip(() => {
    for (let i = 0; i < points.length; i += 2) {
      const x = frame.px(points[i]!);
      const y = frame.py(points[i + 1]!);
      const dx = vectors[i]! * scale * sx;
      const dy = -vectors[i + 1]! * scale * sy;
      const len = Math.hypot(dx, dy);
      if (!(len > 0.5)) continue;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + dx, y + dy);
      ctx.stroke();
      const a = Math.atan2(dy, dx);
      const head = Math.min(5, len / 2);
      ctx.beginPath();
      ctx.moveTo(x + dx, y + dy);
      ctx.lineTo(x + dx - head * Math.cos(a - 0.45), y + dy - head * Math.sin(a - 0.45));
      ctx.lineTo(x + dx - head * Math.cos(a + 0.45), y + dy - head * Math.sin(a + 0.45));
      ctx.fill();
    }
  });
}

/** Dots at the rows of `points` (n × 2). */
export function dots(frame: Frame, points: ArrayLike<number>, color: string, size = 2): void {
  const { ctx } = frame;
  ctx.fillStyle = color;
  frame.clip(() => {
    for (let i = 0; i + 1 < points.length; i += 2)
      ctx.fillRect(frame.px(points[i]!) - size / 2, frame.py(points[i + 1]!) - size / 2, size, size);
  });
}

/** An empty frame with axes over `box` (for scatter plots and fields). */
export function emptyFrame(canvas: HTMLCanvasElement, box: Box, options: AxesOptions = {}): Frame {
  const { ctx, w, h } = context(canvas);
  const frame = new Frame(ctx, w, h, box, options);
  frame.axes();
  return frame;
}
