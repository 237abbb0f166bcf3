/**
 * trainingBatch: the objective's minimizer is the exact denoiser of the kind (least-squares fit on
 * Gaussian data against the Gaussian posterior), on affine and bridge paths and on stochastic
 * interpolants; γ = 0 reproduces flow matching bit for bit; couplings, SB-CFM, Lipman's path, EDM
 * preconditioning and importance sampling plug in; bad inputs give errors naming the fix.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exactOtCoupling, independentCoupling } from "../../src/coupling/coupling.js";
import { squaredDistances } from "../../src/coupling/cost.js";
import { linearAssignment } from "../../src/coupling/hungarian.js";
import {
  lipmanPath,
  linearInterpolant,
  stochasticInterpolant,
  trigonometricInterpolant,
} from "../../src/coupling/interpolant.js";
import { schrodingerBridgeCfm } from "../../src/coupling/schrodinger.js";
import { KINDS, type Kind } from "../../src/convert/kernel.js";
import { predict } from "../../src/model/model.js";
import { gaussianMixture } from "../../src/oracle/mixture.js";
import { affinePath } from "../../src/path/affine.js";
import type { GaussianPath } from "../../src/path/path.js";
import { Rng } from "../../src/random/rng.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { trainingBatch } from "../../src/loss/batch.js";
import { type TimeDensity, logitNormalTime, stratifiedTime, uniformTime } from "../../src/loss/density.js";
import { edmPreconditioned, edmPreconditioning, preconditionBatch } from "../../src/loss/edm.js";
import { lossWeight } from "../../src/loss/equivalent.js";
import {
  edmWeighting,
  minSnrWeighting,
  sd3CosmapWeighting,
  uniformWeighting,
} from "../../src/loss/weighting.js";
import { assertClose } from "../helpers.js";
import { fitAffine } from "./fit.js";
import { brownianBridge, brownianBridgeTwin, denseBridge } from "./paths.js";

const dim = 2;
const gmm = gaussianMixture({ weights: [1], means: [[0.5, -1]], covariances: [[0.64, 2.25]] });
/** A point mass at t (one uniform drawn per time, like every density), for per-time fits. */
const at = (t: number): TimeDensity => ({
  name: `at(${t})`,
  spec: { name: "custom", description: `at(${t})` },
  quantile: () => t,
  pdf: (s) => (s === t ? Number.POSITIVE_INFINITY : 0),
  sample: (rng, n) => {
    for (let i = 0; i < n; i++) rng.uniform();
    return new Float64Array(n).fill(t);
  },
});

/**
 * Fits an affine model to (xₜ, target) of a batch at (nearly) fixed t and checks it against the exact
 * E[target | xₜ] from `exact` at probe points, within 5 standard errors (and checks those are small).
 */
async function assertMinimizer(
  label: string,
  xt: Float64Array,
  target: Float64Array,
  exact: (x: Float64Array) => Promise<Float64Array> | Float64Array,
  probes: number[][],
): Promise<void> {
  const fit = fitAffine(xt, target, dim);
  const n = target.length / dim;
  const spread = Array.from({ length: dim }, (_, j) => {
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += target[i * dim + j]! ** 2;
    return Math.sqrt(s2 / n);
  });
  for (const p of probes) {
    const x = Float64Array.from(p);
    const { value, se } = fit.predict(x);
    const want = await exact(x);
    for (let j = 0; j < dim; j++) {
      const scale = Math.max(1, Math.abs(want[j]!), spread[j]!);
      assert.ok(
        se[j]! < 0.015 * scale,
        `${label}: standard error ${se[j]} is small against the target's scale ${scale}`,
      );
      assert.ok(
        Math.abs(value[j]! - want[j]!) < 5 * se[j]! + 1e-9 * scale,
        `${label} at x = (${p}): fit ${value[j]} vs exact ${want[j]} (se ${se[j]})`,
      );
    }
  }
}

