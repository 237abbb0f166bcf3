/**
 * A per-case memory bound for fuzz tests: the process's peak resident set (getrusage maxrss, which
 * only grows) may rise by at most `mib` over the peak before the first case. Run the cases in order
 * of increasing bound, so each case's own peak is checked against its own bound: a case that went
 * higher would have raised the peak past it.
 */
import assert from "node:assert/strict";

/** The process's peak resident set so far, in MiB. */
export function peakMib(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A bounded case: runs `body` and fails if the peak resident set rose more than `mib` above `base`. */
export interface MemoryCase {
  readonly name: string;
  readonly mib: number;
  readonly body: () => void | Promise<void>;
}

/** Runs `cases` (sorted by bound) and returns each one's peak rise in MiB and duration in ms. */
export async function runBounded(
  cases: readonly MemoryCase[],
): Promise<{ name: string; riseMib: number; ms: number }[]> {
  const sorted = [...cases].sort((a, b) => a.mib - b.mib);
  const base = peakMib();
  const out: { name: string; riseMib: number; ms: number }[] = [];
  for (const c of sorted) {
    const t0 = performance.now();
    await c.body();
    const rise = peakMib() - base;
    out.push({ name: c.name, riseMib: rise, ms: performance.now() - t0 });
    assert.ok(
      rise <= c.mib,
      `${c.name}: the peak resident set rose ${rise.toFixed(0)} MiB, above its bound of ${c.mib} MiB`,
    );
  }
  return out;
}
