/**
 * Explicit two-stage Runge–Kutta methods RK(α) on the probability-flow ODE, in canonical time or in σ̃
 * (variable.ts); Butcher tableau c = (0, α), a₂₁ = α, b = (1 − 1/(2α), 1/(2α)) — α = ½ midpoint,
 * α = ⅔ Ralston, α = 1 Heun:
 *   k₁ = f(yᵢ, τᵢ)
 *   k₂ = f(yᵢ + αΔτ·k₁, τᵢ + αΔτ)
 *   yᵢ₊₁ = yᵢ + Δτ·((1 − 1/(2α))·k₁ + 1/(2α)·k₂)
 * With `stage: "logSnr"` the stage sits at fraction α of the step in log-SNR — in σ̃ with α = ½ this is
 * k-diffusion's DPM-2 (`dpm2()`: the stage at the geometric mean √(σ̃ᵢσ̃ᵢ₊₁)). Per coordinate the
 * stage's actual Δτ is used. Last step: a stage on or beyond the data end (σ̃ = 0) cannot be evaluated,
 * so that step is Euler; in the t variable every step into the data end is the denoising jump. Order 2.
 * Sources: Butcher (2016), Numerical Methods for ODEs, §23; Karras et al. 2022, Alg. 2 (α = 1) and
 * App. D.2 (general α).
 */
import type { PathSlice } from "../path/path.js";
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";
import {
  type OdeVariable,
  type StagePlacement,
  advance,
  beginOde,
  checkVariable,
  frameAt,
  stageTime,
} from "./variable.js";

/** Options of `rk2`, `midpoint` and `dpm2`. */
export interface Rk2Options {
  /** Integration variable (default "t"). */
  readonly variable?: OdeVariable;
  /** Where the stage sits (default "linear" in the variable). */
  readonly stage?: StagePlacement;
}

function checkAlpha(fn: string, alpha: number): number {
  if (!(alpha > 0 && alpha <= 1))
    throw new RangeError(`${fn}: alpha must lie in (0, 1], got ${alpha} (½ midpoint, ⅔ Ralston, 1 Heun)`);
  return alpha;
}

/**
 * The generic RK(α) sampler (file header). With α = 1 and a linear stage the stage is the next node
 * itself (Heun), and none on the step into the data end.
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
    const { from, to, p } = await beginOde(run, variable);
    // Into the data end in t: the denoising jump.
    if (variable === "t" && run.toDataEnd) return run.finish(denoiseTo(to.slice, p.as("data")));
    const y = from.y(run.state.x);
    const k1 = from.slope(p);
    // The stage at τᵢ + αΔτ; none on or beyond the data end: an Euler step.
    let stageSlice: PathSlice | undefined;
    if (alpha === 1 && placement === "linear") stageSlice = run.toDataEnd ? undefined : to.slice;
    else {
      const ts = stageTime(run.state.grid, run.from, run.to, alpha, variable, placement);
      stageSlice = ts === undefined ? undefined : run.sliceAt(ts);
    }
    if (stageSlice === undefined) return run.finish(to.x(advance(y, from, to, [k1])));
    const stage = frameAt(run, variable, stageSlice);
    const k2 = stage.slope(await run.predict(stage.x(advance(y, from, stage, [k1])), stageSlice));
    // yᵢ₊₁ = yᵢ + Δτ·((1 − 1/(2α))·k₁ + 1/(2α)·k₂).
    const b2 = 1 / (2 * alpha);
    return run.finish(to.x(advance(y, from, to, [k1, k2], [1 - b2, b2])));
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
