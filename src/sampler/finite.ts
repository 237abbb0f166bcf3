/**
 * The non-finite guard of every sampler step: a NaN or ±∞ in a model prediction or in the state
 * after a step is an error naming the sampler, the step, the times, the first bad entry and the
 * likely cause, instead of a batch of NaN returned as samples.
 */
import type { Shape } from "../array.js";
import type { Grid } from "./grid.js";

/** Where a sampler is: the step index on its grid and the batch shape (a SamplerState fits). */
export interface StepPosition {
  readonly index: number;
  readonly grid: Grid;
  readonly shape: Shape;
}

function likelyCause(state: StepPosition): string {
  const { grid } = state;
  const from = state.index;
  const lambdas = grid.logSnrs;
  const last = lambdas.length - 1;
  let negInf = 0;
  for (let i = 0; i < last; i++) if (lambdas[i] === Number.NEGATIVE_INFINITY) negInf++;
  if (negInf === last) {
    return "α = 0 at every node of the grid (log-SNR λ = −∞): xₜ never depends on the data, so the path cannot generate it — on a bridge, the SDE needs diffusion (L ≠ 0, e.g. brownianMotion sigma > 0)";
  }
  const at = (i: number) => lambdas[i] === Number.NEGATIVE_INFINITY || Number.isNaN(lambdas[i]!);
  if (at(from) || (from + 1 < last && at(from + 1))) {
    return `the log-SNR λ is ${lambdas[at(from) ? from : from + 1]} at a node of this step (α = 0 there), and this solver steps in λ; start the grid after the path's tMin (${grid.path.tMin}) or use a solver that steps in t (euler, heun)`;
  }
  return "the step is too large for this solver, or the model's predictions are extreme; use more steps, a lower-order solver, or check the model";
}

/**
 * Throws a RangeError unless every entry of `values` is finite. `what` is "state" (x after the step
 * that started at `state`) or "prediction" (the model's output at time `t` during that step, on input
 * `x`). The message names `fn`, the step and its times, the first bad row and entry, how many rows
 * are affected, and the likely cause (α = 0 on the grid, a model producing NaN from a finite input,
 * or an unstable step).
 */
export function checkFiniteStep(
  fn: string,
  what: "state" | "prediction",
  values: Float64Array,
  state: StepPosition,
  t: number,
  x?: Float64Array,
): void {
  // v·0 is 0 for a finite v and NaN for ±∞ or NaN: four sums of them, then the slow search only if
  // one is not 0.
  let [z0, z1, z2, z3] = [0, 0, 0, 0];
  const n4 = values.length - (values.length % 4);
  for (let i = 0; i < n4; i += 4) {
    z0 += values[i]! * 0;
    z1 += values[i + 1]! * 0;
    z2 += values[i + 2]! * 0;
    z3 += values[i + 3]! * 0;
  }
  for (let i = n4; i < values.length; i++) z0 += values[i]! * 0;
  if (z0 + z1 + z2 + z3 === 0) return;
  const first = values.findIndex((v) => !Number.isFinite(v));
  const { dim, batch } = state.shape;
  let rows = 0;
  for (let r = 0; r < batch; r++) {
    for (let a = 0; a < dim; a++) {
      if (!Number.isFinite(values[r * dim + a]!)) {
        rows++;
        break;
      }
    }
  }
  const times = state.grid.times;
  const step = `step ${state.index} (t = ${times[state.index]} → ${times[state.index + 1]})`;
  const entry = `row ${Math.floor(first / dim)}, entry ${first % dim} is ${values[first]}; ${rows} of ${batch} rows affected`;
  if (what === "prediction") {
    const inputFinite = x === undefined || x.every(Number.isFinite);
    throw new RangeError(
      `${fn}: the model returned a non-finite prediction at t = ${t} in ${step} (${entry}); ${
        inputFinite
          ? "its input was finite, so the model produced it — check the model's weights and that t lies in its path's domain"
          : `its input was already non-finite: ${likelyCause(state)}`
      }`,
    );
  }
  throw new RangeError(
    `${fn}: ${step} made the state non-finite (${entry}); likely cause: ${likelyCause(state)}`,
  );
}
