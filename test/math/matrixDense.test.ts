/**
 * Matrix representations and decompositions (src/math/matrix.ts, dense.ts, gaussian.ts): parsing,
 * inverse/solve, SPD inverse, symmetric eigendecomposition and square roots, the matrix exponential
 * against closed forms and identities, log-determinants, and Gaussians.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { EigenvalueDecomposition, LuDecomposition, Matrix, inverse as mlInverse } from "ml-matrix";
import {
  expm,
  inverse,
  inverseSpd,
  invSqrtPd,
  logAbsDet,
  solve,
  solveVector,
  sqrtPsd,
  symmetricEigen,
  tryInverse,
} from "../../src/math/dense.js";
import { gaussian, gaussianLogProb, gaussianSample } from "../../src/math/gaussian.js";
import { assertClose } from "../helpers.js";
import {
  type Mat,
  denseMat,
  diagonalMat,
  logDetSpd,
  matMul,
  matMulT,
  matSub,
  matToJson,
  matVecBatch,
  scalarMat,
  toDense,
  toMat,
  trace,
  transpose,
} from "../../src/math/matrix.js";

const d3 = (m: Mat) => toDense(m, 3);

function maxDiff(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

const I3 = toDense(scalarMat(1), 3);

/** A random dense 3 × 3 matrix with entries in [−2, 2]. */
const dense3 = fc
  .array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 })
  .map((v) => denseMat(Float64Array.from(v), 3));
/** A random SPD matrix B·Bᵀ + 0.1·I. */
const spd3 = dense3.map((b) => {
  const m = toDense(matMulT(b, b), 3);
  for (let i = 0; i < 3; i++) m[i * 4]! += 0.1;
  return denseMat(m, 3);
});

/** e^M by a 40-term Taylor series after scaling by 2⁻⁶ and squaring (an independent route). */
function expmTaylor(m: Mat): Float64Array {
  const s = 6;
  const a = toDense(m, 3).map((x) => x / 2 ** s);
  let term = Float64Array.from(I3);
  let sum = Float64Array.from(I3);
  for (let k = 1; k < 40; k++) {
    term = toDense(matMul(denseMat(term, 3), denseMat(a, 3)), 3).map((x) => x / k);
    sum = sum.map((x, i) => x + term[i]!);
  }
  let r: Mat = denseMat(sum, 3);
  for (let k = 0; k < s; k++) r = matMul(r, r);
  return toDense(r, 3);
}

describe("matrix parsing", () => {
  test("toMat reads a number as c·I, a vector as diagonal and rows as dense, and matToJson inverts it", () => {
    assert.deepEqual(toMat("f", "M", 2), scalarMat(2));
    assert.deepEqual(toMat("f", "M", [1, 2]), diagonalMat([1, 2]));
    assert.deepEqual(
      toMat("f", "M", [
        [1, 2],
        [3, 4],
      ]),
      denseMat([
        [1, 2],
        [3, 4],
      ]),
    );
    for (const x of [
      2,
      [1, 2],
      [
        [1, 2],
        [3, 4],
      ],
    ])
      assert.deepEqual(matToJson(toMat("f", "M", x), 2), x);
  });

  test("toMat errors name the function, the argument and what to pass", () => {
    assert.throws(
      () => toMat("myFn", "cov", [[1, 2], [3]]),
      /myFn: cov row 1 has 1 entries but there are 2 rows .*pass a number \(c·I\)/,
    );
    assert.throws(() => toMat("myFn", "cov", [1, Number.NaN]), /myFn: cov has a non-finite entry NaN/);
    assert.throws(() => toMat("myFn", "cov", [1, 2, 3], 2), /myFn: cov has dimension 3, expected 2/);
    assert.throws(() => toMat("myFn", "cov", "x" as never), /myFn: cov has type string/);
  });

  test("matVecBatch computes M·x + c for every row in each representation", () => {
    const x = Float64Array.of(1, 2, 3, 4);
    const c = Float64Array.of(10, 20);
    for (const m of [
      scalarMat(2),
      diagonalMat([2, 2]),
      denseMat([
        [2, 0],
        [0, 2],
      ]),
    ]) {
      assert.deepEqual(Array.from(matVecBatch(m, x, 2, new Float64Array(4), c)), [12, 24, 16, 28]);
    }
  });
});

