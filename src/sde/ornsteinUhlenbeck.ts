/**
 * The Ornstein–Uhlenbeck SDE dx = −λ·x dt + σ dW: A = e^{−λδ}, u = 0, Σ = σ²(1 − e^{−2λδ})/(2λ)·I
 * (= σ²δ·φ(−2λδ), finite at λ = 0, where it is Brownian motion). Source: Särkkä & Solin (2019), §6.2.
 */
import { type LinearSde, checkDim, checkParam } from "./sde.js";
import { linearTimeInvariantSde } from "./lti.js";

/** Options of `ornsteinUhlenbeck`. */
export interface OrnsteinUhlenbeckOptions {
  /** Diffusion level σ ≥ 0. */
  readonly sigma: number;
  /** Mean-reversion rate λ (F = −λI); λ = 0 is Brownian motion, λ < 0 an unstable process. */
  readonly lambda: number;
  readonly dim: number;
}

/** OU process dx = −λx dt + σ dW in dimension `dim` (scalar matrices; see file header for the transition). */
export function ornsteinUhlenbeck({ sigma, lambda, dim }: OrnsteinUhlenbeckOptions): LinearSde {
  const fn = "ornsteinUhlenbeck";
  checkParam(fn, "sigma", sigma, (x) => x >= 0, "a finite number ≥ 0");
  checkParam(fn, "lambda", lambda, () => true, "a finite number");
  checkDim(fn, dim);
  return linearTimeInvariantSde(
    { F: -lambda, L: sigma, dim, name: fn },
    { type: "ornsteinUhlenbeck", sigma, lambda, dim },
  );
}
