/**
 * Every sampler runs on every kind of model (data, noise, score, velocity, v, and drift with its own
 * g²) and on an affine and a bridge path; predictions are converted through the path slice, so the
 * samples agree across kinds to rounding. Deterministic samplers also land near a tight adaptive
 * reference from the same initial state (12 steps uniform in log-SNR; rms ≤ 0.6 at order 1, else ≤ 0.3);
 * the reference itself is checked against 200 fixed RK4 steps. Dense bridges: exponential-integrator
 * samplers refuse with an error pointing to the samplers that work there, which do run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Kind } from "../../src/convert/kernel.js";
import { gaussian } from "../../src/math/gaussian.js";
import { type Model, predict } from "../../src/model/model.js";
import { affinePath } from "../../src/path/affine.js";
import { bridgePath } from "../../src/path/bridge/bridgePath.js";
import { Bridge } from "../../src/path/bridge/bridge.js";
import type { GaussianPath } from "../../src/path/path.js";
import { annealedLangevin } from "../../src/sampler/annealedLangevin.js";
import { ddim } from "../../src/sampler/ddim.js";
import { ddpm } from "../../src/sampler/ddpm.js";
import { deis } from "../../src/sampler/deis.js";
import { dopri } from "../../src/sampler/dopri.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../../src/sampler/edmStochastic.js";
import { euler } from "../../src/sampler/euler.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import { eulerMaruyama } from "../../src/sampler/eulerMaruyama.js";
import { type Grid, customGrid, uniformLogSnrGrid, uniformTimeGrid } from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { lms } from "../../src/sampler/lms.js";
import { pndm } from "../../src/sampler/pndm.js";
import { predictorCorrector } from "../../src/sampler/predictorCorrector.js";
import { dpm2, midpoint, rk2 } from "../../src/sampler/rk2.js";
import { rk4 } from "../../src/sampler/rk4.js";
import { sample } from "../../src/sampler/sample.js";
import type { Sampler, SamplerState } from "../../src/sampler/sampler.js";
import { unipc } from "../../src/sampler/unipc.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { linearTimeInvariantSde } from "../../src/sde/lti.js";
import { GMM, diagonalBridge } from "./fixtures.js";

type AnySampler = Sampler<SamplerState>;

const SAMPLERS: readonly [string, AnySampler, boolean][] = [
  ["euler", euler(), false],
  ["euler (σ̃)", euler({ variable: "sigma" }), false],
  ["heun", heun(), false],
  ["heun (σ̃)", heun({ variable: "sigma" }), false],
  ["midpoint", midpoint(), false],
  ["RK(⅔) (σ̃)", rk2({ alpha: 2 / 3, variable: "sigma" }), false],
  ["dpm2", dpm2(), false],
  ["rk4", rk4(), false],
  ["dopri", dopri({ rtol: 1e-6, atol: 1e-6 }), false],
  ["lms", lms({ order: 3 }), false],
  ["lms (σ̃)", lms({ order: 4, variable: "sigma" }), false],
  ["deis", deis({ order: 3 }), false],
  ["ddim", ddim(), false],
  ["dpm-solver++ 2M", dpmSolverMultistep(), false],
  ["dpm-solver++ 3M", dpmSolverMultistep({ order: 3 }), false],
  ["dpm-solver++ 2S", dpmSolverSinglestep(), false],
  ["unipc bh1", unipc({ order: 3, variant: "bh1" }), false],
  ["unipc bh2", unipc({ order: 2 }), false],
  ["pndm", pndm(), false],
  ["ddim η = 1", ddim({ eta: 1 }), true],
  ["ddpm fixedSmall", ddpm(), true],
  ["ddpm fixedLarge", ddpm({ variance: "fixedLarge" }), true],
  ["euler ancestral", eulerAncestral(), true],
  ["edm stochastic", edmStochastic({ sChurn: 5 }), true],
  ["dpm-solver++ 2M SDE", dpmSolverMultistep({ eta: 1 }), true],
  ["dpm-solver++ 3M SDE", dpmSolverMultistep({ order: 3, eta: 1 }), true],
  ["dpm-solver++ 2S ancestral", dpmSolverSinglestep({ eta: 1 }), true],
  ["euler–maruyama", eulerMaruyama(), true],
  ["predictor–corrector", predictorCorrector(), true],
  ["annealed langevin", annealedLangevin({ steps: 5, stepSize: 1e-3 }), true],
];

const KINDS: readonly Kind[] = ["data", "noise", "score", "velocity", "v", "drift"];

/** The exact mixture denoiser on `path` as a model of `kind` (drift with g²(t) = 0.3 + t). */
function modelOf(path: GaussianPath, kind: Kind): Model {
  const data = GMM.denoiser(path);
  if (kind === "data") return data;
  const g2 = (t: number) => 0.3 + t;
  const base = {
    path,
    async predict(xt: Float64Array, t: number, shape: { batch: number; dim: number }) {
      const d = await predict(data, xt, t, shape);
      return path.slice(t).convert(d, "data", kind, xt, kind === "drift" ? { g2: g2(t) } : {});
    },
  };
  return kind === "drift" ? { ...base, kind, g2 } : ({ ...base, kind } as Model);
}

