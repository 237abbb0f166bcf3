/**
 * The classical fourth-order Runge–Kutta method on the probability-flow ODE in canonical time
 * (dx/dt = velocity), one fixed RK4 step per grid interval through the shared integrator
 * (math/integrate.ts, scheme "rk4": c = (0, ½, ½, 1), b = (⅙, ⅓, ⅓, ⅙)). Works on every Gaussian
 * path, dense bridges included. Last step: into the data end (σ = 0) the velocity is singular, so that
 * step is the denoising jump x = α·D̂ + b. Order 4; 4 NFE per step.
 * Source: Kutta (1901); Hairer, Nørsett & Wanner, Solving ODEs I, §II.1.
 */
import { integrate } from "../math/integrate.js";
import { type Sampler, type SamplerState, type StepRun, defineSampler, denoiseTo } from "./sampler.js";

/** The velocity field of the PF-ODE as an integrator right-hand side, counting NFE on `run`. */
export function velocityRhs(
  run: StepRun<SamplerState>,
): (t: number, y: Float64Array) => Promise<Float64Array> {
  const a = run.slice(run.from);
  const b = run.slice(run.to);
  return async (t, y) =>
    (await run.predict(y, t === a.t ? a : t === b.t ? b : run.sliceAt(t))).as("velocity");
}

/** RK4 (file header). */
export function rk4(): Sampler {
  const fn = "rk4";
  return defineSampler(fn, { name: fn, order: 4, stochastic: false }, async (run) => {
    const { state } = run;
    const from = run.slice(run.from);
    const to = run.slice(run.to);
    // Last step into the data end: the denoising jump.
    if (run.toDataEnd) return run.finish(denoiseTo(to, (await run.predict(state.x, from)).as("data")));
    // One RK4 step from tᵢ to tᵢ₊₁.
    const { y } = await integrate(velocityRhs(run), state.x, from.t, to.t, {
      solver: { kind: "fixed", scheme: "rk4", steps: 1 },
    });
    return run.finish(y);
  });
}
