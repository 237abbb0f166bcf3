/**
 * Conversions on bridge paths: every pair among {y1, epsilon, score, flow, drift} agrees with the
 * direct y1 → kind map and round-trips (fast-check), array types and `out` aliasing, the core
 * GaussianPath interface (every hub kind, v and drift with g²) against the affine hub where the
 * bridge is isotropic, sampleMatchingItems, the prior, and argument errors.
 */
import {
  DiffusionModelComponents,
  DiffusionModelConversions,
  LINSDEX_KINDS,
  type LinsdexKind,
  ProbabilityPathSlice,
  sampleMatchingItems,
} from "../../src/compat/linsdex.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { convert as hubConvert } from "../../src/convert/convert.js";
import { KINDS } from "../../src/convert/kernel.js";
import { gaussian } from "../../src/math/gaussian.js";
import { toDense } from "../../src/math/matrix.js";
import { bridgePath } from "../../src/path/bridge/bridgePath.js";
import { criticallyDampedLangevin } from "../../src/sde/criticallyDampedLangevin.js";
import { linearTimeInvariantSde } from "../../src/sde/lti.js";
import { ornsteinUhlenbeck } from "../../src/sde/ornsteinUhlenbeck.js";
import { allCases, componentsOf } from "../sde/bridgeCases.js";

const case5 = componentsOf(allCases().find((c) => c.case_id === "case5_time_varying_dense")!);
const denseLti = new DiffusionModelComponents({
  linearSde: linearTimeInvariantSde({
    F: [
      [-0.7, 1.3],
      [-0.4, -0.2],
    ],
    L: [
      [0.8, 0],
      [0.3, 0.5],
    ],
    u: [0.3, -0.2],
  }),
  t0: 0,
  priorAtT0: gaussian({
    mean: [1, -2],
    cov: [
      [1, 0.2],
      [0.2, 0.5],
    ],
  }),
  t1: 1,
  evidenceCov: [
    [0.02, 0.005],
    [0.005, 0.03],
  ],
});
const cld = new DiffusionModelComponents({
  linearSde: criticallyDampedLangevin({ mass: 0.25, beta: 4, dim: 1 }),
  t0: 0,
  priorAtT0: gaussian({ mean: [0.5, -0.5], cov: [1, 0.25] }),
  t1: 1,
  evidenceCov: 0.01,
});
const ou = new DiffusionModelComponents({
  linearSde: ornsteinUhlenbeck({ lambda: 1, sigma: 1, dim: 2 }),
  t0: 0,
  priorAtT0: gaussian({ mean: 0, cov: 1, dim: 2 }),
  t1: 1,
  evidenceCov: 0.1,
});

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, label: string): void {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale, `${label}[${i}]: ${a[i]} vs ${b[i]}`);
}

const vec = (n: number) =>
  fc
    .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n })
    .map((a) => Float64Array.from(a));

