/**
 * Linear SDEs: closed-form and Van Loan transitions against the moment ODE (an independent route),
 * the Chapman–Kolmogorov semigroup property, consistency of transitions with params(t) by finite
 * differences, the critically-damped closed form, time scaling, specs and argument errors.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type Mat, toDense, toRows } from "../../src/math/matrix.js";
import { brownianMotion } from "../../src/sde/brownianMotion.js";
import { criticallyDampedLangevin } from "../../src/sde/criticallyDampedLangevin.js";
import { linearSde } from "../../src/sde/linearSde.js";
import { composeTransitions, linearTimeInvariantSde } from "../../src/sde/lti.js";
import { solveOde } from "../../src/sde/ode.js";
import { ornsteinUhlenbeck } from "../../src/sde/ornsteinUhlenbeck.js";
import type { LinearSde, Transition } from "../../src/sde/sde.js";
import { sdeFromSpec } from "../../src/sde/spec.js";
import { timeScaledSde } from "../../src/sde/timeScaled.js";
import { variancePreservingSde } from "../../src/sde/variancePreserving.js";
import { relErr } from "./bridgeCases.js";

/** A dense F that commutes neither with its transpose nor with Λ. */
const DENSE_F = [
  [-0.7, 1.3, 0.2],
  [-0.4, -0.2, 0.9],
  [0.5, -1.1, -0.6],
];
const DENSE_L = [
  [0.8, 0, 0],
  [0.3, 0.5, 0],
  [-0.2, 0.4, 0.7],
];

/** The same SDE with transitions from the moment ODE. */
function asOde(sde: LinearSde): LinearSde {
  return linearSde({
    dim: sde.dim,
    F: (t) => sde.params(t).F,
    u: (t) => sde.params(t).u,
    L: (t) => sde.params(t).L,
  });
}

function transitionErr(a: Transition, b: Transition, d: number): number {
  return Math.max(
    relErr(toRows(a.A, d), toRows(b.A, d)),
    relErr(a.u.length ? a.u : [0], b.u.length ? b.u : [0]),
    relErr(toRows(a.cov, d), toRows(b.cov, d)),
  );
}

function absTransitionErr(a: Transition, b: Transition, d: number): number {
  let e = 0;
  const cmp = (x: Mat, y: Mat): void => {
    const X = toDense(x, d);
    const Y = toDense(y, d);
    for (let i = 0; i < d * d; i++) e = Math.max(e, Math.abs(X[i]! - Y[i]!));
  };
  cmp(a.A, b.A);
  cmp(a.cov, b.cov);
  for (let i = 0; i < d; i++) e = Math.max(e, Math.abs(a.u[i]! - b.u[i]!));
  return e;
}

const closedForm: [string, LinearSde][] = [
  ["brownianMotion", brownianMotion({ sigma: 0.7, dim: 2 })],
  ["ornsteinUhlenbeck", ornsteinUhlenbeck({ sigma: 1.3, lambda: 0.8, dim: 2 })],
  ["variancePreservingSde", variancePreservingSde({ betaMin: 0.1, betaMax: 20, dim: 2 })],
  [
    "dense non-commuting linearTimeInvariantSde",
    linearTimeInvariantSde({ F: DENSE_F, L: DENSE_L, u: [0.3, -0.2, 0.5] }),
  ],
  [
    "diagonal linearTimeInvariantSde with dense L",
    linearTimeInvariantSde({ F: [-0.5, 0, 1.2], L: DENSE_L, u: [1, 2, 3] }),
  ],
  ["criticallyDampedLangevin", criticallyDampedLangevin({ mass: 0.25, beta: 4, dim: 2 })],
  ["timeScaledSde of an OU", timeScaledSde(ornsteinUhlenbeck({ sigma: 1, lambda: 2, dim: 1 }), 3)],
];

