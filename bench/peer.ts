/**
 * The peer column of the benchmarks: Debian's numpy / PyTorch through /usr/bin/python3 (the python3
 * on PATH cannot see Debian packages). `runPython` returns null when the interpreter or module is absent,
 * so a benchmark prints its table without the peer column instead of failing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The Debian interpreter that sees python3-numpy / python3-torch. */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs a Python script and parses its last stdout line as JSON; null if python or `module` is missing.
 */
export function runPython<T>(script: string, module: "numpy" | "torch"): T | null {
  if (!existsSync(PYTHON)) return null;
  const probe = spawnSync(PYTHON, ["-c", `import ${module}`], { encoding: "utf8" });
  if (probe.status !== 0) return null;
  const r = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python peer failed: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** The median of `xs` (the upper middle one for an even count); `xs` is not modified. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median of `repeats` timings (ms) of `fn`, after `warmup` untimed calls. */
export function timeMedian(fn: () => void, repeats = 15, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
