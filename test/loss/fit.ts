/**
 * Test helper: the least-squares fit of an affine model y ≈ A·x + b to regression rows, with the
 * standard error of its predictions — the "minimizer of the objective" in closed form for a linear
 * model class, which contains the exact denoiser when the data are Gaussian.
 */

/** Solves the small dense system M·z = r (M p × p, row-major) by Gaussian elimination with pivoting. */
function solve(m: Float64Array, r: Float64Array, p: number): Float64Array {
  const a = Float64Array.from(m);
  const z = Float64Array.from(r);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let i = c + 1; i < p; i++) if (Math.abs(a[i * p + c]!) > Math.abs(a[piv * p + c]!)) piv = i;
    for (let j = 0; j < p; j++) [a[c * p + j], a[piv * p + j]] = [a[piv * p + j]!, a[c * p + j]!];
    [z[c], z[piv]] = [z[piv]!, z[c]!];
    for (let i = c + 1; i < p; i++) {
      const f = a[i * p + c]! / a[c * p + c]!;
      for (let j = c; j < p; j++) a[i * p + j]! -= f * a[c * p + j]!;
      z[i]! -= f * z[c]!;
    }
  }
  for (let c = p - 1; c >= 0; c--) {
    let s = z[c]!;
    for (let j = c + 1; j < p; j++) s -= a[c * p + j]! * z[j]!;
    z[c] = s / a[c * p + c]!;
  }
  return z;
}

/** An affine least-squares fit per output coordinate, with prediction standard errors. */
export interface AffineFit {
  /** Predicted y at x (length dim) and the standard error of each coordinate's prediction. */
  predict(x: ArrayLike<number>): { value: Float64Array; se: Float64Array };
}

/**
 * Fits y_j ≈ b_j + Σ_k A_jk x_k by ordinary least squares (normal equations), and estimates the
 * residual variance per output to give prediction standard errors.
 */
export function fitAffine(x: ArrayLike<number>, y: ArrayLike<number>, dim: number): AffineFit {
  const n = x.length / dim;
  const p = dim + 1;
  const gram = new Float64Array(p * p);
  const rhs = Array.from({ length: dim }, () => new Float64Array(p));
  const feature = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    feature[0] = 1;
    for (let k = 0; k < dim; k++) feature[k + 1] = x[i * dim + k]!;
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) gram[a * p + b]! += feature[a]! * feature[b]!;
      for (let j = 0; j < dim; j++) rhs[j]![a]! += feature[a]! * y[i * dim + j]!;
    }
  }
  const coef = rhs.map((r) => solve(gram, r, p));
  const resid = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      let pred = coef[j]![0]!;
      for (let k = 0; k < dim; k++) pred += coef[j]![k + 1]! * x[i * dim + k]!;
      resid[j]! += (y[i * dim + j]! - pred) ** 2;
    }
  }
  return {
    predict(at) {
      const v = Float64Array.from([1, ...Array.from(at)]);
      const g = solve(gram, v, p);
      let quad = 0;
      for (let a = 0; a < p; a++) quad += v[a]! * g[a]!;
      const value = new Float64Array(dim);
      const se = new Float64Array(dim);
      for (let j = 0; j < dim; j++) {
        let pred = coef[j]![0]!;
        for (let k = 0; k < dim; k++) pred += coef[j]![k + 1]! * at[k]!;
        value[j] = pred;
        // Var(v·β̂) = s²·vᵀ(XᵀX)⁻¹v.
        se[j] = Math.sqrt((resid[j]! / (n - p)) * quad);
      }
      return { value, se };
    },
  };
}
