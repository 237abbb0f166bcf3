/**
 * Brownian motion dx = σ dW: F = 0, u = 0, L = σI; transition A = I, u = 0, Σ = σ²(t − s)·I.
 * Source: Särkkä & Solin (2019), Applied SDEs, §6.1.
 */
import { type LinearSde, checkDim, checkParam } from "./sde.js";
import { linearTimeInvariantSde } from "./lti.js";

/** Options of `brownianMotion`. */
export interface BrownianMotionOptions {
  /** Diffusion level σ ≥ 0. */
  readonly sigma: number;
  readonly dim: number;
}

/**
 * Brownian motion dx = σ dW in dimension `dim`: Σ_{t|s} = σ²(t − s)·I (scalar matrices, O(d)).
 * σ = 0 is allowed (a deterministic SDE); bridgePath refuses it, since its xₜ never depends on the data.
 */
export function brownianMotion({ sigma, dim }: BrownianMotionOptions): LinearSde {
  const fn = "brownianMotion";
  checkParam(fn, "sigma", sigma, (x) => x >= 0, "a finite number ≥ 0");
  checkDim(fn, dim);
  return linearTimeInvariantSde({ F: 0, L: sigma, dim, name: fn }, { type: "brownianMotion", sigma, dim });
}
