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
 * Log-domain-stabilized Sinkhorn for uniform marginals a = 1/n, b = 1/m on an n × m cost (file header;
 * Schmitzer 2019, "Stabilized sparse scaling algorithms for entropy regularized transport problems",
 * Alg. 2 and §3.2):
 *   ε-scaling: potentials are converged (to 1e-3) at reg_k = max(reg, R·2⁻ᵏ), R the cost range, and
 *     warm-start the next stage, so small reg needs far fewer iterations than from f = g = 0;
 *   stabilized scaling: within a stage the plan is diag(u)·K·diag(v) with K = e^{(f ⊕ g − C)/reg} built
 *     once, iterated by uᵢ ← aᵢ/(Kv)ᵢ, vⱼ ← bⱼ/(Kᵀu)ⱼ (multiply-adds, no exp), and (u, v) are absorbed
 *     into (f, g) = (f + reg·log u, g + reg·log v) when |log u| or |log v| exceeds 50 (and K rebuilt).
 * A stage whose scalings leave the floating-point range (a row of K underflowed) restarts from exact
 * log-sum-exp updates of f and g. Returns the plan and
 * potentials after a final exact g-update (exact column sums), the transport cost, the total number of
 * scaling iterations and the row error; does not throw at the cap (check `converged`).
 * Singular points: reg = 0 (use linearAssignment).
 */
export function sinkhorn(cost: Float64Array, n: number, m: number, options: SinkhornOptions): SinkhornResult {
  const fn = "sinkhorn";
  checkCost(fn, cost, n, m);
  const { reg, tol, maxIterations } = checkSinkhornOptions(fn, options);
  const a = 1 / n;
  const b = 1 / m;
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const row = new Float64Array(m);
  const col = new Float64Array(n);
  const kernel = new Float64Array(n * m);
  const u = new Float64Array(n);
  const v = new Float64Array(m);
  const colSum = new Float64Array(m);
  // Exact log-domain updates: gⱼ = reg·log b − reg·LSEᵢ((fᵢ − Cᵢⱼ)/reg), and likewise f.
  const updateG = (eps: number): void => {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < n; i++) col[i] = (f[i]! - cost[i * m + j]!) / eps;
      g[j] = eps * (Math.log(b) - logSumExp(col));
    }
  };
  const updateF = (eps: number): void => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) row[j] = (g[j]! - cost[i * m + j]!) / eps;
      f[i] = eps * (Math.log(a) - logSumExp(row));
    }
  };
  const rebuild = (eps: number): void => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) kernel[i * m + j] = Math.exp((f[i]! + g[j]! - cost[i * m + j]!) / eps);
    }
    u.fill(1);
    v.fill(1);
  };
  const absorb = (eps: number): void => {
    for (let i = 0; i < n; i++) f[i]! += eps * Math.log(u[i]!);
    for (let j = 0; j < m; j++) g[j]! += eps * Math.log(v[j]!);
  };
  let iterations = 0;
  const stage = (eps: number, stageTol: number): void => {
    rebuild(eps);
    // The first scaling after exact f-updates has exact rows but not columns: its error says nothing.
    let fresh = true;
    while (iterations < maxIterations) {
      iterations++;
      // u-update; before it, the plan's columns are exact and its row error is Σᵢ |uᵢ(Kv)ᵢ − a|.
      let err = 0;
      let big = false;
      colSum.fill(0);
      for (let i = 0; i < n; i++) {
        const base = i * m;
        let s = 0;
        for (let j = 0; j < m; j++) s += kernel[base + j]! * v[j]!;
        err += Math.abs(u[i]! * s - a);
        const ui = a / s;
        u[i] = ui;
        if (!(ui > 0) || !Number.isFinite(ui)) big = true;
        for (let j = 0; j < m; j++) colSum[j]! += kernel[base + j]! * ui;
      }
      for (let j = 0; j < m; j++) {
        const vj = b / colSum[j]!;
        v[j] = vj;
        if (!(vj > 0) || !Number.isFinite(vj)) big = true;
      }
      if (big) {
        // A scaling left the representable range: restart the stage from exact updates.
        updateG(eps);
        updateF(eps);
        rebuild(eps);
        fresh = true;
        continue;
      }
      if (err <= stageTol && !fresh) break;
      fresh = false;
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(Math.log(u[i]!)));
      for (let j = 0; j < m; j++) worst = Math.max(worst, Math.abs(Math.log(v[j]!)));
      if (worst > 50) {
        absorb(eps);
        rebuild(eps);
      }
    }
    absorb(eps);
  };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < cost.length; k++) {
    lo = Math.min(lo, cost[k]!);
    hi = Math.max(hi, cost[k]!);
  }
  for (let eps = hi - lo; eps > reg; eps /= 2) stage(eps, Math.max(tol, 1e-3));
  stage(reg, tol);
  updateG(reg);
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
    marginalError += Math.abs(s - a);
  }
  return { plan, f, g, transportCost, iterations, marginalError, converged: marginalError <= tol };
}
