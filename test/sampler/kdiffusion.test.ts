/**
 * Parity with k-diffusion (../shared/reference, copied to test/reference): every sampler fixture run on
 * the exact mixture denoiser with the recorded noise injected. Reproduces the Karras σ grid, every
 * model call (its x and σ) and every step's state to ≤ 1e-13 relative (measured ≤ 4e-15; k-diffusion's
 * LMS coefficients come from scipy's quad, accurate to rounding on these cubics).
 */
import { sigmaTilde } from "../../src/time.js";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { affinePath } from "../../src/path/affine.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { euler } from "../../src/sampler/euler.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import { karrasGrid } from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { lms } from "../../src/sampler/lms.js";
import { dpm2 } from "../../src/sampler/rk2.js";
import { sample } from "../../src/sampler/sample.js";
import type { Sampler, SamplerState } from "../../src/sampler/sampler.js";

type AnySampler = Sampler<SamplerState>;
import { edmSchedule } from "../../src/schedule/edm.js";
import { GMM, flat, loadFixture, recording, relErr } from "./fixtures.js";

interface KFixture {
  sigmas: number[];
  sigma_schedule: { n: number; sigma_min: number; sigma_max: number; rho: number };
  initial_x: number[][];
  initial_noise: number[][];
  injected_noise: { noise: number[][] }[] | null;
  model_calls: { x: number[][]; sigma: number }[];
  steps: { x_after: number[][] }[];
  final_sample: number[][];
}

const path = affinePath(edmSchedule({ sigmaMin: sigmaTilde(0.002), sigmaMax: sigmaTilde(80), rho: 7 }));
/** Relative tolerance of model-call inputs and states (float64 on both sides). */
const TOL = 1e-13;

const CASES: readonly [string, AnySampler][] = [
  ["euler", euler({ variable: "sigma" })],
  ["heun", heun({ variable: "sigma" })],
  ["dpm-2", dpm2()],
  ["lms", lms({ order: 4, variable: "sigma" })],
  ["euler-ancestral", eulerAncestral()],
  ["dpmpp-2s-ancestral", dpmSolverSinglestep({ eta: 1 })],
  ["dpmpp-2m", dpmSolverMultistep({ order: 2, lowerOrderFinal: false })],
  ["dpmpp-2m-sde", dpmSolverMultistep({ order: 2, eta: 1, lowerOrderFinal: false })],
  [
    "dpmpp-2m-sde-heun",
    dpmSolverMultistep({
      order: 2,
      eta: 1,
      solverType: "taylor",
      lowerOrderFinal: false,
    }),
  ],
  [
    "dpmpp-3m-sde",
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
  ],
];

describe("k-diffusion parity", () => {
  for (const [name, sampler] of CASES) {
    it(`sample_${name.replaceAll("-", "_")} reproduces k-diffusion's grid, model calls and states`, async (t) => {
      const f = loadFixture<KFixture>(`kdiffusion-${name}-karras-10.json`);
      const { n, sigma_min, sigma_max, rho } = f.sigma_schedule;
      const grid = karrasGrid(path, n, {
        sigmaMin: sigmaTilde(sigma_min),
        sigmaMax: sigmaTilde(sigma_max),
        rho,
      });
      const gridErr = relErr(grid.sigmas, f.sigmas);
      assert.ok(gridErr <= 1e-14, `σ grid: rel ${gridErr}`);
      const rec = recording(GMM.denoiser(path));
      const draws = [flat(f.initial_noise), ...(f.injected_noise ?? []).map((d) => flat(d.noise))];
      const states: Float64Array[] = [];
      const result = await sample(rec.model, {
        sampler,
        grid,
        x: flat(f.initial_x),
        noise: draws,
        dim: 2,
        onStep: (s) => {
          if (s.index > 0) states.push(s.x);
        },
      });
      assert.equal(rec.calls.length, f.model_calls.length, "number of model calls");
      assert.equal(result.nfe, f.model_calls.length, "NFE");
      let callErr = 0;
      let sigmaErr = 0;
      f.model_calls.forEach((c, k) => {
        callErr = Math.max(callErr, relErr(rec.calls[k]!.x, flat(c.x)));
        sigmaErr = Math.max(sigmaErr, Math.abs(path.schedule.at(rec.calls[k]!.t).sigma - c.sigma) / c.sigma);
      });
      let stepErr = 0;
      f.steps.forEach((s, i) => {
        stepErr = Math.max(stepErr, relErr(states[i]!, flat(s.x_after)));
      });
      const finalErr = relErr(result.x, flat(f.final_sample));
      t.diagnostic(
        `calls ${callErr.toExponential(1)}, σ ${sigmaErr.toExponential(1)}, steps ${stepErr.toExponential(1)}, final ${finalErr.toExponential(1)}`,
      );
      assert.ok(sigmaErr <= 1e-12, `σ of the model calls: rel ${sigmaErr}`);
      assert.ok(callErr <= TOL, `model-call inputs: rel ${callErr} > ${TOL}`);
      assert.ok(stepErr <= TOL, `step states: rel ${stepErr} > ${TOL}`);
      assert.ok(finalErr <= TOL, `final sample: rel ${finalErr} > ${TOL}`);
    });
  }
});
