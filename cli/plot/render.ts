/**
 * SVG → PNG with @resvg/resvg-js. resvg draws text only with a font it has loaded, so a system font
 * file is looked up (DIFFLUX_FONT first, then DejaVu Sans / Liberation Sans / Arial at their usual
 * places on Debian, Fedora, Arch, macOS and Windows); nothing is ever downloaded. Without one, plots
 * are rendered without their text and a one-time note says how to fix it.
 */
import { existsSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import { io } from "../io.js";

const CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
  "/usr/share/fonts/TTF/LiberationSans-Regular.ttf",
  "/System/Library/Fonts/Supplemental/Arial.ttf",
  "/Library/Fonts/Arial.ttf",
  "C:\\Windows\\Fonts\\arial.ttf",
];

const BOLD: Record<string, string> = {
  "DejaVuSans.ttf": "DejaVuSans-Bold.ttf",
  "LiberationSans-Regular.ttf": "LiberationSans-Bold.ttf",
  "Arial.ttf": "Arial Bold.ttf",
  "arial.ttf": "arialbd.ttf",
};

let cached: string[] | null | undefined;
let warned = false;

/**
 * The font files used for plot text (regular, and bold when found beside it), or null when no font
 * is available. DIFFLUX_FONT (a .ttf/.otf path) takes precedence; an empty DIFFLUX_FONT disables text.
 */
export function plotFonts(): string[] | null {
  if (cached !== undefined) return cached;
  const env = process.env.DIFFLUX_FONT;
  if (env !== undefined) {
    cached = env !== "" && existsSync(env) ? [env] : null;
    return cached;
  }
  const regular = CANDIDATES.find((p) => existsSync(p));
  if (regular === undefined) {
    cached = null;
    return cached;
  }
  const name = regular.split(/[\\/]/).pop()!;
  const bold =
    BOLD[name] === undefined ? undefined : regular.slice(0, regular.length - name.length) + BOLD[name];
  cached = bold !== undefined && existsSync(bold) ? [regular, bold] : [regular];
  return cached;
}

/** The SVG without its text elements (for rendering when no font is available). */
export function stripText(svg: string): string {
  return svg.replace(/<text\b[^>]*>[\s\S]*?<\/text>/g, "");
}

/**
 * Renders an SVG document to PNG bytes at `scale` × its size (default 2, crisp on high-density
 * screens). Text is drawn with `plotFonts()`; without a font it is left out (see the file header).
 */
export function renderPng(svg: string, scale = 2): Uint8Array {
  const fonts = plotFonts();
  if (fonts === null && !warned) {
    warned = true;
    io().err(
      "difflux: note: no system font found, so plots are drawn without text — install fonts-dejavu-core or set DIFFLUX_FONT=/path/to/font.ttf\n",
    );
  }
  const resvg = new Resvg(fonts === null ? stripText(svg) : svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    font: {
      loadSystemFonts: false,
      fontFiles: fonts ?? [],
      defaultFontFamily: fonts === null ? "" : "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}
