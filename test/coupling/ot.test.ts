/**
 * Exact and entropic minibatch OT: the assignment equals brute force over all permutations, Sinkhorn
 * matches an independent kernel-scaling reference and converges to the exact plan as reg → 0, and the
 * couplings built on them pair rows as documented.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  exactOtCoupling,
  independentCoupling,
  MAX_COUPLING_BATCH,
  samplePlanRows,
  sinkhornCoupling,
} from "../../src/coupling/coupling.js";
import { squaredDistances } from "../../src/coupling/cost.js";
import { couplingFromSpec } from "../../src/registry/couplings.js";
import { linearAssignment } from "../../src/coupling/hungarian.js";
import { sinkhorn } from "../../src/coupling/sinkhorn.js";
import { Rng } from "../../src/random/rng.js";
import { assertClose } from "../helpers.js";

/** Every permutation of 0..n−1 (Heap's algorithm). */
function permutations(n: number): number[][] {
  const out: number[][] = [];
  const a = Array.from({ length: n }, (_, i) => i);
  const c = new Array<number>(n).fill(0);
  out.push(a.slice());
  let i = 0;
  while (i < n) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      [a[j], a[i]] = [a[i]!, a[j]!];
      out.push(a.slice());
      c[i]!++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

function bruteForce(cost: Float64Array, n: number): { cost: number; best: number[] } {
  let best = Number.POSITIVE_INFINITY;
  let arg: number[] = [];
  for (const p of permutations(n)) {
    let s = 0;
    for (let i = 0; i < n; i++) s += cost[i * n + p[i]!]!;
    if (s < best) {
      best = s;
      arg = p;
    }
  }
  return { cost: best, best: arg };
}

function cloud(rng: Rng, n: number, dim: number, shift = 0): Float64Array {
  const x = rng.fillNormal(new Float64Array(n * dim));
  for (let i = 0; i < x.length; i++) x[i]! += shift;
  return x;
}

describe("exact OT (linearAssignment)", () => {
  it("equals the brute-force optimum over all permutations for every n ≤ 7", () => {
    assert.equal(permutations(4).length, 24, "Heap's algorithm lists 4! permutations");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        (n, seed, integer) => {
          const rng = new Rng(seed);
          // Integer costs create ties (compare totals); point clouds have a unique optimum (compare plans).
          const cost = integer
            ? Float64Array.from({ length: n * n }, () => rng.integer(5))
            : squaredDistances(cloud(rng, n, 2), cloud(rng, n, 2, 0.5), 2);
          const { assignment, cost: total } = linearAssignment(cost, n);
          const brute = bruteForce(cost, n);
          assertClose(total, brute.cost, { rtol: 1e-12, atol: 1e-12, message: `n = ${n} total cost` });
          assert.deepEqual(
            [...assignment].sort((a, b) => a - b),
            [...Array(n).keys()],
            "the assignment is a permutation",
          );
          if (!integer)
            assert.deepEqual([...assignment], brute.best, `n = ${n}: the unique optimal permutation`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("solves rectangular problems (n < m) as the cheapest injection (brute force over injections)", () => {
    const cheapest = (cost: Float64Array, n: number, m: number): number => {
      const used = new Array<boolean>(m).fill(false);
      const go = (i: number): number => {
        if (i === n) return 0;
        let best = Number.POSITIVE_INFINITY;
        for (let j = 0; j < m; j++) {
          if (used[j]) continue;
          used[j] = true;
          best = Math.min(best, cost[i * m + j]! + go(i + 1));
          used[j] = false;
        }
        return best;
      };
      return go(0);
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 1e6 }),
        (n, extra, seed) => {
          const m = n + extra;
          const rng = new Rng(seed);
          const cost = Float64Array.from({ length: n * m }, () => rng.uniform());
          const { assignment, cost: total } = linearAssignment(cost, n, m);
          assert.equal(new Set(assignment).size, n, "distinct columns");
          assertClose(total, cheapest(cost, n, m), { rtol: 1e-12, message: `${n} × ${m}` });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects malformed costs with errors naming the argument", () => {
    assert.throws(
      () => linearAssignment(new Float64Array(5), 2),
      /linearAssignment: cost has length 5, expected n × m/,
    );
    assert.throws(
      () => linearAssignment(Float64Array.from([0, Number.NaN, 1, 2]), 2),
      /cost\[1\] = NaN is not finite/,
    );
    assert.throws(() => linearAssignment(new Float64Array(6), 3, 2), /transpose the cost matrix/);
  });
});

/** Classic (non-log) Sinkhorn scaling u ← a/(Kv), v ← b/(Kᵀu), K = e^{−C/reg}: an independent reference. */
function kernelSinkhorn(cost: Float64Array, n: number, reg: number, iterations: number): Float64Array {
  const K = cost.map((c) => Math.exp(-c / reg));
  const u = new Float64Array(n).fill(1);
  const v = new Float64Array(n).fill(1);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j]! * v[j]!;
      u[i] = 1 / n / s;
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += K[i * n + j]! * u[i]!;
      v[j] = 1 / n / s;
    }
  }
  return K.map((k, idx) => u[Math.floor(idx / n)]! * k * v[idx % n]!);
}

describe("entropic OT (sinkhorn)", () => {
  const rng = new Rng(11);
  const n = 6;
  const cost = squaredDistances(cloud(rng, n, 2), cloud(rng, n, 2, 0.3), 2);

  it("matches kernel-scaling Sinkhorn at a moderate reg and meets its marginals to tol", () => {
    const result = sinkhorn(cost, n, n, { reg: 0.5, tol: 1e-13 });
    assert.ok(result.converged, `converged (error ${result.marginalError})`);
    assertClose(result.plan, kernelSinkhorn(cost, n, 0.5, 2000), {
      rtol: 1e-9,
      atol: 1e-15,
      message: "plan",
    });
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += result.plan[i * n + j]!;
      assertClose(s, 1 / n, { rtol: 1e-12, message: `column ${j}` });
    }
  });

  it("converges to the exact OT plan as reg → 0, within the entropic cost bound reg·log n", () => {
    const exact = linearAssignment(cost, n);
    const exactPlan = new Float64Array(n * n);
    exact.assignment.forEach((j, i) => {
      exactPlan[i * n + j] = 1 / n;
    });
    const scale = exact.cost / n;
    const maxCost = Math.max(...cost);
    const tol = 1e-5;
    let previous = Number.POSITIVE_INFINITY;
    const distances: number[] = [];
    for (const factor of [1, 0.3, 0.1, 0.03, 0.01, 0.003]) {
      const reg = factor * scale;
      const result = sinkhorn(cost, n, n, { reg, tol, maxIterations: 50_000 });
      assert.ok(result.converged, `reg = ${reg} converged (error ${result.marginalError})`);
      let l1 = 0;
      for (let k = 0; k < n * n; k++) l1 += Math.abs(result.plan[k]! - exactPlan[k]!);
      distances.push(l1);
      assert.ok(l1 < previous, `‖π_reg − π*‖₁ decreases: ${l1} after ${previous} at reg = ${reg}`);
      previous = l1;
      // 0 ≤ ⟨π_reg, C⟩ − OT ≤ reg·log n for the exact entropic plan; the marginal error tol moves it by ≤ tol·max C.
      const gap = result.transportCost - exact.cost / n;
      const slack = tol * maxCost;
      assert.ok(
        gap >= -slack && gap <= reg * Math.log(n) + slack,
        `0 ≤ ⟨π,C⟩ − OT = ${gap} ≤ reg·log n = ${reg * Math.log(n)}`,
      );
    }
    assert.ok(
      distances.at(-1)! < 1e-4,
      `‖π_reg − π*‖₁ = ${distances.at(-1)} at reg = 0.003·(OT cost) (sequence ${distances.map((d) => d.toExponential(1)).join(", ")})`,
    );
  });

  it("stays finite in the log domain where the kernel e^{−C/reg} underflows", () => {
    const result = sinkhorn(cost, n, n, { reg: 1e-4, tol: 1e-10, maxIterations: 10_000 });
    assert.ok(result.plan.every(Number.isFinite), "every plan entry is finite");
    assert.ok(result.converged, `converged at reg = 1e-4 (error ${result.marginalError})`);
  });

  it("reports non-convergence instead of throwing, and rejects a non-positive reg", () => {
    const result = sinkhorn(cost, n, n, { reg: 0.01, tol: 1e-14, maxIterations: 1 });
    assert.equal(result.converged, false, "one iteration is not enough at reg = 0.01");
    assert.throws(
      () => sinkhorn(cost, n, n, { reg: 0 }),
      /sinkhorn: reg must be a finite number > 0.*exactOtCoupling/,
    );
    assert.throws(
      () => sinkhorn(cost, n, n, { reg: 1, maxIterations: 0 }),
      /maxIterations must be a positive integer/,
    );
  });
});

describe("couplings", () => {
  const dim = 3;
  const n = 32;

  it("independentCoupling pairs row i with row i and draws nothing", () => {
    const rng = new Rng(1);
    const state = JSON.stringify(rng.getState());
    const p = independentCoupling().pair(new Float64Array(n * dim), new Float64Array(n * dim), dim, rng);
    assert.deepEqual([...p], [...Array(n).keys()], "identity pairing");
    assert.equal(JSON.stringify(rng.getState()), state, "no draws");
  });

  it("exactOtCoupling returns the optimal permutation, cheaper than independent pairing", () => {
    const rng = new Rng(2);
    const data = cloud(rng, n, dim, 2);
    const source = cloud(rng, n, dim);
    const p = exactOtCoupling().pair(data, source, dim, rng);
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      [...Array(n).keys()],
      "a permutation",
    );
    const cost = squaredDistances(data, source, dim);
    const total = (q: ArrayLike<number>) => Array.from(q).reduce((s, j, i) => s + cost[i * n + j]!, 0);
    assertClose(total(p), linearAssignment(cost, n).cost, { rtol: 1e-14, message: "OT cost" });
    assert.ok(total(p) < total([...Array(n).keys()]), "OT pairing beats the identity pairing");
  });

  it("sinkhornCoupling with a tiny reg samples the exact OT pairing", () => {
    const rng = new Rng(4);
    const data = cloud(rng, n, dim, 1);
    const source = cloud(rng, n, dim);
    const exact = exactOtCoupling().pair(data, source, dim, rng);
    const p = sinkhornCoupling({ reg: 1e-3, tol: 1e-6 }).pair(data, source, dim, rng);
    assert.deepEqual([...p], [...exact], "entropic pairing at reg → 0 is the OT permutation");
  });

  it("samplePlanRows draws each column with its conditional probability", () => {
    const plan = Float64Array.from([0.1, 0.3, 0.0, 0.2, 0.2, 0.2]);
    const rng = new Rng(5);
    const counts = [0, 0, 0];
    const draws = 20_000;
    for (let k = 0; k < draws; k++) counts[samplePlanRows(plan, 2, 3, rng)[0]!]!++;
    assertClose(counts[0]! / draws, 0.25, { atol: 0.015, message: "P(j = 0 | i = 0)" });
    assert.equal(counts[2], 0, "a zero-mass column is never drawn");
  });

  it("reject oversize batches and mismatched shapes, and round-trip their specs", () => {
    const big = new Float64Array((MAX_COUPLING_BATCH + 1) * 1);
    assert.throws(() => exactOtCoupling().pair(big, big, 1, new Rng(0)), /exceeds 1024; split the batch/);
    assert.throws(
      () => exactOtCoupling().pair(new Float64Array(6), new Float64Array(4), 2, new Rng(0)),
      /exactOtCoupling: source has length 4 but data has length 6/,
    );
    for (const c of [independentCoupling(), exactOtCoupling(), sinkhornCoupling({ reg: 0.5 })]) {
      assert.deepEqual(couplingFromSpec(c.spec).spec, c.spec, `${c.name} spec round trip`);
    }
    assert.throws(
      () => couplingFromSpec({ name: "hungarian" } as never),
      /couplingFromSpec: spec: must be one of independent, exact-ot, sinkhorn; got "hungarian"/,
    );
    assert.throws(() => sinkhornCoupling({ reg: -1 }), /sinkhornCoupling: reg must be a finite number > 0/);
  });
});