describe("decompositions", () => {
  test("inverse and solve give A·A⁻¹ = I for well-conditioned dense matrices", () => {
    fc.assert(
      fc.property(dense3, (a) => {
        const inv = tryInverse(a, 3);
        if (inv === null) return true;
        const e = maxDiff(d3(matMul(a, inv)), I3);
        const cond = Math.max(...d3(a).map(Math.abs)) * Math.max(...d3(inv).map(Math.abs));
        return e < 1e-13 * Math.max(1, cond) * 10;
      }),
      { numRuns: 100 },
    );
    const a = denseMat([
      [4, 1, 0],
      [1, 3, 1],
      [0, 1, 2],
    ]);
    assert.ok(maxDiff(d3(matMul(a, solve(a, scalarMat(1), 3))), I3) < 1e-15);
  });

  test("singular matrices have no inverse, and the error names the function and argument", () => {
    assert.equal(tryInverse(scalarMat(0), 3), null);
    assert.equal(tryInverse(diagonalMat([1, 0, 2]), 3), null);
    assert.equal(
      tryInverse(
        denseMat([
          [1, 2],
          [2, 4],
        ]),
        2,
      ),
      null,
    );
    assert.equal(
      tryInverse(
        denseMat([
          [1, 1],
          [1, 1 + 1e-15],
        ]),
        2,
      ),
      null,
      "numerically singular",
    );
    assert.throws(
      () =>
        inverse(
          denseMat([
            [1, 2],
            [2, 4],
          ]),
          2,
          "myFn",
          "H",
        ),
      /myFn: H is singular/,
    );
  });

  test("solveVector solves A·x = b: a closed form, random systems, every representation and singular A", () => {
    // [[2, 1], [1, 3]]·x = (3, 5) has x = (4/5, 7/5).
    const x = solveVector(
      denseMat([
        [2, 1],
        [1, 3],
      ]),
      [3, 5],
      2,
    );
    assert.ok(Math.abs(x[0]! - 0.8) < 1e-15 && Math.abs(x[1]! - 1.4) < 1e-15, `x = ${Array.from(x)}`);
    fc.assert(
      fc.property(
        dense3,
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (a, b) => {
          if (tryInverse(a, 3) === null) return true;
          const sol = solveVector(a, b, 3);
          const back = new Float64Array(3);
          matVecBatch(a, sol, 3, back);
          const cond = Math.max(...d3(a).map(Math.abs)) * Math.max(...d3(tryInverse(a, 3)!).map(Math.abs));
          return (
            maxDiff(back, Float64Array.from(b)) < 1e-12 * Math.max(1, cond) * Math.max(1, ...b.map(Math.abs))
          );
        },
      ),
      { numRuns: 100 },
    );
    assert.deepEqual(Array.from(solveVector(scalarMat(4), [2, 8], 2)), [0.5, 2]);
    assert.deepEqual(Array.from(solveVector(diagonalMat([2, -4]), [1, 1], 2)), [0.5, -0.25]);
    assert.throws(
      () =>
        solveVector(
          denseMat([
            [1, 2],
            [2, 4],
          ]),
          [1, 1],
          2,
          "myFn",
          "R",
        ),
      /myFn: R is singular/,
    );
    assert.throws(
      () => solveVector(scalarMat(1), [1, 2, 3], 2, "myFn"),
      /myFn: the right-hand side has length 3, expected 2/,
    );
  });

  test("inverseSpd equals the general inverse on SPD matrices and rejects indefinite ones", () => {
    fc.assert(
      fc.property(
        spd3,
        (m) =>
          maxDiff(d3(inverseSpd(m, 3)), d3(inverse(m, 3))) <
          1e-9 * Math.max(1, ...d3(inverse(m, 3)).map(Math.abs)),
      ),
      { numRuns: 50 },
    );
    assert.throws(() => inverseSpd(diagonalMat([1, -1]), 2, "myFn", "V"), /myFn: V is not positive definite/);
  });

  test("the symmetric eigendecomposition reconstructs M with orthonormal eigenvectors and ascending values", () => {
    fc.assert(
      fc.property(spd3, (m) => {
        const { values, vectors } = symmetricEigen(m, 3);
        const V = denseMat(vectors, 3);
        const recon = toDense(matMulT(matMul(V, diagonalMat(values)), V), 3);
        const VtV = toDense(matMul(transpose(V), V), 3);
        if (maxDiff(VtV, I3) > 1e-13) return false;
        return (
          maxDiff(recon, d3(m)) < 1e-12 * Math.max(1, ...values) &&
          values[0]! <= values[1]! &&
          values[1]! <= values[2]!
        );
      }),
      { numRuns: 50 },
    );
  });

  test("the symmetric square root squares to M and the inverse square root whitens it", () => {
    fc.assert(
      fc.property(spd3, (m) => {
        const r = sqrtPsd(m, 3);
        const ri = invSqrtPd(m, 3);
        const scale = Math.max(1, ...d3(m).map(Math.abs));
        return (
          maxDiff(d3(matMul(r, r)), d3(m)) < 1e-12 * scale &&
          maxDiff(d3(matMul(matMul(ri, m), ri)), I3) < 1e-9 &&
          maxDiff(d3(r), d3(transpose(r))) < 1e-14 * scale
        );
      }),
      { numRuns: 50 },
    );
  });

  test("square roots handle singular PSD matrices and reject indefinite or singular ones where needed", () => {
    const psd = denseMat([
      [1, 1],
      [1, 1],
    ]);
    const r = sqrtPsd(psd, 2);
    assert.ok(maxDiff(toDense(matMul(r, r), 2), toDense(psd, 2)) < 1e-15);
    assert.throws(() => invSqrtPd(psd, 2, "myFn", "Σ_p"), /myFn: Σ_p is singular/);
    assert.throws(
      () => sqrtPsd(diagonalMat([1, -1]), 2, "myFn", "cov"),
      /myFn: cov is not positive semidefinite/,
    );
    assert.deepEqual(sqrtPsd(scalarMat(4), 5), scalarMat(2));
  });

  test("expm agrees with a scaled Taylor series and satisfies e^A·e^{−A} = I", () => {
    fc.assert(
      fc.property(dense3, (a) => {
        const e = d3(expm(a, 3));
        const scale = Math.max(1, ...e.map(Math.abs));
        const inv = d3(expm(matSub(scalarMat(0), a), 3));
        const prod = toDense(matMul(denseMat(e, 3), denseMat(inv, 3)), 3);
        return (
          maxDiff(e, expmTaylor(a)) < 1e-12 * scale &&
          maxDiff(prod, I3) < 1e-11 * scale * Math.max(1, ...inv.map(Math.abs))
        );
      }),
      { numRuns: 60 },
    );
  });

  test("expm matches closed forms: nilpotent, rotation with a large angle (scaling and squaring), diagonal", () => {
    assert.deepEqual(
      Array.from(
        toDense(
          expm(
            denseMat([
              [0, 1],
              [0, 0],
            ]),
            2,
          ),
          2,
        ),
      ),
      [1, 1, 0, 1],
    );
    const theta = 10;
    const rot = toDense(
      expm(
        denseMat([
          [0, -theta],
          [theta, 0],
        ]),
        2,
      ),
      2,
    );
    const exact = [Math.cos(theta), -Math.sin(theta), Math.sin(theta), Math.cos(theta)];
    rot.forEach((x, i) => {
      assert.ok(Math.abs(x - exact[i]!) < 1e-13, `rotation[${i}]`);
    });
    assert.deepEqual(expm(diagonalMat([0, Math.log(2)]), 2), diagonalMat([1, 2]));
    assert.deepEqual(expm(scalarMat(0), 4), scalarMat(1));
  });

  test("log-determinants agree with the eigenvalues, with signs, and trace sums the diagonal", () => {
    fc.assert(
      fc.property(spd3, (m) => {
        const { values } = symmetricEigen(m, 3);
        const ref = values.reduce((s, w) => s + Math.log(w), 0);
        const { sign, logAbs } = logAbsDet(m, 3);
        return sign === 1 && Math.abs(logAbs - ref) < 1e-10 && Math.abs(logDetSpd(m, 3) - ref) < 1e-10;
      }),
      { numRuns: 30 },
    );
    const swap = logAbsDet(
      denseMat([
        [0, 2],
        [3, 0],
      ]),
      2,
    );
    assert.equal(swap.sign, -1);
    assert.ok(Math.abs(swap.logAbs - Math.log(6)) < 1e-15);
    assert.equal(logAbsDet(scalarMat(-2), 3).sign, -1);
    assert.equal(
      trace(
        denseMat([
          [1, 2],
          [3, 4],
        ]),
        2,
      ),
      5,
    );
  });
});