describe("trainingBatch minimizers", () => {
  const n = 50_000;
  const probes = [
    [0, 0],
    [0.8, -1.5],
    [-1, 1],
  ];

  it("on an affine path, the least-squares fit of every kind equals the exact Gaussian-posterior denoiser of that kind", async () => {
    const path = affinePath(cosineSchedule());
    const oracle = gmm.on(path);
    const g2 = 0.5;
    for (const t of [0.3, 0.75]) {
      const slice = path.slice(t);
      for (const kind of KINDS) {
        const rng = new Rng(100 + KINDS.indexOf(kind));
        const data = gmm.sample(rng, n);
        const b = trainingBatch(path, data, { kind, dim, timeDensity: at(t), rng, g2 });
        await assertMinimizer(
          `${kind} at t = ${t}`,
          b.xt,
          b.target,
          (x) => slice.convert(oracle.posteriorMean(t, x), "data", kind, x, { g2 }),
          probes,
        );
      }
    }
  });

  it("on a dense bridge path, the data and velocity fits equal the bridge posterior", async () => {
    const path = denseBridge();
    const oracle = gmm.on(path);
    const t = 0.6;
    const slice = path.slice(t);
    for (const kind of ["data", "velocity", "noise"] as Kind[]) {
      const rng = new Rng(7);
      const b = trainingBatch(path, gmm.sample(rng, n), { kind, timeDensity: at(t), rng });
      await assertMinimizer(
        `bridge ${kind}`,
        b.xt,
        b.target,
        (x) => slice.convert(oracle.posteriorMean(t, x), "data", kind, x),
        probes,
      );
    }
  });

  it("on a stochastic interpolant with γ > 0 and independent pairs, the velocity and score fits equal its effective affine path's", async () => {
    for (const interpolant of [
      linearInterpolant({ gammaScale: 0.5 }),
      trigonometricInterpolant({ gammaScale: 1 }),
    ]) {
      const path = interpolant.path;
      const oracle = gmm.on(path);
      const t = 0.4;
      const slice = path.slice(t);
      for (const kind of ["velocity", "score", "data"] as const) {
        const rng = new Rng(5);
        const b = trainingBatch(interpolant, gmm.sample(rng, n), { kind, dim, timeDensity: at(t), rng });
        assert.ok(b.latent !== null, "a latent z is drawn when γ ≢ 0");
        await assertMinimizer(
          `${interpolant.name} ${kind}`,
          b.xt,
          b.target,
          (x) => slice.convert(oracle.posteriorMean(t, x), "data", kind, x),
          probes,
        );
      }
    }
  });
});

