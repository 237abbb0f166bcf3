/**
 * Small matrices in three representations — isotropic scalar (c·I), diagonal, dense (row-major
 * Float64Array) — with the operations the paths and the oracle need. Scalar and diagonal stay O(d).
 * Dense routines are plain Cholesky-based float64 code for the small d (≤ a few hundred) used here.
 */

/** c·I in any dimension. */
export interface ScalarMat {
  readonly kind: "scalar";
  readonly value: number;
}
/** diag(values). */
export interface DiagonalMat {
  readonly kind: "diagonal";
  readonly values: Float64Array;
}
/** Dense dim × dim, row-major. */
export interface DenseMat {
  readonly kind: "dense";
  readonly dim: number;
  readonly values: Float64Array;
}
/** A square matrix in one of the three representations. */
export type Mat = ScalarMat | DiagonalMat | DenseMat;

/** c·I. */
export function scalarMat(value: number): ScalarMat {
  return { kind: "scalar", value };
}
/** diag(values). */
export function diagonalMat(values: ArrayLike<number>): DiagonalMat {
  return { kind: "diagonal", values: Float64Array.from(values) };
}
/** Dense matrix from row-major values or nested rows. */
export function denseMat(rows: readonly (readonly number[])[] | Float64Array, dim?: number): DenseMat {
  if (rows instanceof Float64Array) {
    const d = dim ?? Math.round(Math.sqrt(rows.length));
    if (d * d !== rows.length)
      throw new RangeError(`denseMat: ${rows.length} values do not form a square matrix`);
    return { kind: "dense", dim: d, values: rows };
  }
  const d = rows.length;
  const values = new Float64Array(d * d);
  rows.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`denseMat: row ${i} has ${row.length} entries, expected ${d}`);
    row.forEach((x, j) => {
      values[i * d + j] = x;
    });
  });
  return { kind: "dense", dim: d, values };
}

/** The dimension a matrix fixes (undefined for a scalar, which fits any). */
export function matDim(m: Mat): number | undefined {
  return m.kind === "scalar" ? undefined : m.kind === "diagonal" ? m.values.length : m.dim;
}

/** Dense row-major copy in dimension d. */
export function toDense(m: Mat, d: number): Float64Array {
  const out = new Float64Array(d * d);
  if (m.kind === "scalar") for (let i = 0; i < d; i++) out[i * d + i] = m.value;
  else if (m.kind === "diagonal") for (let i = 0; i < d; i++) out[i * d + i] = m.values[i]!;
  else out.set(m.values);
  return out;
}

/** y = M·x for one vector (x, y of length d; y may not alias x for dense M). */
export function matVec(
  m: Mat,
  x: ArrayLike<number>,
  y: Float64Array,
  xOffset = 0,
  yOffset = 0,
  d = y.length - yOffset,
): void {
  if (m.kind === "scalar") for (let i = 0; i < d; i++) y[yOffset + i] = m.value * x[xOffset + i]!;
  else if (m.kind === "diagonal") for (let i = 0; i < d; i++) y[yOffset + i] = m.values[i]! * x[xOffset + i]!;
  else {
    const v = m.values;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += v[i * d + j]! * x[xOffset + j]!;
      y[yOffset + i] = s;
    }
  }
}

/** A·B in the cheapest representation. */
export function matMul(a: Mat, b: Mat): Mat {
  if (a.kind === "scalar" && b.kind === "scalar") return scalarMat(a.value * b.value);
  if (a.kind === "scalar") return scale(b, a.value);
  if (b.kind === "scalar") return scale(a, b.value);
  if (a.kind === "diagonal" && b.kind === "diagonal")
    return { kind: "diagonal", values: a.values.map((x, i) => x * b.values[i]!) };
  const d = (matDim(a) ?? matDim(b))!;
  const A = toDense(a, d);
  const B = toDense(b, d);
  const C = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = A[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) C[i * d + j] += aik * B[k * d + j]!;
    }
  return { kind: "dense", dim: d, values: C };
}

