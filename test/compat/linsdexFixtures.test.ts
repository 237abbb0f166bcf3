/**
 * The bridge path against the independent numpy fixtures (test/reference/bridge): transitions,
 * A_p, b_p, Σ_p, J_β, Σ_p^{-1/2}, the affine maps (G, H, k) of every target, and the point values of
 * drift, score, flow, epsilon and log-density — all to ≤ 1e-9 relative.
 */
import {
  DiffusionModelComponents,
  DiffusionModelConversions,
  ProbabilityPathSlice,
  getProbabilityPath,
} from "../../src/compat/linsdex.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gaussian } from "../../src/math/gaussian.js";
import { ornsteinUhlenbeck } from "../../src/sde/ornsteinUhlenbeck.js";
import { allCases, componentsOf, relErr, rows } from "../sde/bridgeCases.js";

const TOL = 1e-9;
const cases = allCases();

function check(
  label: string,
  actual: Parameters<typeof relErr>[0],
  expected: Parameters<typeof relErr>[1],
  tol = TOL,
): number {
  const e = relErr(actual, expected);
  assert.ok(e <= tol, `${label}: relative error ${e} > ${tol}`);
  return e;
}

describe("bridge fixtures", () => {
  for (const c of cases) {
    test(`every slice of ${c.case_id} matches the reference transitions, marginal and targets`, () => {
      const comp = componentsOf(c);
      const d = c.dim;
      const path = getProbabilityPath(comp, c.times);
      c.slices.forEach((s, i) => {
        const sl = path[i]!;
        const at = `${c.case_id} t=${s.t}`;
        assert.equal(sl.t, s.t);
        check(`${at} A_t_t0`, rows(sl.transitionFromT0.A, d), s.A_t_t0);
        check(`${at} u_t_t0`, sl.transitionFromT0.u, s.u_t_t0);
        check(`${at} Sigma_t_t0`, rows(sl.transitionFromT0.cov, d), s.Sigma_t_t0);
        check(`${at} A_t1_t`, rows(sl.transitionToT1.A, d), s.A_t1_t);
        check(`${at} u_t1_t`, sl.transitionToT1.u, s.u_t1_t);
        check(`${at} Sigma_t1_t`, rows(sl.transitionToT1.cov, d), s.Sigma_t1_t);
        check(`${at} F`, rows(sl.params.F, d), s.F);
        check(`${at} u`, sl.params.u, s.u);
        check(`${at} Lambda`, rows(sl.params.Lambda, d), s.Lambda);
        check(`${at} A_p`, rows(sl.y1ToMarginalMean.A, d), s.A_p);
        check(`${at} b_p`, sl.y1ToMarginalMean.b, s.b_p);
        check(`${at} Sigma_p`, rows(sl.marginalCov, d), s.Sigma_p);
        if (s.J_beta) check(`${at} J_beta`, rows(sl.betaPrecision, d), s.J_beta);
        if (s.Sigma_p_inv_sqrt_sym)
          check(`${at} Sigma_p^-1/2`, rows(sl.marginalCovInvSqrt, d), s.Sigma_p_inv_sqrt_sym);
        for (const kind of ["drift", "score", "flow", "epsilon"] as const) {
          const ref = s.affine?.[kind];
          if (!ref) continue;
          const a = sl.affine(kind);
          check(`${at} ${kind}.G`, rows(a.G, d), ref.G);
          check(`${at} ${kind}.H`, rows(a.H, d), ref.H);
          check(`${at} ${kind}.k`, a.k, ref.k);
        }
        const conv = new DiffusionModelConversions(sl);
        for (const p of s.points) {
          const x = Float64Array.from(p.x);
          const y1 = Float64Array.from(p.y1);
          check(`${at} mu_p`, sl.marginalMean(y1), p.mu_p);
          if (p.drift) check(`${at} drift`, conv.y1ToDrift({ y1, xt: x }), p.drift);
          if (p.score) check(`${at} score`, conv.y1ToScore({ y1, xt: x }), p.score);
          if (p.flow) check(`${at} flow`, conv.y1ToFlow({ y1, xt: x }), p.flow);
          if (p.epsilon) check(`${at} epsilon`, conv.y1ToEpsilon({ y1, xt: x }), p.epsilon);
          if (p.log_prob !== undefined) check(`${at} log_prob`, sl.logProb(x, y1), [p.log_prob]);
        }
      });
    });
  }

  test("scalar and diagonal representations of the Brownian case give the dense fixture values", () => {
    const c = cases.find((k) => k.case_id === "case1_bm_sigma0.5_dim3_R0.001")!;
    const base = componentsOf(c);
    for (const [prior, R] of [
      [gaussian({ mean: 0, cov: 1, dim: 3 }), 0.001],
      [gaussian({ mean: [0, 0, 0], cov: [1, 1, 1] }), [0.001, 0.001, 0.001]],
    ] as const) {
      const comp = new DiffusionModelComponents({
        linearSde: base.linearSde,
        t0: 0,
        priorAtT0: prior,
        t1: 1,
        evidenceCov: R,
      });
      for (const s of c.slices) {
        const sl = new ProbabilityPathSlice(comp, s.t);
        assert.notEqual(sl.marginalCov.kind, "dense", "stays O(d)");
        check(`t=${s.t} Sigma_p`, rows(sl.marginalCov, 3), s.Sigma_p);
        check(`t=${s.t} A_p`, rows(sl.y1ToMarginalMean.A, 3), s.A_p);
        const conv = new DiffusionModelConversions(sl);
        for (const p of s.points) {
          const x = Float64Array.from(p.x);
          const y1 = Float64Array.from(p.y1);
          check(`t=${s.t} flow`, conv.y1ToFlow({ y1, xt: x }), p.flow!);
          check(`t=${s.t} epsilon`, conv.y1ToEpsilon({ y1, xt: x }), p.epsilon!);
        }
      }
    }
  });

  test("the time-varying case gives the correct flow, not the reversed backward-mean composition", () => {
    const c = cases.find((k) => k.composition_order_trap)!;
    const trap = c.composition_order_trap!;
    const conv = new DiffusionModelConversions(componentsOf(c), trap.t);
    const flow = conv.y1ToFlow({ y1: Float64Array.from(trap.y1), xt: Float64Array.from(trap.x) });
    check("trap flow", flow, trap.flow_correct);
    // And through epsilon and score (a wrong inversion order would break these, not the round trips).
    const x = Float64Array.from(trap.x);
    const eps = conv.y1ToEpsilon({ y1: Float64Array.from(trap.y1), xt: x });
    check("trap flow via epsilon", conv.epsilonToFlow({ epsilon: eps, xt: x }), trap.flow_correct);
    check(
      "trap flow via score",
      conv.scoreToFlow({ score: conv.y1ToScore({ y1: Float64Array.from(trap.y1), xt: x }), xt: x }),
      trap.flow_correct,
    );
  });

  test("the OU bridge with prior mean 2 has flow 0.44443712 at t = 0.5, x = 0.2, y1 = 1.5", () => {
    const comp = new DiffusionModelComponents({
      linearSde: ornsteinUhlenbeck({ lambda: 1, sigma: 1, dim: 1 }),
      t0: 0,
      priorAtT0: gaussian({ mean: 2, cov: 1, dim: 1 }),
      t1: 1,
      evidenceCov: 0.1,
    });
    const conv = new DiffusionModelConversions(comp, 0.5);
    const x = Float64Array.of(0.2);
    const flow = conv.y1ToFlow({ y1: Float64Array.of(1.5), xt: x });
    assert.ok(Math.abs(flow[0]! - 0.44443712) < 5e-9, `flow ${flow[0]}`);
    // Independent closed form: every quantity is a scalar.
    const a1 = Math.exp(-0.5);
    const s1 = (1 - Math.exp(-1)) / 2;
    const a2 = a1;
    const s2 = s1;
    const V = a2 * s1 * a2 + s2 + 0.1;
    const G = (s1 * a2) / V;
    const K = (1 - G * a2) * a1;
    const mu = G * 1.5 + K * 2;
    const Sp = s1 - G * a2 * s1 + K * K;
    const drift = -0.2 + (a2 / (s2 + 0.1)) * (1.5 - a2 * 0.2);
    const expected = drift - (0.5 * (mu - 0.2)) / Sp;
    assert.ok(Math.abs(flow[0]! - expected) <= 1e-14, `${flow[0]} vs ${expected}`);
    // Inverse conversions recover y1 = 1.5 exactly through H.
    for (const kind of ["epsilon", "score", "flow", "drift"] as const) {
      const v = conv.convert(Float64Array.of(1.5), "y1", kind, x);
      assert.ok(Math.abs(conv.convert(v, kind, "y1", x)[0]! - 1.5) < 1e-13, kind);
    }
  });
});
