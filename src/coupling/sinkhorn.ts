/**
 * Entropic optimal transport by Sinkhorn iterations in the log domain (Cuturi 2013; Peyré & Cuturi,
 * "Computational Optimal Transport", 2019, §4.4, Remark 4.22 for the log-domain updates):
 *   minimize ⟨π, C⟩ − reg·H(π) over plans with row sums a and column sums b,
 *   π*ᵢⱼ = exp((fᵢ + gⱼ − Cᵢⱼ)/reg), with dual potentials f, g iterated as
 *   fᵢ ← reg·log aᵢ − reg·LSEⱼ((gⱼ − Cᵢⱼ)/reg),   gⱼ ← reg·log bⱼ − reg·LSEᵢ((fᵢ − Cᵢⱼ)/reg).
 * After each g-update the column sums are exact; convergence is measured on the row sums:
 *   err = Σᵢ |Σⱼ πᵢⱼ − aᵢ|  (L1 marginal violation, ≤ `tol` on return when `converged`).
 * Working with potentials instead of the kernel e^{−C/reg} keeps tiny `reg` finite (no underflow).
 * As reg → 0 the plan tends to the exact OT plan (Peyré & Cuturi, Prop. 4.1).
 */
import { logSumExp } from "../math/scalar.js";
import { checkCost } from "./cost.js";

/** Options of `sinkhorn`. */
export interface SinkhornOptions {
  /** Entropic regularization reg > 0 (same units as the cost). */
  readonly reg: number;
  /** Stop when the L1 row-marginal violation is ≤ tol (default 1e-9). */
  readonly tol?: number;
  /** Iteration cap (default 10 000); check `converged`. */
  readonly maxIterations?: number;
}

/** Result of `sinkhorn`. */
export interface SinkhornResult {
  /** The plan π (n × m, row-major); rows sum to 1/n, columns to 1/m (uniform marginals). */
  readonly plan: Float64Array;
  /** Dual potentials f (rows) and g (columns). */
  readonly f: Float64Array;
  readonly g: Float64Array;
  /** ⟨π, C⟩, the transport cost of the plan (without the entropy term). */
  readonly transportCost: number;
  /** Number of (f, g) update pairs done. */
  readonly iterations: number;
  /** L1 row-marginal violation Σᵢ |Σⱼ πᵢⱼ − 1/n| of the returned plan. */
  readonly marginalError: number;
  /** Whether marginalError ≤ tol. */
  readonly converged: boolean;
}

/** Checks and returns the Sinkhorn options with defaults filled in. */
export function checkSinkhornOptions(
  fn: string,
  options: SinkhornOptions,
): { reg: number; tol: number; maxIterations: number } {
  const reg = options?.reg;
  if (typeof reg !== "number" || !(reg > 0) || !Number.isFinite(reg)) {
    throw new RangeError(
      `${fn}: reg must be a finite number > 0 (the entropic regularization, in cost units), got ${String(reg)}; for reg → 0 use exactOtCoupling`,
    );
  }
  const tol = options.tol ?? 1e-9;
  if (!(tol > 0) || !Number.isFinite(tol))
    throw new RangeError(`${fn}: tol must be a finite number > 0, got ${tol}`);
  const maxIterations = options.maxIterations ?? 10_000;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`${fn}: maxIterations must be a positive integer, got ${maxIterations}`);
  }
  return { reg, tol, maxIterations };
}

/**
 * Log-domain Sinkhorn for uniform marginals a = 1/n, b = 1/m on an n × m cost (file header), with
 * ε-scaling (Schmitzer 2019, "Stabilized sparse scaling algorithms for entropy regularized transport
 * problems", §3.2): the potentials are first converged at reg_k = max(reg, R·2⁻ᵏ), R the cost range,
 * then warm-start the next stage; small reg converges in far fewer iterations than from f = g = 0.
 * Returns the plan, potentials, transport cost, total iterations and the final marginal error; does
 * not throw when the cap is reached (check `converged`). Singular points: reg = 0 (use linearAssignment).
 */
export function sinkhorn(cost: Float64Array, n: number, m: number, options: SinkhornOptions): SinkhornResult {
  const fn = "sinkhorn";
  checkCost(fn, cost, n, m);
  const { reg, tol, maxIterations } = checkSinkhornOptions(fn, options);
  const logA = -Math.log(n);
  const logB = -Math.log(m);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const row = new Float64Array(m);
  const col = new Float64Array(n);
  const updateG = (eps: number): void => {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) col[i] = (f[i]! - cost[i * m + j]!) / eps;
      g[j] = eps * (logB - logSumExp(col));
    }
  };
  // f-update; its log-sum-exp also gives the row sums of the current plan, whose L1 error it returns.
  const updateF = (eps: number): number => {
    let err = 0;
    for (let i = 0; i < n; i++) {
      const base = i * m;
      for (let j = 0; j < m; j++) row[j] = (g[j]! - cost[base + j]!) / eps;
      const lse = logSumExp(row);
      err += Math.abs(Math.exp(f[i]! / eps + lse) - 1 / n);
      f[i] = eps * (logA - lse);
    }
    return err;
  };
  let iterations = 0;
  const stage = (eps: number, stageTol: number): void => {
    updateG(eps);
    while (iterations < maxIterations) {
      iterations++;
      const err = updateF(eps);
      updateG(eps);
      if (err <= stageTol) break;
    }
  };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < cost.length; k++) {
    lo = Math.min(lo, cost[k]!);
    hi = Math.max(hi, cost[k]!);
  }
  for (let eps = hi - lo; eps > reg; eps /= 2) stage(eps, Math.max(tol, 1e-3));
  stage(reg, tol);
  const plan = new Float64Array(n * m);
  let transportCost = 0;
  let marginalError = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) {
      const k = i * m + j;
      const p = Math.exp((f[i]! + g[j]! - cost[k]!) / reg);
      plan[k] = p;
      s += p;
      transportCost += p * cost[k]!;
    }
    marginalError += Math.abs(s - 1 / n);
  }
  return { plan, f, g, transportCost, iterations, marginalError, converged: marginalError <= tol };
}
