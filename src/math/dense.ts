/**
 * Decompositions of the matrix representations in matrix.ts: inverse and solve (LU), symmetric
 * eigendecomposition, symmetric square roots, the matrix exponential and PSD checks. Scalar and
 * diagonal matrices stay O(d) (entrywise); dense matrices use ml-matrix's LU and symmetric
 * eigendecomposition, and a Padé-13 scaling-and-squaring exponential (Higham 2005).
 */
import { EigenvalueDecomposition, LuDecomposition, Matrix } from "ml-matrix";
import {
  type DenseMat,
  type Mat,
  choleskyDense,
  diagonalMat,
  matAdd,
  matMul,
  maxAbs,
  norm1,
  scalarMat,
  scale,
  toDense,
} from "./matrix.js";

/** Condition number ‖M‖₁‖M⁻¹‖₁ above which `inverse` treats a matrix as singular. */
export const MAX_CONDITION = 1e13;

function toMl(m: Mat, d: number): Matrix {
  const a = toDense(m, d);
  const M = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) M.set(i, j, a[i * d + j]!);
  return M;
}

function fromMl(M: Matrix): DenseMat {
  const d = M.rows;
  const values = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) values[i * d + j] = M.get(i, j);
  return { kind: "dense", dim: d, values };
}

function isFiniteMat(m: Mat): boolean {
  if (m.kind === "scalar") return Number.isFinite(m.value);
  for (const x of m.values) if (!Number.isFinite(x)) return false;
  return true;
}

/**
 * M⁻¹, or null when M is singular: a zero scalar/diagonal entry, an exactly singular LU, or a condition
 * number ‖M‖₁‖M⁻¹‖₁ above `MAX_CONDITION` (scalar: only 0 and non-finite results count as singular).
 */
export function tryInverse(m: Mat, d: number): Mat | null {
  if (m.kind === "scalar") {
    const inv = 1 / m.value;
    return Number.isFinite(inv) ? scalarMat(inv) : null;
  }
  if (m.kind === "diagonal") {
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (const x of m.values) {
      lo = Math.min(lo, Math.abs(x));
      hi = Math.max(hi, Math.abs(x));
    }
    if (!(lo > 0) || hi / lo > MAX_CONDITION) return null;
    const inv = diagonalMat(m.values.map((x) => 1 / x));
    return isFiniteMat(inv) ? inv : null;
  }
  const lu = new LuDecomposition(toMl(m, d));
  if (lu.isSingular()) return null;
  const inv = fromMl(lu.solve(Matrix.eye(d, d)));
  if (!isFiniteMat(inv) || norm1(m, d) * norm1(inv, d) > MAX_CONDITION) return null;
  return inv;
}

/**
 * M⁻¹ (general square M). Throws a RangeError naming `fn` and `name` when M is singular or
 * numerically singular (condition number above `MAX_CONDITION`).
 */
export function inverse(m: Mat, d: number, fn = "inverse", name = "the matrix"): Mat {
  const inv = tryInverse(m, d);
  if (inv === null) {
    throw new RangeError(
      `${fn}: ${name} is singular (or its condition number exceeds ${MAX_CONDITION}); it has no inverse`,
    );
  }
  return inv;
}

/** A⁻¹·B for square A (throws like `inverse` when A is singular). */
export function solve(a: Mat, b: Mat, d: number, fn = "solve", name = "the matrix"): Mat {
  return matMul(inverse(a, d, fn, name), b);
}

/**
 * M⁻¹ for a symmetric positive-definite M via Cholesky (scalar/diagonal entrywise); throws a
 * RangeError naming `fn` and `name` when M is not positive definite.
 */
export function inverseSpd(m: Mat, d: number, fn = "inverseSpd", name = "the matrix"): Mat {
  if (m.kind !== "dense") {
    const vals = m.kind === "scalar" ? [m.value] : m.values;
    for (const x of vals) {
      if (!(x > 0))
        throw new RangeError(`${fn}: ${name} is not positive definite (entry ${x}); it must be SPD`);
    }
    return m.kind === "scalar" ? scalarMat(1 / m.value) : diagonalMat(m.values.map((x) => 1 / x));
  }
  const l = choleskyDense(m.values, d, `${fn}: ${name}`);
  // M⁻¹ = L⁻ᵀL⁻¹: invert L (lower triangular), then multiply.
  const li = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    li[j * d + j] = 1 / l[j * d + j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * d + k]! * li[k * d + j]!;
      li[i * d + j] = s / l[i * d + i]!;
    }
  }
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += li[k * d + i]! * li[k * d + j]!;
      out[i * d + j] = out[j * d + i] = s;
    }
  return { kind: "dense", dim: d, values: out };
}

