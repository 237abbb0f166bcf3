/**
 * The self-contained `report.html` of a run (used by `demo`): one file with the figures inlined as
 * base64 PNGs, the metric tables and the configuration, readable offline and in any browser.
 */
import { formatNumber, type Table } from "./output.js";
import { escapeXml } from "./plot/svg.js";

/** A figure of the report: a PNG and its caption. */
export interface ReportFigure {
  readonly title: string;
  readonly png: Uint8Array;
  readonly caption?: string;
  /** File name of the same PNG beside the report, linked under the figure. */
  readonly file?: string;
  /** Span the whole row (for side-by-side panels). */
  readonly wide?: boolean;
}

/** A table of the report. */
export interface ReportTable {
  readonly title: string;
  readonly table: Table;
  readonly caption?: string;
}

/** Everything in a report. */
export interface ReportSpec {
  readonly title: string;
  /** One line under the title (e.g. version and date). */
  readonly subtitle?: string;
  /** Introductory paragraphs (plain text). */
  readonly summary?: readonly string[];
  readonly tables: readonly ReportTable[];
  readonly figures: readonly ReportFigure[];
  /** The run's configuration, shown as JSON. */
  readonly config: unknown;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; border-bottom: 1px solid #dde1e6; padding-bottom: 6px; }
.subtitle { color: #666; margin: 0 0 16px; }
p { line-height: 1.5; max-width: 900px; }
table { border-collapse: collapse; background: #fff; font-size: 14px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
th, td { padding: 6px 12px; border-bottom: 1px solid #e6e8eb; text-align: left; }
th { background: #eef1f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.caption { color: #555; font-size: 13px; margin: 6px 0 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 20px; }
figure { margin: 0; background: #fff; padding: 12px; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figure.wide { grid-column: 1 / -1; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #555; margin-top: 8px; }
figcaption b { color: #222; }
pre { background: #fff; padding: 14px; border-radius: 6px; overflow-x: auto; font-size: 12.5px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
`;

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function tableHtml(t: ReportTable): string {
  const numeric = t.table.columns.map((_, j) =>
    t.table.rows.every((r) => typeof r[j] === "number" || r[j] === null),
  );
  const head = t.table.columns.map((c) => `<th>${escapeXml(c)}</th>`).join("");
  const rows = t.table.rows
    .map(
      (r) =>
        `<tr>${r
          .map((v, j) => {
            const s = v === null ? "–" : typeof v === "number" ? formatNumber(v) : v;
            return `<td${numeric[j] ? ' class="num"' : ""}>${escapeXml(s)}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("\n");
  const caption = t.caption ? `<p class="caption">${escapeXml(t.caption)}</p>` : "";
  return `<h2>${escapeXml(t.title)}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>${caption}`;
}

function figureHtml(f: ReportFigure): string {
  const caption = [
    `<b>${escapeXml(f.title)}</b>`,
    f.caption ? ` — ${escapeXml(f.caption)}` : "",
    f.file ? ` (<a href="${escapeXml(f.file)}">${escapeXml(f.file)}</a>)` : "",
  ].join("");
  return `<figure${f.wide ? ' class="wide"' : ""}><img alt="${escapeXml(f.title)}" src="data:image/png;base64,${base64(f.png)}"><figcaption>${caption}</figcaption></figure>`;
}

/** The report as one HTML document (no external resources). */
export function buildReport(spec: ReportSpec): string {
  const parts = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(spec.title)}</title>`,
    `<style>${CSS}</style></head><body><main>`,
    `<h1>${escapeXml(spec.title)}</h1>`,
    spec.subtitle ? `<p class="subtitle">${escapeXml(spec.subtitle)}</p>` : "",
    ...(spec.summary ?? []).map((p) => `<p>${escapeXml(p)}</p>`),
    ...spec.tables.map(tableHtml),
    spec.figures.length > 0
      ? `<h2>Figures</h2>\n<div class="figures">\n${spec.figures.map(figureHtml).join("\n")}\n</div>`
      : "",
    "<h2>Configuration</h2>",
    `<pre>${escapeXml(JSON.stringify(spec.config, null, 2))}</pre>`,
    "</main></body></html>",
  ];
  return `${parts.filter((p) => p !== "").join("\n")}\n`;
}