describe("trainingBatch", () => {
  const rows = (n: number, seed = 1) => gmm.sample(new Rng(seed), n);

  it("returns the data's float type, xₜ = α·data + σ·noise, the kind's target and the weighting's weight", () => {
    const path = affinePath(vpSchedule());
    const data64 = rows(16);
    for (const data of [data64, Float32Array.from(data64)]) {
      const b = trainingBatch(path, data, {
        kind: "v",
        dim,
        timeDensity: logitNormalTime(),
        rng: new Rng(2),
        weighting: minSnrWeighting(),
      });
      for (const name of ["t", "noise", "xt", "target", "weight"] as const) {
        assert.equal(b[name].constructor, data.constructor, `${name} has the data's type`);
      }
      const tol = data instanceof Float32Array ? 1e-6 : 1e-14;
      for (let i = 0; i < 16; i++) {
        const l = path.schedule.at(b.t[i]!);
        for (let j = 0; j < dim; j++) {
          const d = data[i * dim + j]!;
          const e = b.noise[i * dim + j]!;
          assertClose(b.xt[i * dim + j]!, l.alpha * d + l.sigma * e, { rtol: tol, atol: tol, message: "xₜ" });
          assertClose(b.target[i * dim + j]!, l.alpha * e - l.sigma * d, {
            rtol: tol,
            atol: tol,
            message: "v target",
          });
        }
        const snr = (l.alpha / l.sigma) ** 2;
        assertClose(b.weight[i]!, Math.min(snr, 5) / (snr + 1), { rtol: tol * 10, message: "Min-SNR on v" });
      }
    }
  });

  it("draws noise first, so row i's noise does not depend on the batch size, and is reproducible from the seed", () => {
    const path = affinePath(cosineSchedule());
    const options = (seed: number) => ({
      kind: "noise" as const,
      dim,
      timeDensity: uniformTime(),
      rng: new Rng(seed),
    });
    const small = trainingBatch(path, rows(4), options(9));
    const large = trainingBatch(path, rows(8), options(9));
    assert.deepEqual(
      Array.from(large.noise.subarray(0, 4 * dim)),
      Array.from(small.noise),
      "noise rows 0..3 agree",
    );
    assert.deepEqual(trainingBatch(path, rows(8), options(9)), large, "same seed, same batch");
  });

  it("with γ = 0 the linear interpolant reproduces flow matching on the linear path bit for bit", () => {
    for (const kind of ["velocity", "data"] as const) {
      for (const weighting of [uniformWeighting(), minSnrWeighting(), sd3CosmapWeighting()]) {
        const options = (rng: Rng) => ({
          kind,
          dim,
          timeDensity: stratifiedTime(logitNormalTime()),
          rng,
          weighting,
        });
        const r1 = new Rng(4);
        const r2 = new Rng(4);
        const a = trainingBatch(linearInterpolant(), rows(32), options(r1));
        const b = trainingBatch(affinePath(linearSchedule()), rows(32), options(r2));
        assert.equal(a.latent, null, "no latent is drawn when γ ≡ 0");
        for (const name of ["t", "noise", "xt", "target", "weight"] as const) {
          assert.deepEqual(
            Array.from(a[name]),
            Array.from(b[name]),
            `${kind}/${weighting.name}: ${name} identical`,
          );
        }
        assert.deepEqual(r1.getState(), r2.getState(), "the generators end in the same state");
      }
    }
  });

  it("on an isotropic Brownian bridge equals the affine path with the same conditional law (α = t, σ = √(1 − t))", () => {
    const bridge = brownianBridge(dim);
    const affine = brownianBridgeTwin();
    for (const kind of ["data", "noise", "velocity", "v", "score"] as Kind[]) {
      const options = {
        kind,
        dim,
        timeDensity: uniformTime({ lo: 0.05, hi: 0.95 }),
        weighting: minSnrWeighting(),
      };
      const a = trainingBatch(bridge, rows(24), { ...options, rng: new Rng(8) });
      const b = trainingBatch(affine as GaussianPath, rows(24), { ...options, rng: new Rng(8) });
      for (const name of ["t", "noise", "xt", "target", "weight"] as const) {
        assertClose(a[name], b[name], { rtol: 1e-9, atol: 1e-11, message: `${kind}: ${name}` });
      }
    }
  });

  it("pairs noise by exact OT against the prior samples (σ(0)·noise on an EDM path)", () => {
    const path = affinePath(edmSchedule({ sigmaMax: 5 }));
    const n = 64;
    const data = rows(n);
    const b = trainingBatch(path, data, {
      kind: "data",
      dim,
      timeDensity: uniformTime(),
      rng: new Rng(12),
      coupling: exactOtCoupling(),
    });
    const drawn = new Rng(12).fillNormal(new Float64Array(n * dim));
    const source = path.prior.sample(drawn, dim);
    assert.deepEqual(
      Array.from(b.pairing),
      Array.from(linearAssignment(squaredDistances(data, source, dim), n).assignment),
      "OT pairing",
    );
    for (let i = 0; i < n; i++) {
      assert.deepEqual(
        Array.from(b.noise.subarray(i * dim, (i + 1) * dim)),
        Array.from(drawn.subarray(b.pairing[i]! * dim, (b.pairing[i]! + 1) * dim)),
        `row ${i} noise`,
      );
    }
  });

  it("SB-CFM's velocity target is (1−2t)/(2t(1−t))·(xₜ − t·data − (1−t)·noise) + data − noise with Sinkhorn pairs (reg = 2σ²)", () => {
    const sigma = 0.5;
    const { interpolant, coupling } = schrodingerBridgeCfm({ sigma });
    assert.deepEqual(
      coupling.spec,
      { name: "sinkhorn", reg: 2 * sigma * sigma, tol: 1e-9, maxIterations: 10_000 },
      "reg = 2σ²",
    );
    const n = 48;
    const data = rows(n);
    const b = trainingBatch(interpolant, data, {
      kind: "velocity",
      dim,
      timeDensity: uniformTime({ lo: 0.01, hi: 0.99 }),
      rng: new Rng(13),
      coupling,
    });
    assert.ok(b.latent !== null, "SB-CFM draws a latent");
    for (let i = 0; i < n; i++) {
      const t = b.t[i]!;
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j;
        const mu = t * data[k]! + (1 - t) * b.noise[k]!;
        assertClose(b.xt[k]! - mu, sigma * Math.sqrt(t * (1 - t)) * b.latent![k]!, {
          rtol: 1e-12,
          atol: 1e-15,
          message: "bridge noise",
        });
        const torchcfm = ((1 - 2 * t) / (2 * t * (1 - t))) * (b.xt[k]! - mu) + data[k]! - b.noise[k]!;
        assertClose(b.target[k]!, torchcfm, { rtol: 1e-10, atol: 1e-12, message: `u at t = ${t}` });
      }
    }
    const ot = schrodingerBridgeCfm({ sigma: 0 });
    assert.equal(ot.interpolant.latent, "none", "σ = 0 is OT-CFM: no latent");
    assert.equal(ot.coupling.name, "exactOt", "σ = 0 is OT-CFM: exact OT");
  });

  it("on Lipman's σmin path the velocity target is (data − (1 − σmin)·xₜ)/(1 − (1 − σmin)t) = data − (1 − σmin)·noise", () => {
    const sigmaMin = 0.01;
    const data = rows(16);
    const b = trainingBatch(lipmanPath({ sigmaMin }), data, {
      kind: "velocity",
      dim,
      timeDensity: uniformTime(),
      rng: new Rng(14),
    });
    for (let i = 0; i < 16; i++) {
      const t = b.t[i]!;
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j;
        assertClose(b.target[k]!, (data[k]! - (1 - sigmaMin) * b.xt[k]!) / (1 - (1 - sigmaMin) * t), {
          rtol: 1e-11,
          message: "eq. 21",
        });
        assertClose(b.target[k]!, data[k]! - (1 - sigmaMin) * b.noise[k]!, {
          rtol: 1e-13,
          atol: 1e-15,
          message: "eq. 23",
        });
      }
    }
  });

  it("with a proposal, draws times from it and multiplies the weight by π_target/π_proposal", () => {
    const path = affinePath(cosineSchedule());
    const target = logitNormalTime({ mean: 0.3 });
    const b = trainingBatch(path, rows(64), {
      kind: "noise",
      dim,
      timeDensity: target,
      proposal: uniformTime(),
      rng: new Rng(15),
      weighting: minSnrWeighting(),
    });
    const plain = trainingBatch(path, rows(64), {
      kind: "noise",
      dim,
      timeDensity: uniformTime(),
      rng: new Rng(15),
      weighting: minSnrWeighting(),
    });
    assert.deepEqual(Array.from(b.t), Array.from(plain.t), "times come from the proposal");
    for (let i = 0; i < 64; i++) {
      const w = lossWeight(minSnrWeighting(), "noise", path.slice(b.t[i]!));
      assertClose(b.weight[i]!, w * target.pdf(b.t[i]!, path), { rtol: 1e-12, message: `row ${i}` });
    }
  });
});