/** c·M. */
export function scale(m: Mat, c: number): Mat {
  if (m.kind === "scalar") return scalarMat(c * m.value);
  if (m.kind === "diagonal") return { kind: "diagonal", values: m.values.map((x) => c * x) };
  return { kind: "dense", dim: m.dim, values: m.values.map((x) => c * x) };
}

/** A + B. */
export function matAdd(a: Mat, b: Mat): Mat {
  if (a.kind === "scalar" && b.kind === "scalar") return scalarMat(a.value + b.value);
  if (a.kind !== "dense" && b.kind !== "dense") {
    const d = (matDim(a) ?? matDim(b))!;
    const va = a.kind === "scalar" ? null : a.values;
    const vb = b.kind === "scalar" ? null : b.values;
    const values = new Float64Array(d);
    for (let i = 0; i < d; i++)
      values[i] = (va ? va[i]! : (a as ScalarMat).value) + (vb ? vb[i]! : (b as ScalarMat).value);
    return { kind: "diagonal", values };
  }
  const d = (matDim(a) ?? matDim(b))!;
  const A = toDense(a, d);
  const B = toDense(b, d);
  for (let i = 0; i < d * d; i++) A[i]! += B[i]!;
  return { kind: "dense", dim: d, values: A };
}

/** Mᵀ. */
export function transpose(m: Mat): Mat {
  if (m.kind !== "dense") return m;
  const d = m.dim;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = m.values[i * d + j]!;
  return { kind: "dense", dim: d, values: out };
}

/**
 * Lower Cholesky factor of a symmetric positive-definite dense matrix (row-major), in place on a copy.
 * Throws a RangeError naming `fn` when a pivot is not positive.
 */