const PATHS: readonly [string, GaussianPath, Grid][] = (() => {
  const affine = affinePath(cosineSchedule());
  const bridge = diagonalBridge(0);
  return [
    ["the cosine affine path", affine, uniformLogSnrGrid(affine, 12)],
    ["a diagonal Brownian bridge", bridge, uniformLogSnrGrid(bridge, 12)],
  ];
})();

const X0 = Float64Array.from([0.3, -1.2, 1.5, 0.4, -0.7, 2.1, 0.05, -0.4]);

/** The samples of `sampler` on `grid` from X0 (the exact data model of `path`). */
async function solve(path: GaussianPath, sampler: AnySampler, grid: Grid): Promise<Float64Array> {
  return (await sample(modelOf(path, "data"), { sampler, grid, x: X0, dim: 2 })).x;
}

/** Dormand–Prince at rtol = atol = 1e-10 from tMin to tMax, then the data end (one run per path). */
const references = new Map<GaussianPath, Promise<Float64Array>>();
function referenceOf(path: GaussianPath): Promise<Float64Array> {
  let r = references.get(path);
  if (r === undefined) {
    r = solve(
      path,
      dopri({ rtol: 1e-10, atol: 1e-10 }),
      customGrid(path, [path.tMin, path.tMax], { dataEnd: true }),
    );
    references.set(path, r);
  }
  return r;
}

describe("every sampler on every kind and path", () => {
  for (const [pathName, path, grid] of PATHS) {
    it(`reference: the tight adaptive solution on ${pathName} agrees with 200 RK4 steps to 1e-6`, async () => {
      const ref = await referenceOf(path);
      const times = Array.from({ length: 201 }, (_, i) => path.tMin + ((path.tMax - path.tMin) * i) / 200);
      const fixed = await solve(path, rk4(), customGrid(path, times, { dataEnd: true }));
      const diff = Math.max(...fixed.map((v, i) => Math.abs(v - ref[i]!)));
      assert.ok(diff <= 1e-6, `max |RK4 − Dormand–Prince| = ${diff}`);
    });
    for (const [name, sampler, stochastic] of SAMPLERS) {
      it(`${name} on ${pathName}: every kind gives the same samples`, async () => {
        const results: Float64Array[] = [];
        for (const kind of KINDS) {
          const r = await sample(modelOf(path, kind), { sampler, grid, x: X0, dim: 2, seed: 5 });
          assert.ok(r.x.every(Number.isFinite), `${name}, ${kind}: finite samples`);
          results.push(r.x);
        }
        for (let k = 1; k < KINDS.length; k++) {
          const diff = Math.max(...results[k]!.map((v, i) => Math.abs(v - results[0]![i]!)));
          assert.ok(
            diff <= 1e-8 * (1 + Math.max(...results[0]!.map(Math.abs))),
            `${name}: ${KINDS[k]} differs from data by ${diff}`,
          );
        }
        if (!stochastic) {
          const ref = await referenceOf(path);
          const rms = Math.sqrt(results[0]!.reduce((a, v, i) => a + (v - ref[i]!) ** 2, 0) / X0.length);
          const tol = sampler.order === 1 ? 0.6 : 0.3; // 12 steps uniform in log-SNR
          assert.ok(rms <= tol, `${name}: rms distance ${rms.toFixed(3)} to the adaptive reference`);
        }
      });
    }
  }

  it("on a dense bridge the exponential-integrator samplers refuse with a pointer to those that run there", async () => {
    const dense = bridgePath(
      new Bridge({
        sde: linearTimeInvariantSde({
          F: [
            [-0.5, 0.8],
            [0, -0.3],
          ],
          L: 1,
          dim: 2,
        }),
        t0: 0,
        prior: gaussian({ mean: [0, 0], cov: 1 }),
        t1: 1,
        evidenceCov: 0.05,
      }),
    );
    const grid = uniformTimeGrid(dense, 6);
    const model = modelOf(dense, "noise");
    for (const s of [
      ddim(),
      dpmSolverMultistep(),
      unipc(),
      dpmSolverSinglestep(),
      eulerAncestral(),
      ddpm(),
      heun({ variable: "sigma" }),
    ]) {
      await assert.rejects(
        sample(model, { sampler: s, grid, x: X0, dim: 2, seed: 1 }),
        /is dense .*use euler, heun, midpoint, rk4, dopri or eulerMaruyama/,
        `${s.name} on a dense bridge`,
      );
    }
    for (const s of [
      euler(),
      heun(),
      midpoint(),
      rk4(),
      dopri(),
      lms(),
      eulerMaruyama({ g2: () => 0.5 }),
      predictorCorrector({ predictor: euler() }),
      annealedLangevin({ steps: 2 }),
    ]) {
      const r = await sample(model, { sampler: s, grid, x: X0, dim: 2, seed: 1 });
      assert.ok(r.x.every(Number.isFinite), `${s.name} runs on a dense bridge`);
    }
  });
});
