import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Rng,
  affinePath,
  cosineSchedule,
  customSchedule,
  discreteSchedule,
  edmSchedule,
  gaussianMixture,
  linearSchedule,
  predict,
} from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { loadReference } from "../reference/load.js";

interface OracleRow {
  kind: "vp" | "flow" | "ve";
  alpha_bar?: number;
  sigma?: number;
  prediction_type: string;
  x: number[][];
  output: number[][];
}

const reference = loadReference<{ weights: number[]; means: number[][]; std: number; rows: OracleRow[] }>(
  "gmm-oracle-checks.json",
);
const gmm = gaussianMixture({
  weights: reference.weights,
  means: reference.means,
  covariances: reference.std ** 2,
});

/** A path whose level at t = 0.5 is exactly (a, b), so the oracle is evaluated at that (α, σ). */
function pathAt(a: number, b: number) {
  return affinePath(
    customSchedule({ alpha: (t) => (t === 0.5 ? a : t), sigma: (t) => (t === 0.5 ? b : 1 - t) }),
  );
}

describe("gaussianMixture oracle", () => {
  it("matches the reference oracle evaluations (diffusers / k-diffusion conventions) to 1e-12", async () => {
    for (const row of reference.rows) {
      let a: number;
      let b: number;
      if (row.kind === "vp") {
        a = Math.sqrt(row.alpha_bar!);
        b = Math.sqrt(1 - row.alpha_bar!);
      } else if (row.kind === "flow") {
        a = 1 - row.sigma!;
        b = row.sigma!;
      } else {
        a = 1;
        b = row.sigma!;
      }
      const path = pathAt(a, b);
      const slice = path.slice(0.5);
      const x = Float64Array.from(row.x.flat());
      const data = await predict(gmm.denoiser(path), x, 0.5, { batch: row.x.length, dim: 2 });
      let out: Float64Array;
      switch (row.prediction_type) {
        case "sample":
        case "denoised":
          out = data;
          break;
        case "epsilon":
          out = slice.convert(data, "data", "noise", x);
          break;
        case "v_prediction":
          out = slice.convert(data, "data", "v", x);
          break;
        case "flow_prediction":
          // diffusers' flow target is ε − x₀ in its σ-time; in canonical time that is −velocity.
          out = slice.convert(data, "data", "noise", x).map((e, i) => e - data[i]!);
          break;
        default:
          throw new Error(`unknown prediction type ${row.prediction_type}`);
      }
      assertClose(out, row.output.flat(), {
        rtol: 1e-11,
        atol: 1e-12,
        message: `${row.kind} ${row.prediction_type}`,
      });
    }
  });

  it("its denoiser equals a Monte-Carlo posterior mean (self-normalized importance sampling, 4 standard errors)", async () => {
    const mixture = gaussianMixture({
      weights: [0.5, 0.5],
      means: [
        [-1, 0],
        [1, 1],
      ],
      covariances: [
        [
          [0.3, 0.1],
          [0.1, 0.2],
        ],
        [0.2, 0.4],
      ],
    });
    const path = affinePath(cosineSchedule());
    const t = 0.45;
    const { alpha, sigma } = path.slice(t).level;
    const x = new Float64Array([0.4, 0.3]);
    const n = 200_000;
    const samples = mixture.sample(new Rng(9), n);
    let sw = 0;
    const m = [0, 0];
    const m2 = [0, 0];
    const logw = new Float64Array(n);
    let maxLog = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const r0 = x[0]! - alpha * samples[2 * i]!;
      const r1 = x[1]! - alpha * samples[2 * i + 1]!;
      logw[i] = -(r0 * r0 + r1 * r1) / (2 * sigma * sigma);
      maxLog = Math.max(maxLog, logw[i]!);
    }
    let sw2 = 0;
    for (let i = 0; i < n; i++) {
      const w = Math.exp(logw[i]! - maxLog);
      sw += w;
      sw2 += w * w;
      for (let a = 0; a < 2; a++) {
        m[a]! += w * samples[2 * i + a]!;
        m2[a]! += w * samples[2 * i + a]! ** 2;
      }
    }
    const exact = await predict(mixture.denoiser(path), x, t, { batch: 1, dim: 2 });
    const ess = (sw * sw) / sw2;
    for (let a = 0; a < 2; a++) {
      const mean = m[a]! / sw;
      const sd = Math.sqrt(m2[a]! / sw - mean * mean);
      assert.ok(
        Math.abs(mean - exact[a]!) < 4 * (sd / Math.sqrt(ess)),
        `coordinate ${a}: MC ${mean} vs exact ${exact[a]} (ESS ${ess})`,
      );
    }
  });

  it("score is the gradient of the marginal log-density and the divergence is the trace of the denoiser's Jacobian", () => {
    const mixture = gaussianMixture({
      weights: [0.3, 0.7],
      means: [
        [0, 1, -1],
        [2, 0, 0.5],
      ],
      covariances: [
        [
          [0.5, 0.1, 0],
          [0.1, 0.4, 0.05],
          [0, 0.05, 0.3],
        ],
        0.25,
      ],
    });
    for (const schedule of [
      linearSchedule(),
      edmSchedule(),
      discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
    ]) {
      const on = mixture.on(affinePath(schedule));
      const t = 0.6;
      const x = new Float64Array([0.3, 0.2, -0.4]);
      const score = on.score(t, x);
      const h = 1e-5;
      const fdScore = new Float64Array(3);
      let fdDiv = 0;
      for (let a = 0; a < 3; a++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[a]! += h;
        xm[a]! -= h;
        fdScore[a] = (on.logProb(t, xp)[0]! - on.logProb(t, xm)[0]!) / (2 * h);
        fdDiv += (on.posteriorMean(t, xp)[a]! - on.posteriorMean(t, xm)[a]!) / (2 * h);
      }
      assertClose(score, fdScore, { rtol: 1e-7, atol: 1e-8, message: schedule.name });
      assertClose(on.posteriorMeanDivergence(t, x)[0]!, fdDiv, {
        rtol: 1e-6,
        atol: 1e-8,
        message: schedule.name,
      });
    }
  });

  it("its marginal at the data end is the mixture itself, and the denoiser returns its input there", async () => {
    const path = affinePath(linearSchedule());
    const on = gmm.on(path);
    const x = new Float64Array([-2, 0.1, 1.9, 1.2]);
    assertClose(on.logProb(1, x), gmm.logProb(x), { rtol: 1e-13 });
    assertClose(await predict(gmm.denoiser(path), x, 1, { batch: 2, dim: 2 }), x, { rtol: 1e-15 });
    // Near the data end it converges to the input.
    const near = await predict(gmm.denoiser(path), x, 1 - 1e-6, { batch: 2, dim: 2 });
    assertClose(
      near,
      x.map((v) => v / (1 - 1e-6)),
      { rtol: 1e-6 },
    );
  });

  it("log-density of the data distribution equals the closed form for one isotropic component", () => {
    const single = gaussianMixture({ weights: [1], means: [[1, 2]], covariances: 0.5 });
    const x = new Float64Array([0, 0]);
    assertClose(single.logProb(x)[0]!, -Math.log(2 * Math.PI * 0.5) - (1 + 4) / (2 * 0.5), { rtol: 1e-14 });
  });

  it("samples have the mixture's mean and covariance (within 4 standard errors)", () => {
    const mixture = gaussianMixture({
      weights: [1, 3],
      means: [
        [-1, 0],
        [1, 2],
      ],
      covariances: [
        [
          [1, 0.5],
          [0.5, 1],
        ],
        [0.5, 0.25],
      ],
    });
    const n = 100_000;
    const s = mixture.sample(new Rng(2), n);
    // mean = Σ wₖ μₖ = (0.5, 1.5)
    let m0 = 0;
    let m1 = 0;
    for (let i = 0; i < n; i++) {
      m0 += s[2 * i]!;
      m1 += s[2 * i + 1]!;
    }
    // var(x0) = Σ wₖ (Cₖ,00 + μₖ0²) − m0² = 0.25·2 + 0.75·1.5 − 0.25 = 1.375
    assert.ok(Math.abs(m0 / n - 0.5) < 4 * Math.sqrt(1.375 / n), `mean0 ${m0 / n}`);
    assert.ok(Math.abs(m1 / n - 1.5) < 4 * Math.sqrt(1 / n + (0.1875 * 4) / n + 1 / n), `mean1 ${m1 / n}`);
  });

  it("rejects bad parameters and inputs with messages naming the argument", async () => {
    assert.throws(
      () => gaussianMixture({ weights: [], means: [], covariances: 1 }),
      /weights must be a non-empty array/,
    );
    assert.throws(
      () =>
        gaussianMixture({
          weights: [1],
          means: [[0, 0]],
          covariances: [
            [
              [1, 2],
              [2, 1],
            ],
          ],
        }),
      /not positive definite/,
    );
    assert.throws(
      () =>
        gaussianMixture({
          weights: [1],
          means: [[0, 0]],
          covariances: [
            [
              [1, 0.5],
              [0, 1],
            ],
          ],
        }),
      /not symmetric/,
    );
    assert.throws(
      () => gaussianMixture({ weights: [1], means: [[0, 0]], covariances: [[1, 2, 3]] }),
      /covariances\[0\] has dimension 3, expected 2/,
    );
    assert.throws(
      () => gaussianMixture({ weights: [1], means: [[0, 0]], covariances: [0] }),
      /covariances\[0\] is not positive definite/,
    );
    assert.throws(
      () => gaussianMixture({ weights: [1], means: [[0, 0]], covariances: [[1, Number.NaN]] }),
      /covariances\[0\] has a non-finite entry NaN/,
    );
    assert.throws(
      () => gaussianMixture({ weights: [-1], means: [[0]], covariances: 1 }),
      /weights\[0\] = -1/,
    );
    assert.throws(
      () => gaussianMixture({ weights: [1, 1], means: [[0], [1]], covariances: [1] }),
      /one spec per component \(2\)/,
    );
    assert.throws(() => gmm.logProb(new Float64Array(3)), /not a multiple of the mixture dimension 2/);
    await assert.rejects(
      async () =>
        predict(gmm.denoiser(affinePath(linearSchedule())), new Float64Array(6), 0.5, { batch: 2, dim: 3 }),
      /shape.dim = 3, the mixture has 2/,
    );
  });
});
