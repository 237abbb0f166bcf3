/**
 * Adaptive Dormand–Prince 5(4) on the probability-flow ODE in canonical time (dx/dt = velocity), with
 * error control rtol/atol, through the shared integrator (math/integrate.ts: dopriInit/dopriStep).
 * Each grid interval is integrated adaptively; the last proposed step size carries over to the next
 * interval, and the state reports NFE, accepted and rejected steps. Use it with a grid of few nodes
 * (e.g. customGrid(path, [path.tMin, path.tMax], { dataEnd: true })): the step into the data end
 * (σ = 0, where the velocity is singular) is the denoising jump x = α·D̂ + b. Works on every path.
 * Source: Dormand & Prince (1980); Hairer, Nørsett & Wanner, Solving ODEs I, §II.4–II.5.
 */
import { type AdaptiveSolver, dopriInit, dopriStep } from "../math/integrate.js";
import { velocityRhs } from "./variable.js";
import { type Sampler, type SamplerState, defineSampler, denoiseTo } from "./sampler.js";

/** Options of `dopri`. */
export interface DopriOptions {
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** Upper bound on attempted steps per grid interval (default 10 000). */
  readonly maxSteps?: number;
  /** Largest step size (default: the grid interval). With loose tolerances every step is this long. */
  readonly maxStep?: number;
}

/** The adaptive solver's state: the common fields plus the step-size suggestion and step counts. */
export interface DopriSamplerState extends SamplerState {
  /** Next step size to try (undefined before the first interval: the starting heuristic picks it). */
  readonly h: number | undefined;
  readonly accepted: number;
  readonly rejected: number;
}

/** Adaptive Dormand–Prince 5(4) (file header). */
export function dopri(options: DopriOptions = {}): Sampler<DopriSamplerState> {
  const fn = "dopri";
  // Checked here so that bad options fail when the sampler is made, naming dopri.
  for (const key of ["rtol", "atol"] as const) {
    const v = options[key];
    if (v !== undefined && !(v >= 0 && Number.isFinite(v)))
      throw new RangeError(`${fn}: ${key} must be a finite number ≥ 0, got ${v}; e.g. 1e-6`);
  }
  const { maxSteps, maxStep } = options;
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0))
    throw new RangeError(`${fn}: maxSteps must be a positive integer, got ${maxSteps}`);
  if (maxStep !== undefined && !(maxStep > 0))
    throw new RangeError(`${fn}: maxStep must be a positive number, got ${maxStep}`);
  const solver: AdaptiveSolver = {
    kind: "adaptive",
    ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
    ...(options.atol !== undefined ? { atol: options.atol } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.maxStep !== undefined ? { maxStep: options.maxStep } : {}),
  };
  return defineSampler<DopriSamplerState>(
    fn,
    { name: "dopri5", order: 5, stochastic: false },
    async (run) => {
      const { state } = run;
      const from = run.slice(run.from);
      const to = run.slice(run.to);
      // Last step into the data end: the denoising jump.
      if (run.toDataEnd) return run.finish(denoiseTo(to, (await run.predict(state.x, from)).as("data")));
      // Adaptive steps from tᵢ to tᵢ₊₁, starting from the carried step size.
      const rhs = velocityRhs(run);
      const span = to.t - from.t;
      const start =
        state.h === undefined ? solver : { ...solver, initialStep: Math.min(Math.abs(state.h), span) };
      let s = await dopriInit(rhs, state.x, from.t, to.t, start);
      while (!s.done) s = (await dopriStep(rhs, s, solver)).state;
      return run.finish(s.y, {
        h: s.h,
        accepted: state.accepted + s.accepted,
        rejected: state.rejected + s.rejected,
      });
    },
    (base) => ({ ...base, h: undefined, accepted: 0, rejected: 0 }),
  );
}