/** Symmetric eigendecomposition M = V·diag(w)·Vᵀ: `values` w (ascending) and `vectors` V row-major (columns). */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/** Eigendecomposition of the symmetric part of a dense d × d matrix (ml-matrix, assumeSymmetric). */
export function symmetricEigen(m: Mat, d: number): SymmetricEigen {
  const a = toDense(m, d);
  const M = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) M.set(i, j, 0.5 * (a[i * d + j]! + a[j * d + i]!));
  const e = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const order = e.realEigenvalues.map((w, i) => [w, i] as const).sort((p, q) => p[0] - q[0]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  const V = e.eigenvectorMatrix;
  order.forEach(([w, col], k) => {
    values[k] = w;
    for (let i = 0; i < d; i++) vectors[i * d + k] = V.get(i, col);
  });
  return { values, vectors };
}

/** V·diag(f(w))·Vᵀ for symmetric M = V·diag(w)·Vᵀ (f applied entrywise for scalar/diagonal M). */
export function symmetricFunction(m: Mat, d: number, f: (w: number) => number): Mat {
  if (m.kind === "scalar") return scalarMat(f(m.value));
  if (m.kind === "diagonal") return diagonalMat(m.values.map(f));
  const { values, vectors } = symmetricEigen(m, d);
  const fw = values.map(f);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vectors[i * d + k]! * fw[k]! * vectors[j * d + k]!;
      out[i * d + j] = out[j * d + i] = s;
    }
  return { kind: "dense", dim: d, values: out };
}

/** Relative tolerance below which a negative eigenvalue of a PSD matrix counts as rounding. */
export const PSD_TOLERANCE = 1e-10;

function eigenBounds(m: Mat, d: number): [number, number] {
  if (m.kind === "scalar") return [m.value, m.value];
  if (m.kind === "diagonal") return [Math.min(...m.values), Math.max(...m.values)];
  const { values } = symmetricEigen(m, d);
  return [values[0]!, values[d - 1]!];
}

/**
 * Throws a RangeError naming `fn` and `name` unless M is symmetric (to 1e-10 relative) and positive
 * semidefinite (smallest eigenvalue ≥ −1e-10·max(1, largest)); with `definite`, also requires λ_min > 0.
 */
export function checkSymmetricPsd(fn: string, name: string, m: Mat, d: number, definite = false): void {
  const scaleOf = Math.max(1, maxAbs(m, d));
  if (m.kind === "dense") {
    for (let i = 0; i < d; i++)
      for (let j = i + 1; j < d; j++) {
        if (Math.abs(m.values[i * d + j]! - m.values[j * d + i]!) > 1e-10 * scaleOf) {
          throw new RangeError(
            `${fn}: ${name} is not symmetric (entries [${i}][${j}] and [${j}][${i}] differ); a covariance must be symmetric`,
          );
        }
      }
  }
  const [lo, hi] = eigenBounds(m, d);
  if (definite ? !(lo > 0) : !(lo >= -PSD_TOLERANCE * Math.max(1, hi))) {
    throw new RangeError(
      `${fn}: ${name} is not positive ${definite ? "definite" : "semidefinite"} (smallest eigenvalue ${lo}); pass a covariance with eigenvalues ${definite ? "> 0" : "≥ 0"}`,
    );
  }
}

/**
 * The symmetric (principal) square root M^{1/2} = V·diag(√w)·Vᵀ of a PSD matrix; eigenvalues within
 * rounding of 0 (≥ −1e-10·λ_max) are clamped to 0. Throws naming `fn` for a clearly indefinite M.
 */
export function sqrtPsd(m: Mat, d: number, fn = "sqrtPsd", name = "the matrix"): Mat {
  const [lo, hi] = eigenBounds(m, d);
  if (!(lo >= -PSD_TOLERANCE * Math.max(1, hi))) {
    throw new RangeError(
      `${fn}: ${name} is not positive semidefinite (smallest eigenvalue ${lo}); it has no real square root`,
    );
  }
  return symmetricFunction(m, d, (w) => Math.sqrt(Math.max(w, 0)));
}

