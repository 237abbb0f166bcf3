/**
 * The classical fourth-order Runge–Kutta method on the probability-flow ODE in canonical time
 * (dx/dt = u, the velocity), one fixed step per grid interval of the shared integrator
 * (math/integrate.ts, scheme "rk4"):
 *   k₁ = u(xᵢ, tᵢ),  k₂ = u(xᵢ + ½Δt·k₁, tᵢ + ½Δt),  k₃ = u(xᵢ + ½Δt·k₂, tᵢ + ½Δt),
 *   k₄ = u(xᵢ + Δt·k₃, tᵢ₊₁),   xᵢ₊₁ = xᵢ + Δt·(k₁ + 2k₂ + 2k₃ + k₄)/6.
 * Works on every Gaussian path, dense bridges included. Last step: into the data end (σ = 0) the
 * velocity is singular, so that step is the denoising jump x = α·D̂ + b. Order 4; 4 NFE per step.
 * Source: Kutta (1901); Hairer, Nørsett & Wanner, Solving ODEs I, §II.1.
 */
import { integrate } from "../math/integrate.js";
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";
import { velocityRhs } from "./variable.js";

/** RK4 (file header). */
export function rk4(): Sampler {
  const fn = "rk4";
  return defineSampler(fn, { name: fn, order: 4, stochastic: false }, async (run) => {
    const x = run.state.x;
    const from = run.slice(run.from);
    const to = run.slice(run.to);
    // Into the data end: the denoising jump.
    if (run.toDataEnd) return run.finish(denoiseTo(to, (await run.predict(x, from)).as("data")));
    // One RK4 step from tᵢ to tᵢ₊₁.
    const { y } = await integrate(velocityRhs(run), x, from.t, to.t, {
      solver: { kind: "fixed", scheme: "rk4", steps: 1 },
    });
    return run.finish(y);
  });
}