describe("importance sampling in trainingBatch", () => {
  it("keeps the objective unbiased: the weighted loss of a fixed model agrees under the target and under proposals", () => {
    const path = affinePath(cosineSchedule());
    const target = logitNormalTime({ mean: -0.4, std: 0.9 });
    const n = 20_000;
    /** Mean and standard error of weight·‖target − 0.3·xₜ‖²/dim over a batch (a fixed, suboptimal model). */
    const estimate = (proposal: TimeDensity | undefined, seed: number) => {
      const rng = new Rng(seed);
      const b = trainingBatch(path, gmm.sample(rng, n), {
        kind: "noise",
        dim,
        timeDensity: target,
        rng,
        weighting: minSnrWeighting(),
        ...(proposal === undefined ? {} : { proposal }),
      });
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = 0; j < dim; j++) e += (b.target[i * dim + j]! - 0.3 * b.xt[i * dim + j]!) ** 2;
        const v = (b.weight[i]! * e) / dim;
        s += v;
        s2 += v * v;
      }
      const mean = s / n;
      return { mean, se: Math.sqrt((s2 / n - mean * mean) / n) };
    };
    const direct = estimate(undefined, 31);
    for (const proposal of [uniformTime(), stratifiedTime(), logitNormalTime({ mean: 0.5, std: 1.5 })]) {
      const is = estimate(proposal, 32);
      const se = Math.hypot(direct.se, is.se);
      assert.ok(
        Math.abs(is.mean - direct.mean) < 4 * se,
        `proposal ${proposal.name}: ${is.mean} vs direct ${direct.mean} (combined standard error ${se})`,
      );
    }
  });
});

