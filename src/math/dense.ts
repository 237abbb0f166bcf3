/**
 * Decompositions of the matrix representations in matrix.ts: inverse and solve (LU), symmetric
 * eigendecomposition, symmetric square roots, the matrix exponential and PSD checks. Scalar and
 * diagonal matrices stay O(d) (entrywise); dense matrices use LU with partial pivoting (Golub & Van
 * Loan 2013, Alg. 3.4.1), the cyclic Jacobi eigenvalue method for symmetric matrices (ibid. §8.5;
 * accurate to a few ulps of ‖M‖ for every eigenvalue), and a Padé-13 scaling-and-squaring exponential
 * (Higham 2005). No dependency: the same code runs in Node and in browsers.
 */
import {
  type DenseMat,
  type Mat,
  choleskyDense,
  diagonalMat,
  matAdd,
  matMul,
  matVec,
  maxAbs,
  norm1,
  scalarMat,
  scale,
  toDense,
} from "./matrix.js";

/** Condition number ‖M‖₁‖M⁻¹‖₁ above which `inverse` treats a matrix as singular. */
export const MAX_CONDITION = 1e13;

/** An LU factorization P·M = L·U with unit lower L, stored in one array, and the row permutation. */
interface Lu {
  readonly lu: Float64Array;
  /** Row i of P·M is row perm[i] of M. */
  readonly perm: Int32Array;
  /** The sign of det P. */
  readonly sign: number;
}

/** Doolittle LU with partial pivoting of a dense d × d matrix (row-major); exact zeros stay on U's diagonal. */
function luDecompose(m: Mat, d: number): Lu {
  const lu = Float64Array.from(toDense(m, d));
  const perm = Int32Array.from({ length: d }, (_, i) => i);
  let sign = 1;
  for (let k = 0; k < d; k++) {
    // Pivot: the largest |entry| in column k at or below the diagonal.
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(lu[i * d + k]!) > Math.abs(lu[p * d + k]!)) p = i;
    if (p !== k) {
      for (let j = 0; j < d; j++) {
        const tmp = lu[k * d + j]!;
        lu[k * d + j] = lu[p * d + j]!;
        lu[p * d + j] = tmp;
      }
      const tp = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = tp;
      sign = -sign;
    }
    const pivot = lu[k * d + k]!;
    if (pivot === 0) continue;
    for (let i = k + 1; i < d; i++) {
      const l = (lu[i * d + k]! /= pivot);
      if (l === 0) continue;
      for (let j = k + 1; j < d; j++) lu[i * d + j]! -= l * lu[k * d + j]!;
    }
  }
  return { lu, perm, sign };
}

/** Whether U has an exact zero on its diagonal. */
function luSingular({ lu }: Lu, d: number): boolean {
  for (let i = 0; i < d; i++) if (lu[i * d + i] === 0) return true;
  return false;
}

/** X with M·X = B for B (d × n, row-major) from M's LU: forward then back substitution. */
function luSolve({ lu, perm }: Lu, b: Float64Array, d: number, n: number): Float64Array {
  const x = new Float64Array(d * n);
  for (let i = 0; i < d; i++) for (let j = 0; j < n; j++) x[i * n + j] = b[perm[i]! * n + j]!;
  for (let i = 0; i < d; i++)
    for (let k = 0; k < i; k++) {
      const l = lu[i * d + k]!;
      if (l !== 0) for (let j = 0; j < n; j++) x[i * n + j]! -= l * x[k * n + j]!;
    }
  for (let i = d - 1; i >= 0; i--) {
    for (let k = i + 1; k < d; k++) {
      const u = lu[i * d + k]!;
      if (u !== 0) for (let j = 0; j < n; j++) x[i * n + j]! -= u * x[k * n + j]!;
    }
    const u = lu[i * d + i]!;
    for (let j = 0; j < n; j++) x[i * n + j]! /= u;
  }
  return x;
}

function identityValues(d: number): Float64Array {
  const e = new Float64Array(d * d);
  for (let i = 0; i < d; i++) e[i * d + i] = 1;
  return e;
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
  const lu = luDecompose(m, d);
  if (luSingular(lu, d)) return null;
  const inv: DenseMat = { kind: "dense", dim: d, values: luSolve(lu, identityValues(d), d, d) };
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

/**
 * x with A·x = b for square A (d × d) and a vector b of length d: x = A⁻¹·b (throws like `inverse`
 * when A is singular or its condition number exceeds `MAX_CONDITION`).
 */
export function solveVector(
  a: Mat,
  b: ArrayLike<number>,
  d: number,
  fn = "solveVector",
  name = "the matrix",
): Float64Array {
  if (b.length !== d)
    throw new RangeError(`${fn}: the right-hand side has length ${b.length}, expected ${d}`);
  const x = new Float64Array(d);
  matVec(inverse(a, d, fn, name), b, x);
  return x;
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

/**
 * Eigendecomposition of the symmetric part of a dense d × d matrix by cyclic Jacobi rotations (Golub &
 * Van Loan 2013, Alg. 8.5.3): each rotation zeroes one off-diagonal entry, A ← JᵀAJ, V ← VJ, with
 * t = sign(θ)/(|θ| + √(1 + θ²)), θ = (a_qq − a_pp)/(2a_pq); sweeps until the off-diagonal mass is below
 * ε²·‖A‖²_F (at most 50 sweeps; Jacobi converges quadratically, typically in 6–10).
 */
export function symmetricEigen(m: Mat, d: number): SymmetricEigen {
  const src = toDense(m, d);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) a[i * d + j] = 0.5 * (src[i * d + j]! + src[j * d + i]!);
  const v = identityValues(d);
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (!(off > Number.EPSILON ** 2 * total)) break;
    for (let p = 0; p < d - 1; p++)
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        // Columns p, q of A·J, then rows p, q of Jᵀ·(A·J); the (p, q) entry becomes exactly 0.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - sn * akq;
          a[k * d + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - sn * aqk;
          a[q * d + k] = sn * apk + c * aqk;
        }
        a[p * d + q] = a[q * d + p] = 0;
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - sn * vkq;
          v[k * d + q] = sn * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[i * d + i]! - a[j * d + j]!);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((col, k) => {
    values[k] = a[col * d + col]!;
    for (let i = 0; i < d; i++) vectors[i * d + k] = v[i * d + col]!;
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
          // det M = det(P)·Π uᵢᵢ.
          const { lu, sign } = luDecompose(m, d);
          const u = Array.from({ length: d }, (_, i) => lu[i * d + i]!);
          u[0] = u[0]! * sign;
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
  const lu = luDecompose(matAdd(v, scale(u, -1)), d);
  let r: Mat = { kind: "dense", dim: d, values: luSolve(lu, toDense(matAdd(v, u), d), d, d) };
  for (let k = 0; k < s; k++) r = matMul(r, r);
  return r;
}