export function choleskyDense(a: Float64Array, d: number, fn = "cholesky"): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= l[j * d + k]! * l[j * d + k]!;
    if (!(s > 0)) throw new RangeError(`${fn}: matrix is not positive definite (pivot ${j} is ${s})`);
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = t / ljj;
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b in place (b of length d at offset). */
export function choleskySolveInPlace(l: Float64Array, d: number, b: Float64Array, offset = 0): void {
  for (let i = 0; i < d; i++) {
    let s = b[offset + i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * b[offset + k]!;
    b[offset + i] = s / l[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = b[offset + i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * b[offset + k]!;
    b[offset + i] = s / l[i * d + i]!;
  }
}

/** log det of a symmetric positive-definite matrix in dimension d (throws if not SPD). */
export function logDetSpd(m: Mat, d: number, fn = "logDet"): number {
  if (m.kind === "scalar") {
    if (!(m.value > 0)) throw new RangeError(`${fn}: matrix ${m.value}·I is not positive definite`);
    return d * Math.log(m.value);
  }
  if (m.kind === "diagonal") {
    let s = 0;
    for (const x of m.values) {
      if (!(x > 0)) throw new RangeError(`${fn}: diagonal entry ${x} is not positive`);
      s += Math.log(x);
    }
    return s;
  }
  const l = choleskyDense(m.values, d, fn);
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
}

/**
 * A factorization of a symmetric positive-definite matrix for repeated solves: x = M⁻¹·b.
 */
export interface SpdSolver {
  readonly logDet: number;
  /** In-place solve on b[offset … offset + d − 1]. */
  solveInPlace(b: Float64Array, offset?: number): void;
}

/** Factorizes an SPD matrix in dimension d (scalar/diagonal stay O(d)). */
export function spdSolver(m: Mat, d: number, fn = "spdSolver"): SpdSolver {
  const logDet = logDetSpd(m, d, fn);
  if (m.kind === "scalar") {
    const inv = 1 / m.value;
    return {
      logDet,
      solveInPlace: (b, o = 0) => {
        for (let i = 0; i < d; i++) b[o + i]! *= inv;
      },
    };
  }
  if (m.kind === "diagonal") {
    const v = m.values;
    return {
      logDet,
      solveInPlace: (b, o = 0) => {
        for (let i = 0; i < d; i++) b[o + i]! /= v[i]!;
      },
    };
  }
  const l = choleskyDense(m.values, d, fn);
  return { logDet, solveInPlace: (b, o = 0) => choleskySolveInPlace(l, d, b, o) };
}

/** The identity I = 1·I (a scalar matrix, any dimension). */
export const IDENTITY: ScalarMat = Object.freeze({ kind: "scalar", value: 1 }) as ScalarMat;
/** The zero matrix 0·I (any dimension). */
export const ZERO: ScalarMat = Object.freeze({ kind: "scalar", value: 0 }) as ScalarMat;

/** A − B. */
export function matSub(a: Mat, b: Mat): Mat {
  return matAdd(a, scale(b, -1));
}

/** A·Bᵀ. */
export function matMulT(a: Mat, b: Mat): Mat {
  return matMul(a, transpose(b));
}

/** A·B·Aᵀ, symmetrised ((M + Mᵀ)/2) so that a covariance stays exactly symmetric. */
export function congruence(a: Mat, b: Mat): Mat {
  return symmetrize(matMul(matMul(a, b), transpose(a)));
}

/** (M + Mᵀ)/2 (scalar and diagonal matrices are returned as they are). */
export function symmetrize(m: Mat): Mat {
  if (m.kind !== "dense") return m;
  const d = m.dim;
  const v = m.values;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    out[i * d + i] = v[i * d + i]!;
    for (let j = i + 1; j < d; j++) out[i * d + j] = out[j * d + i] = 0.5 * (v[i * d + j]! + v[j * d + i]!);
  }
  return { kind: "dense", dim: d, values: out };
}

/** The entry M[i][j] in dimension d. */
export function matEntry(m: Mat, i: number, j: number, d: number): number {
  if (m.kind === "scalar") return i === j ? m.value : 0;
  if (m.kind === "diagonal") return i === j ? m.values[i]! : 0;
  return m.values[i * d + j]!;
}

/** Nested rows M[i][j] (for JSON, tests and error messages). */
export function toRows(m: Mat, d: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < d; i++) {
    const row: number[] = [];
    for (let j = 0; j < d; j++) row.push(matEntry(m, i, j, d));
    rows.push(row);
  }
  return rows;
}

/** The plain JSON form that `toMat` parses back to the same representation: number, vector or rows. */
export function matToJson(m: Mat, d: number): number | number[] | number[][] {
  if (m.kind === "scalar") return m.value;
  if (m.kind === "diagonal") return Array.from(m.values);
  return toRows(m, d);
}

/** max |Mᵢⱼ| over the d × d entries. */
export function maxAbs(m: Mat, d: number): number {
  if (m.kind === "scalar") return d > 0 ? Math.abs(m.value) : 0;
  let s = 0;
  for (const x of m.values) s = Math.max(s, Math.abs(x));
  return s;
}

/** ‖M‖₁ = max column sum of |Mᵢⱼ|. */
export function norm1(m: Mat, d: number): number {
  if (m.kind !== "dense") return maxAbs(m, d);
  let best = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.abs(m.values[i * d + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** tr(M) in dimension d. */
export function trace(m: Mat, d: number): number {
  if (m.kind === "scalar") return d * m.value;
  if (m.kind === "diagonal") return m.values.reduce((s, x) => s + x, 0);
  let s = 0;
  for (let i = 0; i < d; i++) s += m.values[i * d + i]!;
  return s;
}

/** y = M·x as a new vector of length d. */
export function mulVec(m: Mat, x: ArrayLike<number>, d: number = x.length): Float64Array {
  const y = new Float64Array(d);
  matVec(m, x, y, 0, 0, d);
  return y;
}

/**
 * out[r] = M·x[r] (+ c) for every row r of a flat batch (rows of length d); `out` must not alias `x`
 * for a dense M. Returns `out`.
 */
export function matVecBatch<A extends Float32Array | Float64Array>(
  m: Mat,
  x: Float32Array | Float64Array,
  d: number,
  out: A,
  c: Float64Array | null = null,
): A {
  const n = x.length / d;
  if (m.kind === "scalar") {
    const s = m.value;
    for (let r = 0; r < n; r++)
      for (let i = 0; i < d; i++) out[r * d + i] = s * x[r * d + i]! + (c ? c[i]! : 0);
  } else if (m.kind === "diagonal") {
    const v = m.values;
    for (let r = 0; r < n; r++)
      for (let i = 0; i < d; i++) out[r * d + i] = v[i]! * x[r * d + i]! + (c ? c[i]! : 0);
  } else {
    const v = m.values;
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let i = 0; i < d; i++) {
        let s = c ? c[i]! : 0;
        for (let j = 0; j < d; j++) s += v[i * d + j]! * x[o + j]!;
        out[o + i] = s;
      }
    }
  }
  return out;
}

/**
 * What every matrix-valued argument accepts: a number (isotropic c·I), a vector (diagonal), nested
 * rows `number[][]` (dense, row-major) or a `Mat`.
 */
export type MatLike = number | ArrayLike<number> | readonly (readonly number[])[] | Mat;

function isMat(x: unknown): x is Mat {
  return (
    typeof x === "object" &&
    x !== null &&
    "kind" in x &&
    ["scalar", "diagonal", "dense"].includes((x as Mat).kind)
  );
}

/**
 * Parses a `MatLike` argument `name` of function `fn` into a `Mat`, checking that its entries are finite
 * and, when `dim` is given, that its dimension is `dim`. Errors name fn, the argument and the fix.
 */
export function toMat(fn: string, name: string, x: MatLike, dim?: number): Mat {
  const fail = (why: string): never => {
    throw new RangeError(
      `${fn}: ${name} ${why}; pass a number (c·I), a vector (diagonal) or nested rows number[][] (dense)${dim === undefined ? "" : ` of dimension ${dim}`}`,
    );
  };
  let m: Mat;
  if (typeof x === "number") {
    m = scalarMat(x);
  } else if (isMat(x)) {
    m = x;
  } else if (typeof x === "object" && x !== null && typeof (x as ArrayLike<unknown>).length === "number") {
    const arr = x as ArrayLike<unknown>;
    if (arr.length === 0) return fail("is empty");
    if (Array.isArray(arr[0]) || ArrayBuffer.isView(arr[0])) {
      const rows = Array.from(arr as ArrayLike<ArrayLike<number>>, (r) => Array.from(r));
      for (const [i, r] of rows.entries())
        if (r.length !== rows.length)
          fail(`row ${i} has ${r.length} entries but there are ${rows.length} rows (it must be square)`);
      m = denseMat(rows);
    } else {
      m = diagonalMat(arr as ArrayLike<number>);
    }
  } else {
    return fail(`has type ${x === null ? "null" : typeof x}`);
  }
  const values = m.kind === "scalar" ? [m.value] : m.values;
  for (const v of values)
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`has a non-finite entry ${v}`);
  const md = matDim(m);
  if (dim !== undefined && md !== undefined && md !== dim) fail(`has dimension ${md}, expected ${dim}`);
  return m;
}

/** Parses a vector argument: a number (broadcast to every entry) or an array of length `dim`. */
export function toVector(fn: string, name: string, x: number | ArrayLike<number>, dim: number): Float64Array {
  const v = typeof x === "number" ? new Float64Array(dim).fill(x) : Float64Array.from(x);
  if (v.length !== dim) {
    throw new RangeError(
      `${fn}: ${name} has length ${v.length}, expected ${dim}; pass a number or a vector of length ${dim}`,
    );
  }
  for (const e of v)
    if (!Number.isFinite(e))
      throw new RangeError(`${fn}: ${name} has a non-finite entry ${e}; every entry must be finite`);
  return v;
}
