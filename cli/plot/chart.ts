/**
 * The frame every plot shares: title, an optional note line, legend rows under it (wrapped to the
 * width), the plot area with grid, axes, ticks and axis labels, and a clip path so marks never
 * spill outside the plot area.
 */
import type { Scale } from "./scale.js";
import { el, INK, svgDocument, text } from "./svg.js";

/** Pixel box of the plot area. */
export interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** One legend entry: a coloured marker (point, line or both) and its label. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly mark: "point" | "line" | "line+point";
  readonly dashed?: boolean;
}

/** Everything `frame` draws around the marks. */
export interface FrameSpec {
  readonly width: number;
  readonly height: number;
  readonly box: Box;
  readonly x: Scale;
  readonly y: Scale;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** The header laid out by `header` (legend and note positions). */
  readonly head: Header;
  /** Id of the plot area's clip path (from `clipId`), used by the marks as clip-path="url(#id)". */
  readonly clip: string;
  /** A small note under the title (e.g. "12 points outside the view"). */
  readonly note?: string;
}

let clips = 0;

/** A fresh id for the clip path of a plot area (unique, so several plots can share one document). */
export function clipId(): string {
  return `plot-area-${++clips}`;
}

/** Layout constants (px). */
export const LAYOUT = {
  marginLeft: 72,
  marginRight: 24,
  titleTop: 28,
  noteTop: 48,
  legendRow: 20,
  marginBottom: 58,
};

/** Where the header parts go: the legend items (wrapped into rows) and the note line. */
export interface Header {
  /** Top of the plot area. */
  readonly plotTop: number;
  readonly legend: readonly { readonly item: LegendItem; readonly x: number; readonly y: number }[];
  /** Baseline of the note, or null without one. */
  readonly noteY: number | null;
}

function itemWidth(item: LegendItem): number {
  return 28 + 7.6 * item.label.length + 22;
}

/** The header of a `width`-wide figure: title, optional note line, legend rows wrapped to the width. */
export function header(width: number, legend: readonly LegendItem[], note?: string): Header {
  const left = LAYOUT.marginLeft;
  const right = width - LAYOUT.marginRight;
  const noteY = note ? LAYOUT.noteTop : null;
  let y = (note ? LAYOUT.noteTop : LAYOUT.titleTop) + 24;
  let x = left;
  const placed: { item: LegendItem; x: number; y: number }[] = [];
  for (const item of legend) {
    if (x > left && x + itemWidth(item) - 22 > right) {
      x = left;
      y += LAYOUT.legendRow;
    }
    placed.push({ item, x, y });
    x += itemWidth(item);
  }
  return { plotTop: (legend.length > 0 ? y : y - LAYOUT.legendRow) + 18, legend: placed, noteY };
}

/** The plot area of a `width` × `height` figure below `head`. */
export function plotBox(width: number, height: number, head: Header): Box {
  return {
    left: LAYOUT.marginLeft,
    top: head.plotTop,
    right: width - LAYOUT.marginRight,
    bottom: height - LAYOUT.marginBottom,
  };
}

/** Figure height for a plot area of `aspect` (height / width) under `head`. */
export function heightFor(width: number, aspect: number, head: Header): number {
  const plotWidth = width - LAYOUT.marginLeft - LAYOUT.marginRight;
  return Math.round(head.plotTop + plotWidth * aspect + LAYOUT.marginBottom);
}

function legendSvg(head: Header): string[] {
  const out: string[] = [];
  for (const { item, x, y } of head.legend) {
    const dash = item.dashed ? "6 4" : undefined;
    if (item.mark !== "point") {
      out.push(
        el("line", {
          x1: x,
          y1: y,
          x2: x + 22,
          y2: y,
          stroke: item.color,
          "stroke-width": 2.5,
          "stroke-dasharray": dash,
        }),
      );
    }
    if (item.mark !== "line") out.push(el("circle", { cx: x + 11, cy: y, r: 4, fill: item.color }));
    out.push(text(x + 28, y + 4.5, item.label, { "font-size": 13, fill: INK.text }));
  }
  return out;
}

/** Average glyph width in em of the sans-serif face (bold ≈ 0.6, regular ≈ 0.55). */
const GLYPH_EM = { bold: 0.6, regular: 0.55 } as const;