/**
 * The symmetric inverse square root M^{-1/2} = V·diag(w^{-1/2})·Vᵀ of a positive-definite matrix.
 * Throws naming `fn` and `name` when λ_min ≤ 16ε·λ_max (M numerically singular: no inverse square root).
 */
export function invSqrtPd(m: Mat, d: number, fn = "invSqrtPd", name = "the matrix"): Mat {
  const [lo, hi] = eigenBounds(m, d);
  if (!(lo > 0) || lo <= hi * Number.EPSILON * 16) {
    throw new RangeError(
      `${fn}: ${name} is singular (smallest eigenvalue ${lo}); it has no inverse square root`,
    );
  }
  return symmetricFunction(m, d, (w) => 1 / Math.sqrt(w));
}

/** log |det M| and the sign of det M (LU for dense; sign 0 and −∞ when singular). */
export function logAbsDet(m: Mat, d: number): { readonly sign: number; readonly logAbs: number } {
  if (m.kind === "scalar") {
    return { sign: m.value === 0 ? 0 : Math.sign(m.value) ** d, logAbs: d * Math.log(Math.abs(m.value)) };
  }
  const diag =
    m.kind === "diagonal"
      ? Array.from(m.values)
      : (() => {
          const lu = new LuDecomposition(toMl(m, d));
          const U = lu.upperTriangularMatrix;
          const p = lu.pivotPermutationVector;
          // Sign of the row permutation: parity of its cycles.
          let sgn = 1;
          const seen = new Array<boolean>(d).fill(false);
          for (let i = 0; i < d; i++) {
            if (seen[i]) continue;
            let len = 0;
            for (let j = i; !seen[j]; j = p[j]!) {
              seen[j] = true;
              len++;
            }
            if (len % 2 === 0) sgn = -sgn;
          }
          const u = Array.from({ length: d }, (_, i) => U.get(i, i));
          u[0] = u[0]! * sgn;
          return u;
        })();
  let sign = 1;
  let logAbs = 0;
  for (const x of diag) {
    if (x === 0) return { sign: 0, logAbs: Number.NEGATIVE_INFINITY };
    sign *= Math.sign(x);
    logAbs += Math.log(Math.abs(x));
  }
  return { sign, logAbs };
}

// Padé-13 coefficients b₀…b₁₃ and θ₁₃ (Higham 2005, "The scaling and squaring method for the matrix
// exponential revisited", Table 2.3 / eq. 2.2).
const PADE13 = [
  64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
  670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
];
const THETA13 = 5.371920351148152;

/**
 * The matrix exponential e^M. Scalar/diagonal: entrywise exp. Dense: scaling and squaring with the
 * [13/13] Padé approximant, s = max(0, ⌈log₂(‖M‖₁/θ₁₃)⌉), e^M = r₁₃(M/2ˢ)^{2ˢ}.
 * Source: Higham (2005), SIAM J. Matrix Anal. Appl. 26(4), Algorithm 2.3.
 */
export function expm(m: Mat, d: number): Mat {
  if (m.kind === "scalar") return scalarMat(Math.exp(m.value));
  if (m.kind === "diagonal") return diagonalMat(m.values.map(Math.exp));
  const nrm = norm1(m, d);
  if (!Number.isFinite(nrm)) throw new RangeError("expm: the matrix has a non-finite entry");
  const s = nrm > THETA13 ? Math.ceil(Math.log2(nrm / THETA13)) : 0;
  const a = scale(m, 2 ** -s);
  const b = PADE13;
  const a2 = matMul(a, a);
  const a4 = matMul(a2, a2);
  const a6 = matMul(a4, a2);
  const lin = (c6: number, c4: number, c2: number, c0: number): Mat =>
    matAdd(matAdd(scale(a6, c6), scale(a4, c4)), matAdd(scale(a2, c2), scalarMat(c0)));
  const u = matMul(a, matAdd(matMul(a6, lin(b[13]!, b[11]!, b[9]!, 0)), lin(b[7]!, b[5]!, b[3]!, b[1]!)));
  const v = matAdd(matMul(a6, lin(b[12]!, b[10]!, b[8]!, 0)), lin(b[6]!, b[4]!, b[2]!, b[0]!));
  // r₁₃ = (V − U)⁻¹(V + U).
  const lu = new LuDecomposition(toMl(matAdd(v, scale(u, -1)), d));
  let r: Mat = fromMl(lu.solve(toMl(matAdd(v, u), d)));
  for (let k = 0; k < s; k++) r = matMul(r, r);
  return r;
}
