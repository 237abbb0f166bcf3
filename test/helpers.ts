/**
 * Shared test helpers: schedules under test and tolerance checks.
 */
import assert from "node:assert/strict";
import {
  cosineSchedule,
  customSchedule,
  discreteSchedule,
  edmSchedule,
  linearSchedule,
  linearVpSchedule,
  polynomialSchedule,
  shiftedSchedule,
  subVpSchedule,
  veSchedule,
  vpSchedule,
  type Schedule,
} from "../src/index.js";

/** One of every schedule family (and the notable variants). */
export function allSchedules(): Schedule[] {
  return [
    linearSchedule(),
    linearSchedule({ sigmaMin: 1e-3 }),
    cosineSchedule(),
    polynomialSchedule({ n: 2 }),
    linearVpSchedule(),
    vpSchedule(),
    subVpSchedule(),
    veSchedule(),
    edmSchedule(),
    discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
    discreteSchedule({ betaSchedule: "linear", zeroTerminalSnr: true }),
    shiftedSchedule(linearSchedule(), { shift: 3 }),
    shiftedSchedule(cosineSchedule(), { mu: 0.5 }),
    customSchedule({
      name: "custom-cos2",
      alpha: (t) => Math.sin((Math.PI / 2) * t) ** 2,
      sigma: (t) => Math.cos((Math.PI / 2) * t),
    }),
  ];
}

/** Asserts |a − b| ≤ atol + rtol·|b| elementwise, reporting the worst index. */
export function assertClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { rtol = 1e-12, atol = 0, message = "" }: { rtol?: number; atol?: number; message?: string } = {},
): void {
  const a = typeof actual === "number" ? [actual] : actual;
  const e = typeof expected === "number" ? [expected] : expected;
  assert.equal(a.length, e.length, `${message} length`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const tol = atol + rtol * Math.abs(e[i]!);
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= tol) && (worst < 0 || err - tol > worstExcess)) {
      worst = i;
      worstExcess = err - tol;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${message} index ${worst}: got ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** max |a − b| / max(|b|_∞, floor). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-300): number {
  let num = 0;
  let den = floor;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}