describe("DiffusionModelConversions", () => {
  for (const [name, comp, singular] of [
    ["the time-varying dense SDE", case5, [] as LinsdexKind[]],
    ["a dense non-commuting LTI SDE", denseLti, [] as LinsdexKind[]],
    ["the degenerate-noise CLD SDE", cld, ["flow", "drift"] as LinsdexKind[]],
  ] as const) {
    test(`every conversion pair on ${name} equals the direct y1 map and round-trips`, () => {
      const d = comp.dim;
      const times = [0.07, 0.4, 0.93];
      const convs = times.map((t) => new DiffusionModelConversions(comp, t));
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 }), vec(3 * d), vec(3 * d), (ti, x, y1) => {
          const conv = convs[ti]!;
          const direct = Object.fromEntries(LINSDEX_KINDS.map((k) => [k, conv.convert(y1, "y1", k, x)]));
          for (const a of LINSDEX_KINDS)
            for (const b of LINSDEX_KINDS) {
              if (singular.includes(a) && a !== b) {
                assert.throws(
                  () => conv.convert(direct[a]!, a, b, x),
                  /singular — Λ = LLᵀ is singular \(degenerate noise\)/,
                );
                continue;
              }
              close(conv.convert(direct[a]!, a, b, x), direct[b]!, 1e-8, `${a}→${b} t=${conv.t}`);
            }
        }),
        { numRuns: 15 },
      );
    });
  }

  test("named methods are linsdex's API with named arguments, refuse positional ones, and keep the array type", () => {
    const conv = new DiffusionModelConversions(case5, 0.5);
    const x = Float32Array.of(0.2, -0.4, 1, 2);
    const y1 = Float32Array.of(1.5, 0.5, -1, 0);
    const flow = conv.y1ToFlow({ y1, xt: x });
    assert.ok(flow instanceof Float32Array);
    const back = conv.flowToY1({ flow, xt: x });
    close(back, y1, 1e-5, "float32 round trip");
    const names = Object.getOwnPropertyNames(DiffusionModelConversions.prototype).filter((n) =>
      /To[A-Z]/.test(n),
    );
    assert.equal(names.length, 20, "every ordered pair among 5 kinds");
    const x64 = Float64Array.from(x);
    const y64 = Float64Array.from(y1);
    for (const n of names) {
      const [from, to] = n.split("To") as [string, string];
      const a = from as LinsdexKind;
      const b = (to[0]!.toLowerCase() + to.slice(1)) as LinsdexKind;
      const value = conv.convert(y64, "y1", a, x64);
      const m = (conv as unknown as Record<string, (args: unknown, xt?: unknown) => Float64Array>)[n]!.bind(
        conv,
      );
      close(m({ [a]: value, xt: x64 }), conv.convert(y64, "y1", b, x64), 1e-9, n);
      // A positional call (linsdex's order, or difflux's) is refused, never silently swapped.
      assert.throws(() => m(value, x64), new RegExp(`${n}: pass named arguments \\{ ${a}, xt \\}`));
      assert.throws(() => m({ xt: x64 }), new RegExp(`${n}: pass \\{ ${a}, xt \\}; missing ${a}`));
    }
  });

  test("out may alias the value or xt and gives the same result as a fresh array", () => {
    const conv = new DiffusionModelConversions(denseLti, 0.3);
    const x = Float64Array.of(0.2, -0.4, 1, 2);
    const eps = Float64Array.of(1.5, 0.5, -1, 0);
    const fresh = conv.epsilonToDrift({ epsilon: eps, xt: x });
    const v = Float64Array.from(eps);
    assert.equal(conv.epsilonToDrift({ epsilon: v, xt: x, out: v }), v);
    close(v, fresh, 0, "alias value");
    const xt = Float64Array.from(x);
    conv.epsilonToDrift({ epsilon: eps, xt, out: xt });
    close(xt, fresh, 0, "alias xt");
  });

  test("bad conversion inputs throw errors naming the conversion and the argument", () => {
    const conv = new DiffusionModelConversions(denseLti, 0.3);
    assert.throws(
      () => conv.y1ToFlow({ y1: new Float64Array(4), xt: new Float64Array(2) }),
      /DiffusionModelConversions.y1ToFlow: xt has length 2 but y1 has length 4/,
    );
    assert.throws(
      () => conv.y1ToFlow({ y1: new Float64Array(3), xt: new Float64Array(3) }),
      /y1ToFlow: y1 has length 3, not a multiple of the dimension 2/,
    );
    assert.throws(
      () => conv.convert(new Float64Array(2), "x0" as LinsdexKind, "y1", new Float64Array(2)),
      /from must be one of y1, epsilon, score, flow, drift/,
    );
    assert.throws(
      () => conv.convert(new Float64Array(2), "y1", undefined as never, new Float64Array(2)),
      /y1ToUndefined: to must be one of y1, epsilon, score, flow, drift, got undefined/,
    );
    assert.throws(
      () => conv.y1ToFlow({ y1: [1, 2] as unknown as Float64Array, xt: new Float64Array(2) }),
      /y1 must be a Float32Array or Float64Array/,
    );
    assert.throws(() => new DiffusionModelConversions(denseLti, 2), /t = 2 is outside \[t0, t1\]/);
    assert.throws(
      () => conv.slice.marginalMean(new Float64Array(3)),
      /ProbabilityPathSlice.marginalMean: y1 has length 3, not a multiple of the dimension 2/,
    );
    assert.throws(
      () => conv.slice.logProb(new Float64Array(3), new Float64Array(3)),
      /ProbabilityPathSlice.logProb: y1 has length 3, not a multiple of the dimension 2/,
    );
  });
});

