/**
 * Adaptive Dormand–Prince 5(4) on the probability-flow ODE in canonical time (dx/dt = velocity), with
 * error control rtol/atol, through the shared integrator (math/integrate.ts, step control of
 * math/dormandPrince.ts). By default every sample has its own error norm and step sequence
 * (`control: "perRow"`, block steps), so a sample's result does not depend on the batch it is in;
 * samples at the same time proposing the same step share one model call. `control: "shared"` uses one
 * error norm over the batch (fewer, larger model calls; results then depend on the batch within the
 * tolerance). Each grid interval is integrated adaptively, each sample's last proposed step size
 * carries over to the next interval, and the state counts model calls (NFE) and the most accepted and
 * rejected steps of any sample. Use it with a grid of few nodes (e.g. customGrid(path, [path.tMin,
 * path.tMax], { dataEnd: true })): the step into the data end (σ = 0, where the velocity is singular)
 * is the denoising jump x = α·D̂ + b. Works on every path.
 * Source: Dormand & Prince (1980); Hairer, Nørsett & Wanner, Solving ODEs I, §II.4–II.5; block steps:
 * Makino (1991), Publ. Astron. Soc. Japan 43, 859.
 */
import { type AdaptiveSolver, type AsyncRhs, type StepControl, integrate } from "../math/integrate.js";
import { pickConditioning, predict } from "../model/model.js";
import {
  Prediction,
  type Sampler,
  type SamplerState,
  type StepRun,
  defineSampler,
  denoiseTo,
} from "./sampler.js";

/** Options of `dopri`. */
export interface DopriOptions {
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** "perRow" (default): each sample its own step sequence; "shared": one for the batch. */
  readonly control?: StepControl;
  /** Upper bound on attempted steps of a sample (of the batch under "shared") per grid interval (default 100 000). */
  readonly maxSteps?: number;
  /** Largest step size (default: the grid interval). With loose tolerances every step is this long. */
  readonly maxStep?: number;
}

/** The adaptive solver's state: the common fields plus the step-size suggestions and step counts. */
export interface DopriSamplerState extends SamplerState {
  /** Next |h| of each sample (undefined before the first interval: the starting heuristic picks it). */
  readonly h: Float64Array | undefined;
  /** Accepted steps: per interval the most of any sample, summed over intervals. */
  readonly accepted: number;
  /** Rejected steps, counted the same way. */
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
  const control = options.control ?? "perRow";
  if (control !== "perRow" && control !== "shared")
    throw new RangeError(`${fn}: control must be "perRow" or "shared", got ${JSON.stringify(control)}`);
  if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0))
    throw new RangeError(`${fn}: maxSteps must be a positive integer, got ${maxSteps}`);
  if (maxStep !== undefined && !(maxStep > 0))
    throw new RangeError(`${fn}: maxStep must be a positive number, got ${maxStep}`);
  const solver: AdaptiveSolver = {
    kind: "adaptive",
    control,
    ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
    ...(options.atol !== undefined ? { atol: options.atol } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(maxStep !== undefined ? { maxStep } : {}),
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
      // Adaptive steps from tᵢ to tᵢ₊₁, starting from each sample's carried step size.
      const h = state.h;
      const start =
        h === undefined || h.length === 0
          ? solver
          : { ...solver, initialStep: control === "perRow" ? h : h[0]! };
      const r = await integrate(velocityOfRows(run), state.x, from.t, to.t, {
        solver: start,
        rows: state.shape.batch,
      });
      return run.finish(r.y, {
        h: r.h.map(Math.abs),
        accepted: state.accepted + r.accepted,
        rejected: state.rejected + r.rejected,
      });
    },
    (base) => ({ ...base, h: undefined, accepted: 0, rejected: 0 }),
  );
}

/** The PF-ODE velocity of the rows asked for (one model call each), counting NFE on `run`. */
function velocityOfRows(run: StepRun<DopriSamplerState>): AsyncRhs {
  const a = run.slice(run.from);
  const b = run.slice(run.to);
  const { shape, condition } = run.state;
  return async (t, y, rows) => {
    const slice = t === a.t ? a : t === b.t ? b : run.sliceAt(t);
    const all = rows.length === shape.batch;
    const cond = all ? condition : pickConditioning(condition, shape.batch, rows);
    const value = await predict(run.model, y, t, { batch: rows.length, dim: shape.dim }, cond);
    run.nfe++;
    return new Prediction(run.model, value, y, slice).as("velocity");
  };
}
