/**
 * Preconditioning of every kind: EDM's coefficients for data, the variance argument for the others
 * (unit-variance residual uncorrelated with xₜ), the singular ends, the noise-level input τ and the
 * batch transform for any kind.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { basisOf } from "../../src/convert/convert.js";
import type { Kind } from "../../src/convert/kernel.js";
import {
  edmPreconditioning,
  kindPreconditioning,
  noiseLevelInput,
  preconditionBatch,
} from "../../src/loss/edm.js";
import { affinePath } from "../../src/path/affine.js";
import { Rng } from "../../src/random/rng.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { veSchedule } from "../../src/schedule/ve.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { assertClose } from "../helpers.js";

const KINDS_WITHOUT_DRIFT: Kind[] = ["data", "noise", "score", "velocity", "v"];
const schedules = [linearSchedule(), vpSchedule(), veSchedule(), edmSchedule()];

describe("kindPreconditioning", () => {
  it("is EDM's (cSkip, cOut, cIn) for the data kind: σ_d²α/r², σσ_d/r, 1/r with r² = σ² + σ_d²α²", () => {
    const level = edmSchedule().at(0.4);
    const { alpha, sigma } = level;
    const sd = 0.5;
    const r = Math.sqrt(sigma * sigma + sd * sd * alpha * alpha);
    const c = kindPreconditioning(level, "data", sd);
    assertClose([c.cSkip, c.cOut, c.cIn], [(sd * sd * alpha) / (r * r), (sigma * sd) / r, 1 / r], {
      rtol: 1e-15,
    });
    const e = edmPreconditioning(level, sd);
    assert.deepEqual(
      [e.cSkip, e.cOut, e.cIn],
      [c.cSkip, c.cOut, c.cIn],
      "edmPreconditioning uses the same formula",
    );
  });

  it("splits every kind's target into the best linear part and a unit-variance residual uncorrelated with xₜ, for Gaussian data", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.constantFrom(...KINDS_WITHOUT_DRIFT, "drift" as Kind),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (schedule, t, kind, sd) => {
          const level = schedule.at(t);
          const g2 = kind === "drift" ? 0.7 : undefined;
          const [a, b] = basisOf(kind, level, g2);
          const c = kindPreconditioning(level, kind, sd, g2);
          // y = a·data + b·noise, x = α·data + σ·noise, data ~ N(0, σ_d²), noise ~ N(0, 1).
          const ra = a - c.cSkip * level.alpha;
          const rb = b - c.cSkip * level.sigma;
          const scale = Math.max(a * a * sd * sd + b * b, 1);
          const covariance = ra * level.alpha * sd * sd + rb * level.sigma;
          const variance = ra * ra * sd * sd + rb * rb;
          assert.ok(Math.abs(covariance) <= 1e-9 * scale, `Cov(residual, x) = ${covariance}`);
          assertClose(variance, c.cOut * c.cOut, { rtol: 1e-9, atol: 1e-12 * scale });
          assertClose(c.cIn ** 2 * (level.alpha ** 2 * sd * sd + level.sigma ** 2), 1, { rtol: 1e-12 });
        },
      ),
    );
  });

  it("has cOut = 0 where the kind is a multiple of xₜ and cOut = ∞ where it is unbounded", () => {
    const flow = linearSchedule();
    assert.equal(kindPreconditioning(flow.at(1), "data", 1).cOut, 0, "data at σ = 0");
    assert.equal(kindPreconditioning(flow.at(1), "data", 1).cSkip, 1, "data = x at σ = 0, α = 1");
    assert.equal(kindPreconditioning(flow.at(0), "noise", 1).cOut, 0, "noise at α = 0");
    assert.equal(kindPreconditioning(flow.at(0), "noise", 1).cSkip, 1, "noise = x at α = 0, σ = 1");
    assert.equal(
      kindPreconditioning(flow.at(1), "score", 1).cOut,
      Number.POSITIVE_INFINITY,
      "score at σ = 0",
    );
    assert.equal(kindPreconditioning(flow.at(1), "score", 1).cSkip, 0);
    const v = kindPreconditioning(flow.at(0.5), "velocity", 1);
    // Rectified flow, velocity = data − noise: cSkip = (α − σ)/r² = 0 at t = ½, cOut = σ_d·(σ + α)/r = √2.
    assertClose([v.cSkip, v.cOut, v.cIn], [0, Math.SQRT2, Math.SQRT2], { rtol: 1e-15, atol: 1e-16 });
    assert.throws(
      () => kindPreconditioning(flow.at(0.5), "data", 0),
      /kindPreconditioning: sigmaData must be a finite number > 0/,
    );
  });
});

describe("noiseLevelInput", () => {
  it("is α/(α + σ) = sigmoid(λ/2): t on rectified flow, 0 at pure noise and 1 at clean data, increasing in t", () => {
    const flow = linearSchedule();
    for (const t of [0, 0.125, 0.5, 0.9, 1])
      assertClose(noiseLevelInput(flow.at(t)), t, { rtol: 1e-15, atol: 0 });
    for (const schedule of schedules) {
      const lambda = schedule.logSnr(0.3);
      assertClose(noiseLevelInput(schedule.at(0.3)), 1 / (1 + Math.exp(-lambda / 2)), { rtol: 1e-12 });
      let previous = -1;
      for (let t = 0; t <= 1; t += 1 / 64) {
        const tau = noiseLevelInput(schedule.at(t));
        assert.ok(tau >= previous && tau >= 0 && tau <= 1, `${schedule.name}: τ(${t}) = ${tau}`);
        previous = tau;
      }
    }
    // VE and EDM never reach α/(α + σ) ∈ {0, 1}, but stay inside one [0, 1] range: one embedding for all.
    assert.ok(noiseLevelInput(edmSchedule().at(0)) > 0.01 && noiseLevelInput(edmSchedule().at(1)) > 0.99);
  });
});

describe("preconditionBatch for any kind", () => {
  it("gives inputs cIn·xₜ, targets (y − cSkip·xₜ)/cOut, weights w·cOut², and τ as time input", () => {
    const path = affinePath(vpSchedule());
    const rng = new Rng(3);
    const n = 16;
    const dim = 2;
    const batch = {
      t: rng.fillUniform(new Float64Array(n)),
      xt: rng.fillNormal(new Float64Array(n * dim)),
      target: rng.fillNormal(new Float64Array(n * dim)),
      weight: Float64Array.from({ length: n }, () => 0.5 + rng.uniform()),
    };
    for (const kind of ["noise", "velocity", "v"] as const) {
      const out = preconditionBatch(batch, path, { dim, kind, sigmaData: 1, timeInput: "level" });
      for (let i = 0; i < n; i++) {
        const level = path.schedule.at(batch.t[i]!);
        const c = kindPreconditioning(level, kind, 1);
        assertClose(out.t[i]!, noiseLevelInput(level), { rtol: 1e-15 });
        assertClose(out.weight[i]!, batch.weight[i]! * c.cOut ** 2, { rtol: 1e-14 });
        for (let j = i * dim; j < (i + 1) * dim; j++) {
          assertClose(out.xt[j]!, c.cIn * batch.xt[j]!, { rtol: 1e-15 });
          assertClose(c.cSkip * batch.xt[j]! + c.cOut * out.target[j]!, batch.target[j]!, {
            rtol: 1e-12,
            atol: 1e-14,
          });
        }
      }
    }
  });

  it("gives a row with cOut = 0 weight 0 and target 0, and refuses a row whose target is unbounded", () => {
    const path = affinePath(linearSchedule());
    const batch = {
      t: Float64Array.of(0, 0.5),
      xt: Float64Array.of(1, 2, 3, 4),
      target: Float64Array.of(1, 2, 5, 6),
      weight: Float64Array.of(1, 1),
    };
    const out = preconditionBatch(batch, path, { dim: 2, kind: "noise", sigmaData: 1 });
    assert.deepEqual([out.weight[0], out.target[0], out.target[1]], [0, 0, 0]);
    assert.deepEqual(Array.from(out.t), [0, 0.5], "timeInput time keeps t");
    assert.throws(
      () =>
        preconditionBatch({ ...batch, t: Float64Array.of(1, 0.5) }, path, {
          dim: 2,
          kind: "score",
          sigmaData: 1,
        }),
      /preconditionBatch: the score target is unbounded at t = 1 \(c_out = Infinity\)/,
    );
  });
});