describe("solveOde", () => {
  test("solveOde reproduces y = e^{λt} to 1e-11 at dense-output times in both directions", () => {
    const f = (_t: number, y: Float64Array, dy: Float64Array): void => {
      dy[0] = -1.7 * y[0]!;
      dy[1] = 0.9 * y[1]!;
    };
    const times = Array.from({ length: 37 }, (_, i) => i / 36);
    const fwd = solveOde(f, Float64Array.of(1, 2), 0, 1, times);
    times.forEach((t, i) => {
      assert.ok(Math.abs(fwd.values[i]![0]! - Math.exp(-1.7 * t)) < 1e-11, `t=${t}`);
      assert.ok(Math.abs(fwd.values[i]![1]! - 2 * Math.exp(0.9 * t)) < 1e-11, `t=${t}`);
    });
    const bwd = solveOde(f, Float64Array.of(1, 2), 1, 0, times);
    times.forEach((t, i) => {
      assert.ok(Math.abs(bwd.values[i]![0]! - Math.exp(-1.7 * (t - 1))) < 1e-10, `t=${t}`);
    });
    assert.equal(fwd.stats.solves, 1);
    assert.ok(fwd.stats.rhsEvals >= 6 * fwd.stats.steps, "counts every right-hand-side evaluation");
  });

  test("solveOde errors name the function: an output time outside the interval, too many steps, a non-finite right-hand side", () => {
    assert.throws(
      () => solveOde(() => {}, Float64Array.of(0), 0, 1, [1.5], {}, "myFn"),
      /myFn: saveAt time 1.5 lies outside \[0, 1\]/,
    );
    const decay = (_t: number, y: Float64Array, dy: Float64Array): void => {
      dy[0] = -50 * y[0]!;
    };
    assert.throws(
      () => solveOde(decay, Float64Array.of(1), 0, 1, [1], { maxSteps: 3 }, "myFn"),
      /myFn: more than 3 steps; .*loosen the tolerances/,
    );
    const poisoned = (_t: number, _y: Float64Array, dy: Float64Array): void => {
      dy[0] = Number.NaN;
    };
    assert.throws(
      () => solveOde(poisoned, Float64Array.of(1), 0, 1, [1], {}, "myFn"),
      /myFn: the right-hand side is NaN in component 0 at t = 0; it must be finite/,
    );
  });
});

