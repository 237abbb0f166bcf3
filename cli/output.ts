/**
 * What a command prints on stdout: a human summary (lines and aligned tables) or, with `--json`,
 * exactly one JSON document.
 */
import { io } from "./io.js";

/** A table: column headers and rows of cells (numbers are formatted with `formatNumber`). */
export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** A number for humans: 4 significant digits, exponent form outside [1e-3, 1e5). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** "0.0123 ± 0.0004": a mean and its standard deviation over seeds (the mean alone without one). */
export function formatSpread(s: { readonly mean: number; readonly sd: number | null }): string {
  return s.sd === null ? formatNumber(s.mean) : `${formatNumber(s.mean)} ± ${formatNumber(s.sd)}`;
}

function cell(v: string | number | null): string {
  if (v === null) return "–";
  return typeof v === "number" ? formatNumber(v) : v;
}

/** The table as aligned text: text columns left-aligned, number columns right-aligned. */
export function formatTable(table: Table): string {
  const cells = table.rows.map((r) => r.map(cell));
  // Numbers, and texts that start as numbers ("0.012 ± 0.001"), are right-aligned.
  const numeric = table.columns.map((_, j) =>
    table.rows.every((r) => typeof r[j] === "number" || r[j] === null || /^[-+−]?[\d.]/.test(String(r[j]))),
  );
  const widths = table.columns.map((c, j) => Math.max(c.length, ...cells.map((r) => (r[j] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((s, j) => (numeric[j] ? s.padStart(widths[j]!) : s.padEnd(widths[j]!)))
      .join("  ")
      .trimEnd();
  return [line(table.columns), line(widths.map((w) => "─".repeat(w))), ...cells.map(line)].join("\n");
}

/** Writes one line (or block) to stdout. */
export function say(text: string): void {
  io().out(`${text}\n`);
}

/** Writes `value` as one JSON document to stdout (typed arrays as plain arrays). */
export function printJson(value: unknown): void {
  io().out(
    `${JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2)}\n`,
  );
}
