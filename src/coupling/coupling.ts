/**
 * Minibatch couplings: which source (prior) sample goes with which data sample (Tong et al. 2023,
 * "Improving and generalizing flow-based generative models with minibatch optimal transport";
 * Pooladian et al. 2023). A coupling sees n data rows and n source rows (the prior samples x at t = 0
 * made from the noise rows) and returns, for every data row i, the index of the source row paired
 * with it. Data rows keep their order; only the noise is re-paired, so a batch stays batch-major.
 *
 *   independent:  π = p_data ⊗ p_prior           pairing[i] = i
 *   exact OT:     π = argmin ⟨π, C⟩              pairing = the optimal permutation (Hungarian)
 *   Sinkhorn:     π = argmin ⟨π, C⟩ − reg·H(π)   pairing[i] ~ π(i, ·)/Σⱼ π(i, j)
 * with Cᵢⱼ = ‖dataᵢ − sourceⱼ‖².
 */
import type { FloatArray } from "../array.js";
import type { Rng } from "../random/rng.js";
import { squaredDistances } from "./cost.js";
import { linearAssignment } from "./hungarian.js";
import { type SinkhornOptions, checkSinkhornOptions, sinkhorn } from "./sinkhorn.js";

/** JSON description of a coupling (checkpoints, CLI configs). */
export type CouplingSpec =
  | { readonly name: "independent" }
  | { readonly name: "exactOt" }
  | { readonly name: "sinkhorn"; readonly reg: number; readonly tol: number; readonly maxIterations: number };

/** A minibatch coupling (file header). */
export interface Coupling {
  readonly name: string;
  readonly spec: CouplingSpec;
  /**
   * For data rows i = 0…n−1 (`data`, n × dim), the index of the row of `source` (the prior samples,
   * n × dim) paired with it. May draw from `rng`.
   */
  pair(data: FloatArray, source: FloatArray, dim: number, rng: Rng): Int32Array;
}

/** The largest minibatch the dense couplings accept (cost matrix n² float64, O(n³) solve). */
export const MAX_COUPLING_BATCH = 1024;

function rows(fn: string, data: FloatArray, source: FloatArray, dim: number): number {
  if (data.length !== source.length) {
    throw new RangeError(
      `${fn}: source has length ${source.length} but data has length ${data.length}; pair one source row per data row`,
    );
  }
  const n = data.length / dim;
  if (n > MAX_COUPLING_BATCH) {
    throw new RangeError(
      `${fn}: a minibatch of ${n} rows exceeds ${MAX_COUPLING_BATCH}; split the batch or use independentCoupling()`,
    );
  }
  return n;
}

/** Independent pairs: the i-th noise row goes with the i-th data row (π = p_data ⊗ p_prior). */
export function independentCoupling(): Coupling {
  return {
    name: "independent",
    spec: { name: "independent" },
    pair: (data, _source, dim) => {
      const p = new Int32Array(data.length / dim);
      for (let i = 0; i < p.length; i++) p[i] = i;
      return p;
    },
  };
}

/**
 * Exact minibatch OT with squared Euclidean cost: the permutation minimizing Σᵢ ‖dataᵢ − source_{π(i)}‖²
 * (OT-CFM, Tong et al. 2023), by `linearAssignment` (O(n³), n ≤ 1024). Draws nothing from rng.
 */
export function exactOtCoupling(): Coupling {
  return {
    name: "exactOt",
    spec: { name: "exactOt" },
    pair: (data, source, dim) => {
      const n = rows("exactOtCoupling", data, source, dim);
      return linearAssignment(squaredDistances(data, source, dim), n).assignment;
    },
  };
}

/**
 * Entropic OT coupling: the log-domain Sinkhorn plan π_reg for the squared Euclidean cost, and for each
 * data row i a source row j drawn from π(j | i) = πᵢⱼ/Σₖ πᵢₖ (one uniform per row; with converged row
 * sums 1/n this is a draw from π itself). reg is absolute (cost units): SB-CFM uses reg = 2σ² for
 * the Brownian-bridge noise σ (Tong et al. 2023, SB-CFM; `schrodingerBridgeCfm`). Throws when Sinkhorn does not
 * reach `tol` within `maxIterations` (raise reg or maxIterations).
 */
export function sinkhornCoupling(options: SinkhornOptions): Coupling {
  const fn = "sinkhornCoupling";
  const checked = checkSinkhornOptions(fn, options);
  return {
    name: `sinkhorn(reg=${checked.reg})`,
    spec: { name: "sinkhorn", ...checked },
    pair: (data, source, dim, rng) => {
      const n = rows(fn, data, source, dim);
      const result = sinkhorn(squaredDistances(data, source, dim), n, n, checked);
      if (!result.converged) {
        throw new RangeError(
          `${fn}: Sinkhorn did not converge (marginal error ${result.marginalError.toExponential(2)} > tol ${checked.tol} after ${result.iterations} iterations); raise reg (now ${checked.reg}) or maxIterations`,
        );
      }
      return samplePlanRows(result.plan, n, n, rng);
    },
  };
}

/**
 * For each row i of a plan (n × m, row-major, non-negative), a column j drawn with probability
 * πᵢⱼ/Σₖ πᵢₖ by inverse CDF on one `rng.uniform()` per row.
 */
export function samplePlanRows(plan: Float64Array, n: number, m: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * m;
    let total = 0;
    for (let j = 0; j < m; j++) total += plan[base + j]!;
    if (!(total > 0)) throw new RangeError(`samplePlanRows: row ${i} of the plan has no mass`);
    let u = rng.uniform() * total;
    let j = 0;
    while (j < m - 1 && u >= plan[base + j]!) u -= plan[base + j++]!;
    out[i] = j;
  }
  return out;
}