describe("EDM preconditioning", () => {
  it("is EDM's Table 1 at α = 1 and its σ̃ = σ/α, x/α form on other affine paths", () => {
    const sd = 0.5;
    for (const s of [0.002, 0.3, 1, 80]) {
      const c = edmPreconditioning({ t: 0.5, alpha: 1, sigma: s, dAlpha: 0, dSigma: -1 }, sd);
      assertClose(c.cSkip, (sd * sd) / (s * s + sd * sd), { rtol: 1e-14, message: "c_skip" });
      assertClose(c.cOut, (s * sd) / Math.sqrt(s * s + sd * sd), { rtol: 1e-14, message: "c_out" });
      assertClose(c.cIn, 1 / Math.sqrt(s * s + sd * sd), { rtol: 1e-14, message: "c_in" });
      assertClose(c.cNoise, 0.25 * Math.log(s), { rtol: 1e-14, atol: 1e-16, message: "c_noise" });
      assertClose(edmWeighting({ sigmaData: sd }).data(-2 * Math.log(s)) * c.cOut ** 2, 1, {
        rtol: 1e-13,
        message: "λ·c_out² = 1",
      });
    }
    const l = vpSchedule().at(0.4);
    const ve = edmPreconditioning({ t: 0.4, alpha: 1, sigma: l.sigma / l.alpha, dAlpha: 0, dSigma: -1 }, sd);
    const c = edmPreconditioning(l, sd);
    assertClose(
      [c.cSkip, c.cOut, c.cIn, c.cNoise],
      [ve.cSkip / l.alpha, ve.cOut, ve.cIn / l.alpha, ve.cNoise],
      { rtol: 1e-13, message: "VP" },
    );
    const noiseEnd = edmPreconditioning(linearSchedule().at(0), sd);
    assert.deepEqual(
      [noiseEnd.cSkip, noiseEnd.cOut, noiseEnd.cIn, noiseEnd.cNoise],
      [0, sd, 1, Number.POSITIVE_INFINITY],
      "finite at α = 0 except c_noise",
    );
  });

  it("wraps the exact network F* = (D* − c_skip·x)/c_out into the exact denoiser D*, and preconditionBatch gives F*'s targets", async () => {
    const path = affinePath(cosineSchedule());
    const oracle = gmm.on(path);
    const x = Float64Array.from([0.3, -0.4, 1.2, 2]);
    const shape = { batch: 2, dim };
    for (const noiseInput of ["logSigma", "time"] as const) {
      let seenT = 0;
      const model = edmPreconditioned(
        (xIn, input, _shape) => {
          const t = noiseInput === "time" ? input : seenT;
          const c = edmPreconditioning(path.schedule.at(t));
          const xs = xIn.map((v) => v / c.cIn);
          const d = oracle.posteriorMean(t, xs);
          return d.map((v, i) => (v - c.cSkip * xs[i]!) / c.cOut);
        },
        path,
        { noiseInput },
      );
      for (const t of [0.2, 0.7]) {
        seenT = t;
        assertClose(await predict(model, x, t, shape), oracle.posteriorMean(t, x), {
          rtol: 1e-12,
          atol: 1e-14,
          message: `${noiseInput} t = ${t}`,
        });
      }
    }
    const b = trainingBatch(path, gmm.sample(new Rng(1), 32), {
      kind: "data",
      dim,
      timeDensity: uniformTime({ lo: 0.05, hi: 0.95 }),
      rng: new Rng(2),
      weighting: edmWeighting(),
    });
    const pre = preconditionBatch(b, path, { dim });
    assert.throws(
      () => preconditionBatch(b, linearInterpolant() as never, { dim }),
      /preconditionBatch: path must be a GaussianPath \(affinePath\(schedule\)\)/,
      "a stochastic interpolant has no EDM preconditioning",
    );
    for (let i = 0; i < 32; i++) {
      const c = edmPreconditioning(path.schedule.at(b.t[i]!));
      assertClose(pre.weight[i]!, 1, { rtol: 1e-12, message: "EDM weight on F is 1" });
      for (let j = 0; j < dim; j++) {
        const k = i * dim + j;
        assertClose(c.cSkip * b.xt[k]! + c.cOut * pre.target[k]!, b.target[k]!, {
          rtol: 1e-12,
          atol: 1e-14,
          message: "D(F*) = data",
        });
        assertClose(pre.xt[k]!, c.cIn * b.xt[k]!, { rtol: 1e-15, message: "input c_in·xₜ" });
      }
    }
    const atNoise = edmPreconditioned(() => new Float64Array(4), affinePath(linearSchedule()));
    await assert.rejects(
      predict(atNoise, x, 0, shape),
      /edmPreconditioned: c_noise = ¼ ln σ̃ is Infinity at t = 0 .* use noiseInput: "time"/,
    );
  });
});

