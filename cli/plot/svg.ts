/**
 * A few SVG building blocks (strings): elements with escaped attributes and text, and the palette
 * shared by every plot.
 */

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Attribute values: strings are escaped, numbers rounded to 2 decimals; undefined is dropped. */
export type Attrs = Readonly<Record<string, string | number | undefined>>;

function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function attrs(a: Attrs): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : escapeXml(v!)}"`)
    .join("");
}

/** An element: `<tag a="…">children</tag>`, self-closing without children. */
export function el(tag: string, a: Attrs, children?: string | readonly string[]): string {
  const inner =
    children === undefined ? undefined : typeof children === "string" ? children : children.join("");
  return inner === undefined ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner}</${tag}>`;
}

/** A text element (content escaped). */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el("text", { x, y, ...a }, escapeXml(content));
}

/** The points of a polyline, "x1,y1 x2,y2 …" (non-finite points split nothing: callers skip them). */
export function points(xs: readonly number[], ys: readonly number[]): string {
  return xs.map((x, i) => `${num(x)},${num(ys[i]!)}`).join(" ");
}

/** A complete SVG document of `width` × `height` px around `body`, on a white background. */
export function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">`,
    el("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }),
    ...body,
    "</svg>",
  ].join("\n");
}

/** The font family named in every plot (render.ts loads a matching system font file). */
export const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** Colours for series, colour-blind safe (Okabe–Ito), in order of use. */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#D55E00",
  "#56B4E9",
  "#F0E442",
  "#000000",
] as const;

/** Ink colours: text, axes, grid. */
export const INK = { text: "#222222", muted: "#666666", axis: "#444444", grid: "#e6e6e6" } as const;

/** Several SVG documents (from `svgDocument`) placed side by side in one document. */
export function sideBySide(docs: readonly string[]): string {
  let x = 0;
  let height = 0;
  const parts = docs.map((doc) => {
    const m = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(doc);
    if (m === null) throw new Error("sideBySide: not an svgDocument");
    const w = Number(m[1]);
    const placed = doc.replace(/^<svg /, `<svg x="${x}" y="0" `);
    x += w;
    height = Math.max(height, Number(m[2]));
    return placed;
  });
  return svgDocument(x, height, parts);
}
