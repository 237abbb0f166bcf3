/**
 * Explicit two-stage Runge–Kutta methods RK(α) on the probability-flow ODE (Butcher tableau
 * c = (0, α), a₂₁ = α, b = (1 − 1/(2α), 1/(2α)); α = ½ midpoint, α = ⅔ Ralston, α = 1 Heun):
 *   k₁ = f(yᵢ, τᵢ),   k₂ = f(yᵢ + αΔτ·k₁, τᵢ + αΔτ),   yᵢ₊₁ = yᵢ + Δτ·((1 − 1/(2α))·k₁ + 1/(2α)·k₂),
 * in canonical time or in σ̃ (variable.ts). With `stage: "logSnr"` the stage sits at fraction α of the
 * step in log-SNR — in σ̃ with α = ½ this is k-diffusion's DPM-2 (`dpm2()`: the stage at the geometric
 * mean √(σ̃ᵢσ̃ᵢ₊₁)). Source: Butcher (2016), Numerical Methods for ODEs, §23; Karras et al. 2022,
 * Alg. 2 (α = 1) and App. D.2 (general α).
 * Last step: a stage on or beyond the data end (σ̃ = 0) cannot be evaluated — that step is Euler; in
 * the t variable every step into the data end is the denoising jump. Order 2.
 */
import type { PathSlice } from "../path/path.js";
import { type Sampler, type SamplerState, type StepRun, defineSampler, denoiseTo } from "./sampler.js";
import {
  type Frame,
  type OdeVariable,
  type StagePlacement,
  advance,
  checkVariable,
  frameOf,
  slope,
  stageTime,
  toX,
  toY,
} from "./variable.js";

/** Options of `rk2`, `midpoint` and `dpm2`. */
export interface Rk2Options {
  /** Integration variable (default "t"). */
  readonly variable?: OdeVariable;
  /** Where the stage sits (default "linear" in the variable). */
  readonly stage?: StagePlacement;
}

/**
 * One RK(α) step from (x, from) to grid node `run.to`, with the stage at `stageSlice` (undefined: an
 * Euler step). Shared by rk2, heun and the EDM stochastic sampler.
 */
export async function rk2Update(
  run: StepRun<SamplerState>,
  variable: OdeVariable,
  alpha: number,
  x: Float64Array,
  from: Frame,
  stageSlice: PathSlice | undefined,
): Promise<Float64Array> {
  const dim = run.state.shape.dim;
  const to = frameOf(run.fn, variable, run.slice(run.to));
  const p1 = await run.predict(x, from.slice);
  // Last step into the data end (t variable): the denoising jump.
  if (variable === "t" && run.toDataEnd) return denoiseTo(to.slice, p1.as("data"));
  const y = toY(from, x, dim);
  const k1 = slope(from, p1);
  // Euler step (also the whole step when the stage is unavailable).
  if (stageSlice === undefined) return toX(to, advance(y, from, to, [[1, k1]], dim), dim);
  // Stage: y + αΔτ·k₁ at τ + αΔτ.
  const stage = frameOf(run.fn, variable, stageSlice);
  const p2 = await run.predict(toX(stage, advance(y, from, stage, [[1, k1]], dim), dim), stageSlice);
  const k2 = slope(stage, p2);
  // Second-order combination.
  const b2 = 1 / (2 * alpha);
  return toX(
    to,
    advance(
      y,
      from,
      to,
      [
        [1 - b2, k1],
        [b2, k2],
      ],
      dim,
    ),
    dim,
  );
}

function checkAlpha(fn: string, alpha: number): number {
  if (!(alpha > 0 && alpha <= 1))
    throw new RangeError(`${fn}: alpha must lie in (0, 1], got ${alpha} (½ midpoint, ⅔ Ralston, 1 Heun)`);
  return alpha;
}

/**
 * The generic RK(α) sampler (file header). With α = 1 the stage is the next node itself (Heun), and
 * none on the step into the data end.
 */
export function rk2(options: Rk2Options & { readonly alpha: number; readonly name?: string }): Sampler {
  const fn = options.name ?? "rk2";
  const alpha = checkAlpha(fn, options.alpha);
  const variable = checkVariable(fn, options.variable ?? "t");
  const placement = options.stage ?? "linear";
  if (placement !== "linear" && placement !== "logSnr")
    throw new RangeError(`${fn}: stage must be "linear" or "logSnr", got ${JSON.stringify(placement)}`);
  const details = [
    variable === "t" ? "" : "sigma",
    alpha === 1 ? "" : `alpha=${alpha}`,
    placement === "logSnr" ? "logSnr stage" : "",
  ].filter((d) => d);
  const name = details.length > 0 ? `${fn}(${details.join(", ")})` : fn;
  return defineSampler(fn, { name, order: 2, stochastic: false }, async (run) => {
    const { state } = run;
    const from = frameOf(fn, variable, run.slice(run.from));
    let stageSlice: PathSlice | undefined;
    if (alpha === 1 && placement === "linear") stageSlice = run.toDataEnd ? undefined : run.slice(run.to);
    else {
      const ts = stageTime(state.grid, run.from, run.to, alpha, variable, placement);
      stageSlice = ts === undefined ? undefined : run.sliceAt(ts);
    }
    return run.finish(await rk2Update(run, variable, alpha, state.x, from, stageSlice));
  });
}

/** The explicit midpoint method: RK(½). */
export function midpoint(options: Rk2Options = {}): Sampler {
  return rk2({ ...options, alpha: 0.5, name: "midpoint" });
}

/**
 * k-diffusion's DPM-2 (Crowson, "inspired by DPM-Solver-2 and Karras et al. Alg. 2"): the midpoint
 * method in σ̃ with the stage at the geometric mean √(σ̃ᵢσ̃ᵢ₊₁); Euler into the data end.
 */
export function dpm2(): Sampler {
  return rk2({ alpha: 0.5, variable: "sigma", stage: "logSnr", name: "dpm2" });
}
