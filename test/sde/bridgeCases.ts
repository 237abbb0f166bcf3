/**
 * Builders for the bridge fixtures (test/reference/bridge, copied from ../shared/reference/bridge):
 * the SDE, prior and evidence of each case, and a relative-error measure.
 */
import { loadReference } from "../reference/load.js";
import { gaussian } from "../../src/math/gaussian.js";
import { type Mat, toRows } from "../../src/math/matrix.js";
import { DiffusionModelComponents } from "../../src/compat/linsdex.js";
import { brownianMotion } from "../../src/sde/brownianMotion.js";
import { linearSde } from "../../src/sde/linearSde.js";
import { ornsteinUhlenbeck } from "../../src/sde/ornsteinUhlenbeck.js";
import type { LinearSde } from "../../src/sde/sde.js";
import { variancePreservingSde } from "../../src/sde/variancePreserving.js";

export type Rows = number[][];
export interface FixturePoint {
  x: number[];
  y1: number[];
  mu_p: number[];
  drift?: number[];
  score?: number[];
  flow?: number[];
  epsilon?: number[];
  log_prob?: number;
}
export interface FixtureAffine {
  G: Rows;
  H: Rows;
  k: number[];
}
export interface FixtureSlice {
  t: number;
  F: Rows;
  u: number[];
  Lambda: Rows;
  A_t_t0: Rows;
  u_t_t0: number[];
  Sigma_t_t0: Rows;
  A_t1_t: Rows;
  u_t1_t: number[];
  Sigma_t1_t: Rows;
  J_beta?: Rows;
  A_p: Rows;
  b_p: number[];
  Sigma_p: Rows;
  Sigma_p_inv_sqrt_sym?: Rows;
  affine?: Record<"drift" | "score" | "flow" | "epsilon", FixtureAffine | undefined>;
  points: FixturePoint[];
}
export interface FixtureCase {
  case_id: string;
  sde: {
    type: string;
    params: Record<string, number>;
    F_coeffs: Rows[];
    u_coeffs: number[][];
    L_coeffs: Rows[] | null;
  };
  t0: number;
  t1: number;
  dim: number;
  m0: number[];
  P0: Rows;
  R: Rows;
  times: number[];
  slices: FixtureSlice[];
  composition_order_trap?: { t: number; x: number[]; y1: number[]; flow_correct: number[] };
}

/** Every case of every fixture file. */
export function allCases(): FixtureCase[] {
  const files = [
    "case1_brownian.json",
    "case2_ou_prior_mean0.json",
    "case3_vp.json",
    "case5_time_varying.json",
  ];
  return files.flatMap((f) => loadReference<{ cases: FixtureCase[] }>(`bridge/${f}`).cases);
}

function poly<T extends number[] | Rows>(coeffs: T[], t: number): T {
  return coeffs.reduce(
    (acc, c, k) => {
      const w = t ** k;
      return (acc as unknown[]).map((a, i) =>
        Array.isArray(a)
          ? (a as number[]).map((x, j) => x + w * (c[i] as number[])[j]!)
          : (a as number) + w * (c[i] as number),
      ) as T;
    },
    coeffs[0]!.map((r) => (Array.isArray(r) ? r.map(() => 0) : 0)) as T,
  );
}

/** The SDE a fixture case describes. */
export function sdeOf(c: FixtureCase): LinearSde {
  const p = c.sde.params;
  switch (c.sde.type) {
    case "BrownianMotion":
      return brownianMotion({ sigma: p.sigma!, dim: p.dim! });
    case "OrnsteinUhlenbeck":
      return ornsteinUhlenbeck({ sigma: p.sigma!, lambda: p.lambda_!, dim: p.dim! });
    case "VariancePreserving":
      return variancePreservingSde({ betaMin: p.beta_min!, betaMax: p.beta_max!, dim: p.dim! });
    case "TimeVaryingLinearSDE":
      return linearSde({
        dim: c.dim,
        F: (t) => poly(c.sde.F_coeffs, t),
        u: (t) => poly(c.sde.u_coeffs, t),
        L: (t) => poly(c.sde.L_coeffs!, t),
      });
    default:
      throw new Error(`unknown fixture SDE ${c.sde.type}`);
  }
}

/** Components of a fixture case (prior and R as dense rows, as stored). */
export function componentsOf(c: FixtureCase, sde: LinearSde = sdeOf(c)): DiffusionModelComponents {
  return new DiffusionModelComponents({
    linearSde: sde,
    t0: c.t0,
    priorAtT0: gaussian({ mean: c.m0, cov: c.P0 }),
    t1: c.t1,
    evidenceCov: c.R,
  });
}

/**
 * max over entries of |a − e| / max(|e|, ‖e‖_∞·1e-3, 1e-300): relative error, with entries that are 0
 * by structure (off-diagonals, u = 0) measured against the array's scale.
 */
export function relErr(actual: ArrayLike<number> | Rows, expected: ArrayLike<number> | Rows): number {
  const a = flat(actual);
  const e = flat(expected);
  if (a.length !== e.length) throw new Error(`length ${a.length} vs ${e.length}`);
  const scale = Math.max(...e.map(Math.abs), 0);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const den = Math.max(Math.abs(e[i]!), 1e-3 * scale, 1e-300);
    worst = Math.max(worst, Math.abs(a[i]! - e[i]!) / den);
  }
  return worst;
}

function flat(x: ArrayLike<number> | Rows): number[] {
  const arr = Array.from(x as ArrayLike<number | number[]>);
  return arr.flatMap((r) => (Array.isArray(r) ? r : [r as number]));
}

/** Rows of a Mat. */
export function rows(m: Mat, d: number): Rows {
  return toRows(m, d);
}