describe("trainingBatch errors", () => {
  const path = affinePath(linearSchedule());
  const data = gmm.sample(new Rng(0), 4);
  const base = { kind: "velocity" as Kind, dim, timeDensity: uniformTime(), rng: new Rng(0) };

  it("name the function, the argument and the fix", () => {
    const cases: [string, () => unknown, RegExp][] = [
      [
        "unknown kind",
        () => trainingBatch(path, data, { ...base, kind: "x0" as Kind }),
        /trainingBatch: options.kind must be one of "data", .*got "x0"/,
      ],
      [
        "interpolant kind",
        () => trainingBatch(linearInterpolant(), data, { ...base, kind: "noise" }),
        /kind must be "velocity", "score", "data" on the stochastic interpolant/,
      ],
      [
        "score without γ",
        () => trainingBatch(linearInterpolant(), data, { ...base, kind: "score" }),
        /the score −z\/γ is undefined at t = .* where γ = 0/,
      ],
      [
        "missing dim",
        () => trainingBatch(path, data, { ...base, dim: undefined }),
        /trainingBatch: options.dim is required on the path "linear"/,
      ],
      [
        "ragged data",
        () => trainingBatch(path, data.subarray(1), base),
        /data has length 7, which is not a positive multiple of dim = 2/,
      ],
      [
        "non-finite data",
        () => trainingBatch(path, Float64Array.from([0, Number.NaN]), base),
        /trainingBatch: data\[1\] is NaN/,
      ],
      [
        "drift without g2",
        () => trainingBatch(path, data, { ...base, kind: "drift" }),
        /kind "drift" needs options.g2/,
      ],
      [
        "no rng",
        () => trainingBatch(path, data, { ...base, rng: undefined as never }),
        /options.rng must be an Rng/,
      ],
      [
        "bad density",
        () => trainingBatch(path, data, { ...base, timeDensity: "uniform" as never }),
        /options.timeDensity must be a TimeDensity/,
      ],
      [
        "bad path",
        () => trainingBatch(linearSchedule() as never, data, base),
        /trainingBatch: path must be a GaussianPath .* or a stochastic interpolant/,
      ],
      [
        "singular target",
        () => trainingBatch(path, data, { ...base, kind: "score", timeDensity: at(1) }),
        /the score target is -?Infinity at t = 1 .* restrict the time density to \[path.tMin, path.tMax\]/,
      ],
      [
        "negative γ scale",
        () => linearInterpolant({ gammaScale: -0.1 }),
        /linearInterpolant: gammaScale must be a finite number ≥ 0/,
      ],
      [
        "negative γ(t)",
        () =>
          trainingBatch(
            stochasticInterpolant({
              alpha: (t) => [t, 1],
              beta: (t) => [1 - t, -1],
              gamma: (t) => [-t * (1 - t), 2 * t - 1],
            }),
            data,
            base,
          ),
        /γ\(.*\) = .* is negative; γ scales the latent z and must be ≥ 0/,
      ],
      [
        "negative SB σ",
        () => schrodingerBridgeCfm({ sigma: -1 }),
        /schrodingerBridgeCfm: sigma must be a finite number ≥ 0/,
      ],
    ];
    for (const [label, run, message] of cases) assert.throws(run, message, label);
    assert.doesNotThrow(
      () => trainingBatch(path, data, { ...base, coupling: independentCoupling() }),
      "a valid call",
    );
  });
});