describe("transitions", () => {
  for (const [name, sde] of closedForm) {
    test(`${name} transitions equal the moment-ODE solution to 1e-10`, () => {
      const ode = asOde(sde);
      const d = sde.dim;
      for (const [s, t] of [
        [0, 0.3],
        [0.2, 1],
        [0.5, 0.5],
      ] as const) {
        const e = transitionErr(sde.transition(s, t), ode.transition(s, t), d);
        assert.ok(e < 1e-10, `s=${s}, t=${t}: ${e}`);
      }
      assert.equal(sde.solver, "closed-form");
      assert.equal(ode.solver, "ode");
    });

    test(`${name} transitions satisfy Chapman–Kolmogorov (composition over an intermediate time)`, () => {
      const d = sde.dim;
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (a, b, c) => {
            const [s, r, t] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
            const composed = composeTransitions(sde.transition(s, r), sde.transition(r, t), d);
            return (
              absTransitionErr(composed, sde.transition(s, t), d) <
              1e-11 *
                (1 +
                  absTransitionErr(
                    sde.transition(s, t),
                    {
                      A: { kind: "scalar", value: 0 },
                      u: new Float64Array(d),
                      cov: { kind: "scalar", value: 0 },
                    },
                    d,
                  ))
            );
          },
        ),
        { numRuns: 25 },
      );
    });

    test(`${name} transitions solve dA/dt = F·A, du/dt = F·u + u(t), dΣ/dt = FΣ + ΣFᵀ + Λ (finite differences)`, () => {
      const d = sde.dim;
      const s = 0.1;
      const t = 0.6;
      const h = 1e-4;
      const at = (tt: number) => sde.transition(s, tt);
      const deriv = (get: (tr: Transition) => Float64Array): Float64Array => {
        const p = get(at(t + h));
        const m = get(at(t - h));
        const p2 = get(at(t + 2 * h));
        const m2 = get(at(t - 2 * h));
        return p.map((x, i) => (8 * (x - m[i]!) - (p2[i]! - m2[i]!)) / (12 * h));
      };
      const { F, u, Lambda } = sde.params(t);
      const tr = at(t);
      const Fd = toDense(F, d);
      const A = toDense(tr.A, d);
      const S = toDense(tr.cov, d);
      const L = toDense(Lambda, d);
      const dA = deriv((x) => toDense(x.A, d));
      const dS = deriv((x) => toDense(x.cov, d));
      const du = deriv((x) => x.u);
      let worst = 0;
      for (let i = 0; i < d; i++) {
        let fu = u[i]!;
        for (let k = 0; k < d; k++) fu += Fd[i * d + k]! * tr.u[k]!;
        worst = Math.max(worst, Math.abs(du[i]! - fu));
        for (let j = 0; j < d; j++) {
          let fa = 0;
          let fs = L[i * d + j]!;
          for (let k = 0; k < d; k++) {
            fa += Fd[i * d + k]! * A[k * d + j]!;
            fs += Fd[i * d + k]! * S[k * d + j]! + S[i * d + k]! * Fd[j * d + k]!;
          }
          worst = Math.max(worst, Math.abs(dA[i * d + j]! - fa), Math.abs(dS[i * d + j]! - fs));
        }
      }
      assert.ok(worst < 1e-7, `worst residual ${worst}`);
    });
  }

  test("Brownian motion and OU keep scalar matrices (O(d)) and OU at λ = 0 is Brownian motion", () => {
    const bm = brownianMotion({ sigma: 2, dim: 1000 }).transition(0.25, 1);
    assert.equal(bm.cov.kind, "scalar");
    assert.equal((bm.cov as { value: number }).value, 3);
    const ou0 = ornsteinUhlenbeck({ sigma: 2, lambda: 0, dim: 3 }).transition(0.25, 1);
    assert.equal((ou0.cov as { value: number }).value, 3);
    const ou = ornsteinUhlenbeck({ sigma: 1, lambda: 1e-12, dim: 1 }).transition(0, 1);
    assert.ok(Math.abs((ou.cov as { value: number }).value - 1) < 1e-11, "no cancellation as λ → 0");
  });

  test("the critically-damped transition matrix is e^{−βδ/√M}(I + (F₂ + βI/√M)δ) and its noise is degenerate", () => {
    const mass = 0.25;
    const beta = 4;
    const sde = criticallyDampedLangevin({ mass, beta, dim: 2 });
    assert.equal(sde.dim, 4);
    const lam = -beta / Math.sqrt(mass);
    const F2 = [
      [0, beta / mass],
      [-beta, (-2 * Math.sqrt(mass) * beta) / mass],
    ];
    for (const delta of [0.05, 0.4, 1.3]) {
      const A = toRows(sde.transition(0, delta).A, 4);
      const e = Math.exp(lam * delta);
      for (let p = 0; p < 2; p++)
        for (let q = 0; q < 2; q++) {
          const expected = e * ((p === q ? 1 : 0) + (F2[p]![q]! - (p === q ? lam : 0)) * delta);
          for (let i = 0; i < 2; i++) {
            assert.ok(Math.abs(A[p * 2 + i]![q * 2 + i]! - expected) < 1e-13, `δ=${delta} block ${p}${q}`);
            assert.equal(A[p * 2 + i]![q * 2 + (1 - i)], 0, "x and v blocks are ⊗ I");
          }
        }
    }
    const Lambda = toRows(sde.params(0).Lambda, 4);
    assert.equal(Lambda[0]![0], 0, "no noise on positions");
    assert.ok(Lambda[2]![2]! > 0, "noise on velocities");
  });

  test("timeScaledSde(sde, γ) has the transitions of sde at γ-scaled times and γ-scaled coefficients", () => {
    const base = variancePreservingSde({ betaMin: 0.1, betaMax: 20, dim: 1 });
    const scaled = timeScaledSde(base, 0.5);
    const a = scaled.transition(0.2, 0.8);
    const b = base.transition(0.1, 0.4);
    assert.equal(transitionErr(a, b, 1), 0);
    assert.equal(
      (scaled.params(0.4).Lambda as { value: number }).value,
      0.5 * (base.params(0.2).Lambda as { value: number }).value,
    );
  });

  test("linearSde reports one ODE solve for any number of transitionsFrom / transitionsTo times", () => {
    const sde = asOde(linearTimeInvariantSde({ F: DENSE_F, L: DENSE_L }));
    const times = Array.from({ length: 50 }, (_, i) => i / 49);
    const f = sde.transitionsFrom(0, times);
    const b = sde.transitionsTo(times, 1);
    assert.equal(f.stats.solves, 1);
    assert.equal(b.stats.solves, 1);
    assert.equal(f.transitions.length, 50);
    const lti = linearTimeInvariantSde({ F: DENSE_F, L: DENSE_L });
    times.forEach((t, i) => {
      assert.ok(transitionErr(f.transitions[i]!, lti.transition(0, t), 3) < 1e-9, `forward t=${t}`);
      assert.ok(transitionErr(b.transitions[i]!, lti.transition(t, 1), 3) < 1e-9, `backward t=${t}`);
    });
  });

  test("sdeFromSpec rebuilds every data-described SDE with identical transitions", () => {
    for (const [name, sde] of closedForm) {
      const copy = sdeFromSpec(JSON.parse(JSON.stringify(sde.spec)));
      assert.equal(transitionErr(copy.transition(0.1, 0.7), sde.transition(0.1, 0.7), sde.dim), 0, name);
    }
    assert.throws(
      () => sdeFromSpec(asOde(brownianMotion({ sigma: 1, dim: 1 })).spec),
      /sdeFromSpec: .*linearSde/,
    );
  });
});