describe("gaussian", () => {
  test("gaussianLogProb is the closed-form density and gaussianSample uses the symmetric square root", () => {
    const g = gaussian({
      mean: [1, -1],
      cov: [
        [2, 0.5],
        [0.5, 1],
      ],
    });
    const x = Float64Array.of(0.5, 0.2);
    const det = 2 - 0.25;
    const r = [-0.5, 1.2];
    const q = (1 * r[0]! * r[0]! - 2 * 0.5 * r[0]! * r[1]! + 2 * r[1]! * r[1]!) / det;
    const expected = -0.5 * (2 * Math.log(2 * Math.PI) + Math.log(det) + q);
    assert.ok(Math.abs(gaussianLogProb(g, x, 2)[0]! - expected) < 1e-14);
    const z = Float32Array.of(1, 0);
    const s = gaussianSample(g, z, 2);
    assert.ok(s instanceof Float32Array);
    const root = toDense(sqrtPsd(g.cov, 2), 2);
    assert.ok(Math.abs(s[0]! - (1 + root[0]!)) < 1e-6 && Math.abs(s[1]! - (-1 + root[2]!)) < 1e-6);
  });

  test("gaussian validates its arguments with errors naming the argument and the fix", () => {
    assert.throws(
      () => gaussian({ mean: [0, 0], cov: [1, 2, 3] }),
      /gaussian: cov has dimension 3, expected 2/,
    );
    assert.throws(
      () => gaussian({ mean: [0, Number.POSITIVE_INFINITY], cov: 1 }),
      /gaussian: mean has a non-finite entry/,
    );
    assert.throws(() => gaussian({ mean: 0, cov: -1 }), /gaussian: cov is not positive semidefinite/);
    assert.equal(gaussian({ mean: 0, cov: 1 }).dim, undefined, "isotropic in any dimension");
    assert.throws(
      () => gaussianLogProb(gaussian({ mean: [0, 0, 0], cov: 1 }), new Float64Array(4), 2),
      /gaussianLogProb: the Gaussian has dimension 3 but the input has dimension 2/,
    );
  });
});

