import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  KINDS,
  type Kind,
  type Model,
  Rng,
  affinePath,
  bridgePath,
  brownianMotion,
  cosineSchedule,
  edmSchedule,
  gaussian,
  gaussianMixture,
  linearSchedule,
  predict,
  retime,
  vpSchedule,
} from "../../src/index.js";
import { assertClose, relError } from "../helpers.js";

describe("affinePath", () => {
  it("samples xₜ = α·data + σ·noise and gives every kind's target consistently with convert", () => {
    const path = affinePath(cosineSchedule());
    const rng = new Rng(1);
    const data = rng.fillNormal(new Float64Array(6));
    const noise = rng.fillNormal(new Float64Array(6));
    const slice = path.slice(0.3);
    const { alpha, sigma } = slice.level;
    const targets = slice.targets(data, noise, { g2: 0.4 });
    assertClose(
      targets.xt,
      data.map((d, i) => alpha * d + sigma * noise[i]!),
      { rtol: 1e-15 },
    );
    for (const kind of KINDS) {
      const value = targets[kind]!;
      assertClose(slice.convert(value, kind, "data", targets.xt, { g2: 0.4 }), data, {
        rtol: 1e-12,
        atol: 1e-13,
        message: kind,
      });
    }
    assert.equal(slice.targets(data, noise).drift, undefined);
  });

  it("exposes the conditional N(α·data, σ²·I) and the prior N(0, σ(0)²·I)", () => {
    const path = affinePath(edmSchedule());
    const c = path.slice(0.5).conditional;
    const l = path.slice(0.5).level;
    assert.deepEqual(
      [c.A, c.cov, c.b],
      [{ kind: "scalar", value: l.alpha }, { kind: "scalar", value: l.sigma ** 2 }, null],
    );
    const x = new Float64Array([1, -2]);
    const lp = path.prior.logProb(x, 2)[0]!;
    assertClose(lp, -Math.log(2 * Math.PI * 80 * 80) - 5 / (2 * 6400), { rtol: 1e-14 });
    assertClose(path.prior.sample(new Float64Array([1, 2]), 2), [80, 160], { rtol: 1e-15 });
  });

  it("rejects a non-schedule and times outside [0, 1]", () => {
    assert.throws(() => affinePath({} as never), /affinePath: schedule must be a Schedule/);
    assert.throws(() => affinePath(linearSchedule()).slice(2), /linear\.at: t = 2 is outside \[0, 1\]/);
    assert.throws(
      () => affinePath(linearSchedule()).prior.logProb(new Float64Array(3), 1.5),
      /prior\.logProb: dim must be a positive integer, got 1\.5/,
    );
  });
});

/** A model of `kind` on `path` computed from the exact mixture denoiser (the ground truth). */
function exactModel(
  kind: Exclude<Kind, "drift">,
  path: ReturnType<typeof affinePath>,
  mixture: ReturnType<typeof gaussianMixture>,
): Model {
  const denoiser = mixture.denoiser(path);
  return {
    kind,
    path,
    async predict(xt, t, shape) {
      const d = await predict(denoiser, xt, t, shape);
      return path.slice(t).convert(d, "data", kind, xt);
    },
  };
}

describe("retime", () => {
  const mixture = gaussianMixture({
    weights: [0.6, 0.4],
    means: [
      [-1, 0.5],
      [1.5, -1],
    ],
    covariances: [0.2, [0.1, 0.3]],
  });

  it("serves a model trained on one path exactly on another, for every kind", async () => {
    const from = affinePath(vpSchedule());
    const to = affinePath(cosineSchedule());
    const rng = new Rng(5);
    const x = rng.fillNormal(new Float64Array(8));
    for (const kind of ["data", "noise", "score", "velocity", "v"] as const) {
      const served = retime(exactModel(kind, from, mixture), to);
      assert.equal(served.path, to);
      for (const t of [0.2, 0.5, 0.9]) {
        const got = await predict(served, x, t, { batch: 4, dim: 2 });
        const want = await predict(exactModel(kind, to, mixture), x, t, { batch: 4, dim: 2 });
        assert.ok(relError(got, want) < 1e-9, `${kind} at t=${t}: ${relError(got, want)}`);
      }
    }
  });

  it("can change the kind while retiming (an ε-model served as a velocity field)", async () => {
    const from = affinePath(linearSchedule());
    const to = affinePath(edmSchedule());
    const served = retime(exactModel("noise", from, mixture), to, { kind: "velocity" });
    const x = new Float64Array([3, -4, 10, 2]);
    fc.assert(
      fc.asyncProperty(fc.double({ min: 0.05, max: 0.95, noNaN: true }), async (t) => {
        const got = await predict(served, x, t, { batch: 2, dim: 2 });
        const want = await predict(exactModel("velocity", to, mixture), x, t, { batch: 2, dim: 2 });
        assert.ok(relError(got, want) < 1e-8, `t=${t}: ${relError(got, want)}`);
      }),
      { numRuns: 20 },
    );
  });

  it("refuses drift models and non-affine paths with a clear message", () => {
    const path = affinePath(linearSchedule());
    const drift: Model = { kind: "drift", g2: () => 1, path, predict: (x) => x };
    assert.throws(() => retime(drift, path), /retime: drift models depend on their path's g²/);
    assert.throws(
      () => retime(exactModel("data", path, mixture), { kind: "bridge" } as never),
      /retime: toPath must be a GaussianPath/,
    );
    const bridge = bridgePath({
      sde: brownianMotion({ sigma: 1, dim: 2 }),
      prior: gaussian({ mean: [0, 0], cov: 1 }),
      evidenceCov: 0.1,
    });
    assert.throws(
      () => retime(exactModel("data", path, mixture), bridge),
      /retime: toPath has no scalar level at t = 1 \(a bridge path\); only paths with scalar levels \(affine paths\) can be retimed/,
    );
  });
});