describe("SDE argument errors", () => {
  test("bad SDE arguments throw errors naming the function, the argument and the requirement", () => {
    assert.throws(
      () => brownianMotion({ sigma: -1, dim: 2 }),
      /brownianMotion: sigma must be a finite number ≥ 0, got -1/,
    );
    assert.throws(
      () => ornsteinUhlenbeck({ sigma: 1, lambda: Number.NaN, dim: 2 }),
      /ornsteinUhlenbeck: lambda/,
    );
    assert.throws(
      () => brownianMotion({ sigma: 1, dim: 0 }),
      /brownianMotion: dim must be a positive integer/,
    );
    assert.throws(
      () => criticallyDampedLangevin({ mass: 0, beta: 4, dim: 1 }),
      /criticallyDampedLangevin: mass must be a finite number > 0/,
    );
    assert.throws(
      () => timeScaledSde(brownianMotion({ sigma: 1, dim: 1 }), 0),
      /timeScaledSde: gamma must be a finite number > 0/,
    );
    assert.throws(
      () => brownianMotion({ sigma: 1, dim: 1 }).transition(0.5, 0.2),
      /brownianMotion.transition: s = 0.5 is after t = 0.2.*pass s ≤ t/,
    );
    assert.throws(
      () => variancePreservingSde({ betaMin: 0.1, betaMax: 20, dim: 1 }).params(-1),
      /β\(-1\) = .* is negative/,
    );
    assert.throws(
      () => linearTimeInvariantSde({ F: [[1, 2]], L: 1 }),
      /linearTimeInvariantSde: F row 0 has 2 entries but there are 1 rows/,
    );
    assert.throws(
      () => linearTimeInvariantSde({ F: [1, 2], L: [1, 2, 3] }),
      /linearTimeInvariantSde: L has dimension 3, expected 2/,
    );
    assert.throws(
      () => linearTimeInvariantSde(null as never),
      /linearTimeInvariantSde: pass options \{ F, L, u\?, dim\? \}/,
    );
    assert.throws(
      () => linearTimeInvariantSde({ F: 1, L: 1 }),
      /linearTimeInvariantSde: dim is undefined.*pass options.dim/,
    );
    assert.throws(
      () => linearSde({ dim: 2, F: [[1]] as never, L: () => 1 }),
      /linearSde: F must be a function of t/,
    );
    const bad = linearSde({ dim: 2, F: () => [1, 2, 3], L: () => 1 });
    assert.throws(() => bad.transition(0, 1), /linearSde.params\(0\): F\(t\) has dimension 3, expected 2/);
  });
});