describe("own LU and Jacobi eigensolver against ml-matrix (an independent implementation)", () => {
  const denseOf = (d: number) =>
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d * d, maxLength: d * d });

  test("inverse and log|det| equal ml-matrix's LU on random dense matrices up to 12 × 12", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1000 }), (d, seed) => {
        // A well-conditioned random matrix: diagonally shifted uniform entries.
        let state = seed + 1;
        const next = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
        const values = Float64Array.from({ length: d * d }, (_, k) => next() + (k % (d + 1) === 0 ? 3 : 0));
        const m = denseMat(values, d);
        const ref = new Matrix(d, d);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) ref.set(i, j, values[i * d + j]!);
        const refInv = mlInverse(ref);
        const inv = toDense(inverse(m, d), d);
        let diff = 0;
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(inv[i * d + j]! - refInv.get(i, j)));
        const refDet = new LuDecomposition(ref).determinant;
        const { sign, logAbs } = logAbsDet(m, d);
        return (
          diff < 1e-12 && sign === Math.sign(refDet) && Math.abs(logAbs - Math.log(Math.abs(refDet))) < 1e-12
        );
      }),
      { numRuns: 60 },
    );
  });

  test("eigenvalues equal ml-matrix's symmetric QL to 1e-12·‖M‖ up to 16 × 16, with repeated eigenvalues", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), denseOf(16), (d, raw) => {
        // Subnormal entries become 0: the reference's QL iteration runs off its arrays on them
        // (they are checked against the closed form below instead).
        const values = Float64Array.from({ length: d * d }, (_, k) =>
          Math.abs(raw[k]!) < 2.2250738585072014e-308 ? 0 : raw[k]!,
        );
        const m = denseMat(values, d);
        const ref = new Matrix(d, d);
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) ref.set(i, j, 0.5 * (values[i * d + j]! + values[j * d + i]!));
        const w = [...new EigenvalueDecomposition(ref, { assumeSymmetric: true }).realEigenvalues].sort(
          (a, b) => a - b,
        );
        const got = symmetricEigen(m, d).values;
        const norm = Math.max(1, ...w.map(Math.abs));
        return w.every((x, k) => Math.abs(x - got[k]!) < 1e-12 * norm);
      }),
      { numRuns: 60 },
    );
    // Subnormal and tiny entries (a case the reference cannot take): the eigenvalues of the
    // symmetrised matrix diag(−2.66e−15, 0, 0) + off-diagonal terms ≤ 1e−35.
    const tiny = symmetricEigen(
      denseMat(Float64Array.of(-2.6645352591003757e-15, 0, -2.407412430484045e-35, 1e-323, 0, 0, 0, 0, 0), 3),
      3,
    ).values;
    assert.deepEqual(Array.from(tiny), [-2.6645352591003757e-15, 0, 0], "eigenvalues with subnormal entries");
    // Repeated eigenvalues (identity plus a rank-one update) and an exactly diagonal dense matrix.
    const rankOne = symmetricEigen(denseMat(Float64Array.of(2, 1, 1, 1, 2, 1, 1, 1, 2), 3), 3).values;
    assertClose(Array.from(rankOne), [1, 1, 4], { atol: 1e-14 });
    assert.deepEqual(
      Array.from(symmetricEigen(denseMat(Float64Array.of(3, 0, 0, -1), 2), 2).values),
      [-1, 3],
    );
  });

  test("an exactly singular dense matrix has no inverse and log|det| = −∞, without NaN", () => {
    const singular = denseMat(Float64Array.of(1, 2, 3, 2, 4, 6, 0, 1, 1), 3);
    assert.equal(tryInverse(singular, 3), null);
    assert.deepEqual(logAbsDet(singular, 3), { sign: 0, logAbs: Number.NEGATIVE_INFINITY });
    // A row swap is needed at the first step (zero pivot) and flips the determinant's sign.
    const swap = denseMat(Float64Array.of(0, 1, 1, 0), 2);
    assert.deepEqual(logAbsDet(swap, 2), { sign: -1, logAbs: 0 });
    assert.deepEqual(Array.from(toDense(inverse(swap, 2), 2)), [0, 1, 1, 0]);
  });
});
