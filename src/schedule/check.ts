/** Argument checks shared by the schedule families. */

/** Throws unless x is finite and inside [lo, hi] (or [lo, hi) when `openRight`). */
export function checkRange(
  fn: string,
  name: string,
  x: number,
  lo: number,
  hi: number,
  openRight = false,
): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || (openRight ? x >= hi : x > hi)) {
    throw new RangeError(
      `${fn}: ${name} must be a finite number in [${lo}, ${hi}${openRight ? ")" : "]"}, got ${x}`,
    );
  }
}

/** Throws unless x is a finite number > 0. */
export function checkPositive(fn: string, name: string, x: number): void {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`${fn}: ${name} must be a finite number > 0, got ${x}`);
  }
}