describe("bridge GaussianPath", () => {
  test("on an isotropic bridge every hub conversion equals the affine hub at α = A_p, σ = √Σ_p (derivatives by finite differences)", () => {
    const path = bridgePath(ou);
    const h = 1e-5;
    const level = (t: number) => {
      const s = new ProbabilityPathSlice(ou, t);
      return { alpha: toDense(s.y1ToMarginalMean.A, 2)[0]!, sigma: Math.sqrt(toDense(s.marginalCov, 2)[0]!) };
    };
    for (const t of [0.2, 0.5, 0.8]) {
      const [p, m] = [level(t + h), level(t - h)];
      const lv = {
        t,
        ...level(t),
        dAlpha: (p.alpha - m.alpha) / (2 * h),
        dSigma: (p.sigma - m.sigma) / (2 * h),
      };
      const slice = path.slice(t);
      const x = Float64Array.of(0.3, -1.2);
      const value = Float64Array.of(0.8, 0.1);
      for (const from of KINDS)
        for (const to of KINDS) {
          const g2 = 0.7;
          close(
            slice.convert(value, from, to, x, { g2 }),
            hubConvert(value, from, to, x, lv, { g2 }),
            1e-7,
            `${from}→${to} t=${t}`,
          );
        }
    }
  });

  test("v = A_p·ε − Σ_p^{1/2}·data on a dense bridge, and the targets agree with the conversions", () => {
    const path = bridgePath(denseLti);
    const slice = path.slice(0.6);
    const data = Float64Array.of(1.5, 0.5, -0.3, 2);
    const noise = Float64Array.of(0.2, -1, 0.7, 0.1);
    const tg = slice.targets(data, noise, { g2: 0.5 });
    const b = slice.bridge;
    const Ap = toDense(b.dataToMean.A, 2);
    const R = toDense(b.covSqrt, 2);
    for (let r = 0; r < 2; r++)
      for (let i = 0; i < 2; i++) {
        let v = 0;
        for (let j = 0; j < 2; j++)
          v += Ap[i * 2 + j]! * noise[r * 2 + j]! - R[i * 2 + j]! * data[r * 2 + j]!;
        assert.ok(Math.abs(tg.v[r * 2 + i]! - v) < 1e-12, "v");
      }
    for (const kind of KINDS) {
      const expected = slice.convert(data, "data", kind, tg.xt, { g2: 0.5 });
      const got =
        kind === "data"
          ? tg.data
          : kind === "noise"
            ? tg.noise
            : (tg as unknown as Record<string, Float64Array>)[kind]!;
      close(got, expected, 1e-10, kind);
    }
    close(slice.convert(tg.v, "v", "data", tg.xt), data, 1e-10, "v → data");
  });

  test("the hub drift with g² = Λ equals the Doob drift y1ToDrift when Λ is isotropic", () => {
    const slice = bridgePath(ou).slice(0.4);
    const conv = new DiffusionModelConversions(slice.bridge);
    const x = Float64Array.of(0.3, -1.2);
    const y1 = Float64Array.of(0.8, 0.1);
    close(slice.convert(y1, "data", "drift", x, { g2: 1 }), conv.y1ToDrift({ y1, xt: x }), 1e-12, "drift");
    close(
      slice.convert(y1, "data", "drift", x, { g2: 0 }),
      conv.y1ToFlow({ y1, xt: x }),
      1e-12,
      "g² = 0 is the flow",
    );
  });

  test("the prior samples and scores like the slice at t = 0, and slices(times) equals slice(t)", () => {
    const path = bridgePath(case5);
    const noise = Float64Array.of(0.3, -0.2, 1.1, 0.4);
    const s0 = path.slice(0);
    close(path.prior.sample(noise, 2), s0.sample(Float64Array.of(9, 9, -9, 9), noise), 1e-15, "sample");
    const x = Float64Array.of(0.1, 0.2, -0.5, 0.3);
    close(path.prior.logProb(x, 2), s0.bridge.logProb(x, new Float64Array(4)), 1e-14, "logProb");
    const many = path.slices([0.3, 0.8]);
    close(toDense(many[1]!.conditional.cov, 2), toDense(path.slice(0.8).conditional.cov, 2), 1e-10, "slices");
    assert.equal(path.spec.type, "bridge");
    assert.equal(s0.level, undefined);
    assert.ok(path.tMin > 0 && path.tMax === 1, "R > 0: every conversion finite up to t = 1");
    assert.equal(JSON.parse(JSON.stringify(path.spec)).sde.type, "linearSde");
  });

  test("sampleMatchingItems returns xt ~ p_t(·|y1) and every target equal to the conversions from y1", () => {
    const slice = new ProbabilityPathSlice(denseLti, 0.45);
    const conv = new DiffusionModelConversions(slice);
    const y1 = Float32Array.of(1.5, 0.5, -0.3, 2);
    const eps = Float32Array.of(0.2, -1, 0.7, 0.1);
    const items = sampleMatchingItems(slice, y1, eps);
    assert.ok(items.xt instanceof Float32Array);
    close(conv.y1ToEpsilon({ y1, xt: items.xt }), eps, 1e-5, "epsilon");
    close(items.score, conv.y1ToScore({ y1, xt: items.xt }), 1e-6, "score");
    close(items.flow, conv.y1ToFlow({ y1, xt: items.xt }), 1e-6, "flow");
    close(items.drift!, conv.y1ToDrift({ y1, xt: items.xt }), 1e-6, "drift");
  });

  test("bridgePath errors name the function, the argument and the fix", () => {
    const shifted = new DiffusionModelComponents({
      ...ou,
      linearSde: ou.linearSde,
      t0: 0,
      t1: 2,
      priorAtT0: ou.priorAtT0,
      evidenceCov: 0.1,
    });
    assert.throws(
      () => bridgePath(shifted),
      /bridgePath: canonical time needs t0 = 0 \(noise\) and t1 = 1 \(data\).*timeScaledSde/,
    );
    const pinned = new DiffusionModelComponents({
      linearSde: ou.linearSde,
      t0: 0,
      t1: 1,
      priorAtT0: ou.priorAtT0,
      evidenceCov: 0,
    });
    assert.ok(bridgePath(pinned).tMax < 1);
    assert.throws(
      () => bridgePath(pinned, { tMax: 1 }),
      /bridgePath: need 0 < tMin < tMax ≤ 1 \(tMax < 1 when evidenceCov is singular\)/,
    );
    const slice = bridgePath(ou).slice(0.5);
    const v = new Float64Array(2);
    assert.throws(() => slice.convert(v, "data", "drift", v), /kind "drift" needs options.g2/);
    assert.throws(() => slice.convert(v, "data", "x0" as never, v), /to must be one of/);
    assert.throws(
      () => bridgePath(ou).prior.sample(v, 3),
      /bridgePath.prior.sample: dim is 3 but the bridge path has dimension 2/,
    );
  });
});
