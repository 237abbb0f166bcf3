/**
 * Schrödinger-bridge conditional flow matching (SB-CFM; Tong et al. 2023, "Improving and generalizing
 * flow-based generative models with minibatch optimal transport", SB-CFM): pair noise and data
 * by the entropic OT plan π_{2σ²} and regress on the Brownian bridge between them,
 *   xₜ = t·data + (1−t)·noise + σ·√(t(1−t))·z,
 *   uₜ = (1−2t)/(2t(1−t))·(xₜ − t·data − (1−t)·noise) + data − noise,
 * which is the linear stochastic interpolant with γ = σ√(t(1−t)) (its γ'·z is the first term).
 * σ → 0 gives OT-CFM (exact OT pairing, straight paths). Singular points: uₜ at t = 0 and 1 (σ > 0).
 */
import { type Coupling, exactOtCoupling, sinkhornCoupling } from "./coupling.js";
import { type StochasticInterpolant, linearInterpolant } from "./interpolant.js";

/** The interpolant and the coupling of SB-CFM with bridge noise σ; pass both to `trainingBatch`. */
export interface SchrodingerBridgeCfm {
  readonly interpolant: StochasticInterpolant;
  readonly coupling: Coupling;
}

/**
 * SB-CFM (file header): linearInterpolant({ gammaScale: σ² }) with sinkhornCoupling({ reg: 2σ² }).
 * σ = 0 returns the OT-CFM limit (γ ≡ 0, exact OT). `tol`, `maxIterations` go to Sinkhorn.
 */
export function schrodingerBridgeCfm(options: {
  sigma: number;
  tol?: number;
  maxIterations?: number;
}): SchrodingerBridgeCfm {
  const sigma = options?.sigma;
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || sigma < 0) {
    throw new RangeError(
      `schrodingerBridgeCfm: sigma must be a finite number ≥ 0 (the bridge noise level), got ${String(sigma)}`,
    );
  }
  if (sigma === 0) return { interpolant: linearInterpolant(), coupling: exactOtCoupling() };
  return {
    interpolant: linearInterpolant({ gammaScale: sigma * sigma }),
    coupling: sinkhornCoupling({
      reg: 2 * sigma * sigma,
      ...(options.tol === undefined ? {} : { tol: options.tol }),
      ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
    }),
  };
}
