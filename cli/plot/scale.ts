/**
 * Axis scales for the plots: linear and logarithmic maps from data to pixels, with "nice" ticks
 * (1, 2, 5 × 10ᵏ steps on linear axes; decades, plus 2 and 5 when there are few, on log axes).
 */

/** A map from data values to pixels, with its ticks and tick labels. */
export interface Scale {
  readonly kind: "linear" | "log";
  /** Data range shown, [lo, hi]. */
  readonly domain: readonly [number, number];
  /** Pixel range, [start, end] (end < start for a y axis). */
  readonly range: readonly [number, number];
  (value: number): number;
  readonly ticks: readonly { readonly value: number; readonly label: string }[];
}

/** A 1, 2 or 5 × 10ᵏ step close to span/count. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  const m = raw / base;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * base;
}

/** A tick label with just enough decimals for `step`. */
export function tickLabel(value: number, step: number): string {
  if (value === 0) return "0";
  const a = Math.abs(value);
  if (a >= 1e5 || a < 1e-4) return value.toExponential(Math.max(0, Math.round(-Math.log10(step / a))));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** A power of ten as a label: "1", "10", "100", "0.1", "0.01" (plain) or "10⁻⁴" (superscript). */
export function powerLabel(k: number, plain = k >= -2 && k <= 3): string {
  if (plain && k >= 0) return String(10 ** k);
  if (plain) return (10 ** k).toFixed(-k);
  return `10${String(k)
    .split("")
    .map((c) => SUPERSCRIPT[c] ?? c)
    .join("")}`;
}

/** The [min, max] of the finite values (of the positive ones with `positive`); null when there are none. */
export function extent(values: Iterable<number>, positive = false): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v) || (positive && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * A linear scale over [lo, hi] padded by `pad` (fraction of the span) and widened to nice ticks,
 * mapped to the pixel range `range`.
 */
export function linearScale(
  data: readonly [number, number],
  range: readonly [number, number],
  options: { pad?: number; ticks?: number; nice?: boolean } = {},
): Scale {
  let [lo, hi] = data;
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const pad = (options.pad ?? 0.04) * (hi - lo);
  lo -= pad;
  hi += pad;
  const step = niceStep(hi - lo, options.ticks ?? 6);
  if (options.nice ?? true) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  const ticks: { value: number; label: string }[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    const value = Math.abs(v) < step * 1e-9 ? 0 : v;
    ticks.push({ value, label: tickLabel(value, step) });
  }
  const [r0, r1] = range;
  const map = (v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0);
  return Object.assign(map, { kind: "linear" as const, domain: [lo, hi] as const, range, ticks });
}

/**
 * A log₁₀ scale over the positive [lo, hi], padded by `pad` decades; ticks at decades (labelled),
 * at 2× and 5× when the domain spans fewer than two decades, and at linear nice steps when even
 * those give fewer than three ticks.
 */
export function logScale(
  data: readonly [number, number],
  range: readonly [number, number],
  options: { pad?: number } = {},
): Scale {
  let lo = Math.log10(data[0]);
  let hi = Math.log10(data[1]);
  if (hi - lo < 0.3) {
    const mid = (hi + lo) / 2;
    lo = mid - 0.15;
    hi = mid + 0.15;
  }
  const pad = options.pad ?? 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const ticks: { value: number; label: string }[] = [];
  const few = hi - lo < 2;
  const plain = Math.floor(lo) >= -2 && Math.ceil(hi) <= 3;
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
    const candidates = few ? [1, 2, 5] : [1];
    for (const m of candidates) {
      const e = k + Math.log10(m);
      if (e < lo - 1e-9 || e > hi + 1e-9) continue;
      const value = m * 10 ** k;
      ticks.push({ value, label: m === 1 ? powerLabel(k, plain) : tickLabel(value, value) });
    }
  }
  if (ticks.length < 3) {
    // Less than about half a decade: linear nice ticks, placed on the log axis.
    const a = 10 ** lo;
    const b = 10 ** hi;
    const step = niceStep(b - a, 5);
    ticks.length = 0;
    for (let v = Math.ceil(a / step) * step; v <= b; v += step)
      ticks.push({ value: v, label: tickLabel(v, step) });
  }
  const [r0, r1] = range;
  const map = (v: number) => r0 + ((Math.log10(v) - lo) / (hi - lo)) * (r1 - r0);
  return Object.assign(map, { kind: "log" as const, domain: [10 ** lo, 10 ** hi] as const, range, ticks });
}
