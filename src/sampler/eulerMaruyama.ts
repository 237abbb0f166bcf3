/**
 * Euler–Maruyama on the generative SDE family (Song et al. 2021, eq. 6 generalized; seed 003's
 * sampler-noise family), in canonical time:
 *   dx = [u + (g²/2)·∇log pₜ] dt + g dW,   u = the probability-flow velocity,
 *   xᵢ₊₁ = xᵢ + Δt·drift(xᵢ, tᵢ) + √(g²(tᵢ)·Δt)·z,
 * which preserves every marginal pₜ for any g(t) ≥ 0: g = 0 is the probability-flow ODE (Euler), and
 * g² = the forward SDE's g² is the classic reverse SDE (reverse diffusion). The drift is the hub kind
 * `drift` with this g², converted through the slice. Into the data end (σ = 0, where the score is
 * singular) the step is the denoising jump. Strong order ½, weak order 1; works on every path.
 */
import type { GaussianPath } from "../path/path.js";
import { type Sampler, defineSampler, denoiseTo } from "./sampler.js";

/** g²(t) of the generative SDE, or "forward": the path's own forward-SDE diffusion. */
export type DiffusionSpec = ((t: number) => number) | "forward";

/** Options of `eulerMaruyama`. */
export interface EulerMaruyamaOptions {
  /** g²(t) ≥ 0 (default "forward": the classic reverse SDE). */
  readonly g2?: DiffusionSpec;
}

/**
 * g²(t) of `spec` on `path`: a function as given; "forward" is the path's own forward diffusion
 * `path.g2(t)` — the schedule's forward g² on an affine path, Λ(t) = L Lᵀ on a bridge (the Doob
 * h-transform SDE) — which must be a multiple of the identity.
 */
export function diffusionOf(fn: string, spec: DiffusionSpec, path: GaussianPath): (t: number) => number {
  if (typeof spec === "function") return spec;
  if (spec !== "forward")
    throw new TypeError(
      `${fn}: g2 must be a function t → g²(t) ≥ 0 or "forward", got ${JSON.stringify(spec)}`,
    );
  return (t) => {
    const g2 = path.g2(t);
    if (g2.kind !== "scalar") {
      throw new TypeError(
        `${fn}: the path's forward diffusion Λ(t) is not a multiple of the identity at t = ${t}; pass g2 as a function t → g²(t)`,
      );
    }
    return g2.value;
  };
}

/** Euler–Maruyama (file header). */
export function eulerMaruyama(options: EulerMaruyamaOptions = {}): Sampler {
  const fn = "eulerMaruyama";
  const spec = options.g2 ?? "forward";
  const info = {
    name: typeof spec === "function" ? "euler-maruyama" : "euler-maruyama(reverse SDE)",
    order: 1,
    stochastic: true,
  };
  return defineSampler(
    fn,
    info,
    async (run) => {
      const { state } = run;
      const from = run.slice(run.from);
      const p = await run.predict(state.x, from);
      // Into the data end: the denoising jump.
      if (run.toDataEnd) return run.finish(denoiseTo(run.slice(run.to), p.as("data")));
      const g2 = diffusionOf(fn, spec, state.grid.path)(from.t);
      if (!(g2 >= 0 && Number.isFinite(g2)))
        throw new RangeError(`${fn}: g²(${from.t}) = ${g2}; it must be finite and ≥ 0`);
      // Euler–Maruyama step.
      const dt = state.grid.times[run.to]! - from.t;
      const drift = p.drift(g2);
      const z = g2 > 0 ? run.normals() : null;
      const out = new Float64Array(state.x.length);
      const scale = Math.sqrt(g2 * dt);
      for (let i = 0; i < out.length; i++)
        out[i] = state.x[i]! + dt * drift[i]! + (z === null ? 0 : scale * z[i]!);
      return run.finish(out);
    },
    (base) => {
      diffusionOf(fn, spec, base.grid.path);
      return base;
    },
  );
}