/**
 * The font size (≤ `size`, ≥ 9) at which `label` fits `width` px, and the label itself, shortened with
 * "…" when even 9 px is too wide (long titles are not cut off at the figure's edge).
 */
export function fitText(
  label: string,
  width: number,
  size: number,
  weight: keyof typeof GLYPH_EM = "regular",
): { readonly text: string; readonly size: number } {
  const em = GLYPH_EM[weight];
  const fits = Math.min(size, width / (em * Math.max(1, label.length)));
  if (fits >= 9) return { text: label, size: Math.floor(fits * 10) / 10 };
  const keep = Math.max(1, Math.floor(width / (em * 9)) - 1);
  return { text: `${label.slice(0, keep)}…`, size: 9 };
}

/** An axis label that says when its axis is logarithmic. */
export function axisLabel(label: string, scale: Scale): string {
  return scale.kind === "log" && !/log/i.test(label) ? `${label} (log scale)` : label;
}

/** Grid, axes, ticks, labels, title and legend (drawn before the marks, except the axis lines). */
export function frameBack(spec: FrameSpec): string[] {
  const { box, x, y } = spec;
  const out: string[] = [];
  out.push(
    el(
      "defs",
      {},
      el(
        "clipPath",
        { id: spec.clip },
        el("rect", { x: box.left, y: box.top, width: box.right - box.left, height: box.bottom - box.top }),
      ),
    ),
  );
  for (const t of x.ticks) {
    const px = x(t.value);
    out.push(
      el("line", { x1: px, y1: box.top, x2: px, y2: box.bottom, stroke: INK.grid, "stroke-width": 1 }),
    );
    out.push(
      el("line", { x1: px, y1: box.bottom, x2: px, y2: box.bottom + 5, stroke: INK.axis, "stroke-width": 1 }),
    );
    out.push(
      text(px, box.bottom + 19, t.label, { "font-size": 12, fill: INK.muted, "text-anchor": "middle" }),
    );
  }
  for (const t of y.ticks) {
    const py = y(t.value);
    out.push(
      el("line", { x1: box.left, y1: py, x2: box.right, y2: py, stroke: INK.grid, "stroke-width": 1 }),
    );
    out.push(
      el("line", { x1: box.left - 5, y1: py, x2: box.left, y2: py, stroke: INK.axis, "stroke-width": 1 }),
    );
    out.push(text(box.left - 8, py + 4, t.label, { "font-size": 12, fill: INK.muted, "text-anchor": "end" }));
  }
  const title = fitText(spec.title, spec.width - 16, 16, "bold");
  out.push(
    text(spec.width / 2, LAYOUT.titleTop, title.text, {
      "font-size": title.size,
      "font-weight": "bold",
      fill: INK.text,
      "text-anchor": "middle",
    }),
  );
  const xLabel = fitText(axisLabel(spec.xLabel, x), box.right - box.left, 13);
  out.push(
    text((box.left + box.right) / 2, spec.height - 14, xLabel.text, {
      "font-size": xLabel.size,
      fill: INK.text,
      "text-anchor": "middle",
    }),
  );
  const cy = (box.top + box.bottom) / 2;
  const yLabel = fitText(axisLabel(spec.yLabel, y), box.bottom - box.top, 13);
  out.push(
    text(18, cy, yLabel.text, {
      "font-size": yLabel.size,
      fill: INK.text,
      "text-anchor": "middle",
      transform: `rotate(-90 18 ${cy})`,
    }),
  );
  out.push(...legendSvg(spec.head));
  if (spec.note && spec.head.noteY !== null) {
    const note = fitText(spec.note, spec.width - 16, 12);
    out.push(
      text(spec.width / 2, spec.head.noteY, note.text, {
        "font-size": note.size,
        fill: INK.muted,
        "text-anchor": "middle",
      }),
    );
  }
  return out;
}

/** The axis frame drawn over the marks. */
export function frameFront(spec: FrameSpec): string[] {
  const { box } = spec;
  return [
    el("rect", {
      x: box.left,
      y: box.top,
      width: box.right - box.left,
      height: box.bottom - box.top,
      fill: "none",
      stroke: INK.axis,
      "stroke-width": 1,
    }),
  ];
}

/** The finished figure: the frame behind the marks, the axis box in front. */
export function figure(spec: FrameSpec, marks: readonly string[]): string {
  return svgDocument(spec.width, spec.height, [...frameBack(spec), ...marks, ...frameFront(spec)]);
}
