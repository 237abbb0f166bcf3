/**
 * The names other tools give the samplers (src/registry/samplerNames.ts), checked three ways:
 *   - every alias (and every documented use with parameters) gives the same trajectory as the
 *     sampler and grid built by hand from what the other tool's name means, and as its canonical name;
 *   - the k-diffusion names reproduce k-diffusion's own runs (test/reference fixtures, ≤ 1e-13);
 *   - the diffusers names build the sampler `fromDiffusers` uses for that scheduler (same states on
 *     fromDiffusers' own grid).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { affinePath } from "../../src/path/affine.js";
import { registry, samplerByName } from "../../src/registry/registry.js";
import { ddim } from "../../src/sampler/ddim.js";
import { ddpm } from "../../src/sampler/ddpm.js";
import { deis } from "../../src/sampler/deis.js";
import { type DiffusersConfig, type DiffusersScheduler, fromDiffusers } from "../../src/compat/diffusers.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../../src/sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../../src/sampler/edmStochastic.js";
import { euler } from "../../src/sampler/euler.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import {
  exponentialGrid,
  type Grid,
  karrasGrid,
  shiftGrid,
  uniformTimeGrid,
} from "../../src/sampler/grid.js";
import { heun } from "../../src/sampler/heun.js";
import { lms } from "../../src/sampler/lms.js";
import { pndm } from "../../src/sampler/pndm.js";
import { dpm2 } from "../../src/sampler/rk2.js";
import { sample } from "../../src/sampler/sample.js";
import type { Sampler } from "../../src/sampler/sampler.js";
import { unipc } from "../../src/sampler/unipc.js";
import { edmSchedule } from "../../src/schedule/edm.js";
import { linearSchedule } from "../../src/schedule/linear.js";
import { sigmaTilde } from "../../src/time.js";
import type { GaussianPath } from "../../src/path/path.js";
import { GMM, flat, loadFixture, relErr } from "../sampler/fixtures.js";

const edm = affinePath(edmSchedule());
/** Names meant for flow models run on the rectified-flow path (a shift needs its unbounded log-SNR). */
const flow = affinePath(linearSchedule());
const FLOW_NAMES = new Set(["FlowMatchEulerDiscreteScheduler:shift=3"]);
const STEPS = 6;

type GridMaker = (p: GaussianPath, steps: number) => Grid;
const KARRAS: GridMaker = (p, n) => karrasGrid(p, n);
const EXPONENTIAL: GridMaker = (p, n) => exponentialGrid(p, n);

/** What each name means, built by hand from the library's constructors: [sampler, grid or none]. */
const MEANING: Readonly<Record<string, () => readonly [Sampler, GridMaker?]>> = {
  // diffusers
  DDIMScheduler: () => [ddim()],
  "DDIMScheduler:eta=1": () => [ddim({ eta: 1 })],
  DDPMScheduler: () => [ddpm()],
  "DDPMScheduler:variance_type=fixed_large": () => [ddpm({ variance: "fixedLarge" })],
  PNDMScheduler: () => [pndm()],
  "PNDMScheduler:skip_prk_steps=true": () => [pndm({ warmup: "heun" })],
  EulerDiscreteScheduler: () => [euler({ variable: "sigma" })],
  "EulerDiscreteScheduler:use_karras_sigmas=true": () => [euler({ variable: "sigma" }), KARRAS],
  EulerAncestralDiscreteScheduler: () => [eulerAncestral()],
  HeunDiscreteScheduler: () => [heun({ variable: "sigma" })],
  "HeunDiscreteScheduler:use_exponential_sigmas=true": () => [heun({ variable: "sigma" }), EXPONENTIAL],
  LMSDiscreteScheduler: () => [lms({ order: 4, variable: "sigma" })],
  KDPM2DiscreteScheduler: () => [dpm2()],
  DPMSolverMultistepScheduler: () => [dpmSolverMultistep({ order: 2, lowerOrderFinal: { belowSteps: 15 } })],
  "DPMSolverMultistepScheduler:solver_order=3,algorithm_type=sde-dpmsolver++,use_karras_sigmas=true": () => [
    dpmSolverMultistep({ order: 3, thirdOrder: "halfTaylor", eta: 1, lowerOrderFinal: { belowSteps: 15 } }),
    KARRAS,
  ],
  "DPMSolverMultistepScheduler:solver_type=heun,lower_order_final=false": () => [
    dpmSolverMultistep({ order: 2, solverType: "taylor", lowerOrderFinal: false }),
  ],
  UniPCMultistepScheduler: () => [unipc()],
  "UniPCMultistepScheduler:solver_order=3,solver_type=bh1": () => [unipc({ order: 3, variant: "bh1" })],
  DEISMultistepScheduler: () => [deis({ order: 2, lowerOrderFinal: { belowSteps: 15 } })],
  FlowMatchEulerDiscreteScheduler: () => [euler()],
  "FlowMatchEulerDiscreteScheduler:shift=3": () => [euler(), (p, n) => shiftGrid(p, n, { shift: 3 })],
  EDMEulerScheduler: () => [euler({ variable: "sigma" }), KARRAS],
  // k-diffusion (the parity test's constructions)
  sample_euler: () => [euler({ variable: "sigma" })],
  sample_euler_ancestral: () => [eulerAncestral({ eta: 1 })],
  sample_heun: () => [heun({ variable: "sigma" })],
  "sample_heun:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003": () => [
    edmStochastic({ sChurn: 40, sTmin: 0.05, sTmax: 50, sNoise: 1.003, variable: "sigma" }),
  ],
  sample_dpm_2: () => [dpm2()],
  sample_lms: () => [lms({ order: 4, variable: "sigma" })],
  sample_dpmpp_2s_ancestral: () => [dpmSolverSinglestep({ eta: 1 })],
  dpmpp_2s_ancestral: () => [dpmSolverSinglestep({ eta: 1 })],
  sample_dpmpp_2m: () => [dpmSolverMultistep({ order: 2, lowerOrderFinal: false })],
  dpmpp_2m: () => [dpmSolverMultistep({ order: 2, lowerOrderFinal: false })],
  sample_dpmpp_2m_sde: () => [dpmSolverMultistep({ order: 2, eta: 1, lowerOrderFinal: false })],
  dpmpp_2m_sde: () => [dpmSolverMultistep({ order: 2, eta: 1, lowerOrderFinal: false })],
  "sample_dpmpp_2m_sde:solver_type=heun": () => [
    dpmSolverMultistep({ order: 2, eta: 1, solverType: "taylor", lowerOrderFinal: false }),
  ],
  sample_dpmpp_3m_sde: () => [
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
  ],
  dpmpp_3m_sde: () => [
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
  ],
  // UIs
  "Euler a": () => [eulerAncestral()],
  "LMS Karras": () => [lms({ variable: "sigma" }), KARRAS],
  "DPM2 Karras": () => [dpm2(), KARRAS],
  "DPM++ 2S a": () => [dpmSolverSinglestep({ eta: 1 })],
  "DPM++ 2S a Karras": () => [dpmSolverSinglestep({ eta: 1 }), KARRAS],
  "DPM++ 2M": () => [dpmSolverMultistep({ lowerOrderFinal: false })],
  "DPM++ 2M Karras": () => [dpmSolverMultistep({ lowerOrderFinal: false }), KARRAS],
  "DPM++ 2M SDE": () => [dpmSolverMultistep({ eta: 1, lowerOrderFinal: false })],
  "DPM++ 2M SDE Karras": () => [dpmSolverMultistep({ eta: 1, lowerOrderFinal: false }), KARRAS],
  "DPM++ 2M SDE Exponential": () => [dpmSolverMultistep({ eta: 1, lowerOrderFinal: false }), EXPONENTIAL],
  "DPM++ 2M SDE Heun": () => [dpmSolverMultistep({ eta: 1, solverType: "taylor", lowerOrderFinal: false })],
  "DPM++ 2M SDE Heun Karras": () => [
    dpmSolverMultistep({ eta: 1, solverType: "taylor", lowerOrderFinal: false }),
    KARRAS,
  ],
  "DPM++ 2M SDE Heun Exponential": () => [
    dpmSolverMultistep({ eta: 1, solverType: "taylor", lowerOrderFinal: false }),
    EXPONENTIAL,
  ],
  "DPM++ 3M SDE": () => [
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
  ],
  "DPM++ 3M SDE Karras": () => [
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
    KARRAS,
  ],
  "DPM++ 3M SDE Exponential": () => [
    dpmSolverMultistep({
      order: 3,
      eta: 1,
      solverType: "taylor",
      thirdOrder: "halfTaylor",
      lowerOrderFinal: false,
    }),
    EXPONENTIAL,
  ],
  PLMS: () => [pndm({ warmup: "heun" })],
  uni_pc_bh2: () => [unipc({ variant: "bh2" })],
};

/** Every state of a seeded 6-step run of `sampler` on `grid` with the mixture's exact denoiser. */
async function trajectory(sampler: Sampler, grid: Grid): Promise<Float64Array[]> {
  const states: Float64Array[] = [];
  await sample(GMM.denoiser(grid.path), {
    sampler,
    grid,
    batch: 3,
    dim: 2,
    seed: 5,
    onStep: (s) => void states.push(Float64Array.from(s.x)),
  });
  return states;
}

describe("sampler names of other tools", () => {
  it("the table above covers every alias and every documented use with parameters", () => {
    const names = registry.samplers.aliases.flatMap((a) => [a.name, ...(a.examples ?? [])]);
    for (const name of names) assert.ok(name in MEANING, `${name} has its meaning written out in this test`);
    for (const name of Object.keys(MEANING))
      assert.ok(registry.samplers.has(name.split(":")[0]!), `${name} is a registered name`);
  });

  for (const [name, meaning] of Object.entries(MEANING)) {
    it(`${name} gives the trajectory of what it means, and of its canonical name`, async () => {
      const path = FLOW_NAMES.has(name) ? flow : edm;
      const [expectedSampler, expectedGrid] = meaning();
      const expected = await trajectory(expectedSampler, (expectedGrid ?? uniformTimeGrid)(path, STEPS));
      const named = samplerByName(name);
      const got = await trajectory(named.sampler, (named.grid ?? uniformTimeGrid)(path, STEPS));
      assert.deepEqual(got, expected, `${name}: the same states at every node`);
      // The canonical texts the name resolves to, parsed again, give the same run.
      const r = named.resolution;
      const canonical = samplerByName(registry.samplers.format(r.choice));
      assert.equal(canonical.grid, undefined, "a canonical name implies no grid");
      const grid =
        r.grid === undefined
          ? uniformTimeGrid(path, STEPS)
          : registry.grids.build(registry.grids.format(r.grid), { path, steps: STEPS });
      assert.deepEqual(await trajectory(canonical.sampler, grid), expected, `${name}: its canonical name`);
    });
  }
});

interface KFixture {
  sigma_schedule: { n: number; sigma_min: number; sigma_max: number; rho: number };
  initial_x: number[][];
  initial_noise: number[][];
  injected_noise: { noise: number[][] }[] | null;
  final_sample: number[][];
}

describe("k-diffusion names reproduce k-diffusion's runs", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["sample_euler", "euler"],
    ["sample_heun", "heun"],
    ["sample_dpm_2", "dpm-2"],
    ["sample_lms", "lms"],
    ["sample_euler_ancestral", "euler-ancestral"],
    ["sample_dpmpp_2s_ancestral", "dpmpp-2s-ancestral"],
    ["sample_dpmpp_2m", "dpmpp-2m"],
    ["sample_dpmpp_2m_sde", "dpmpp-2m-sde"],
    ["sample_dpmpp_2m_sde:solver_type=heun", "dpmpp-2m-sde-heun"],
    ["sample_dpmpp_3m_sde", "dpmpp-3m-sde"],
    ["DPM++ 2M Karras", "dpmpp-2m"],
  ];
  const kpath = affinePath(edmSchedule({ sigmaMin: sigmaTilde(0.002), sigmaMax: sigmaTilde(80), rho: 7 }));
  for (const [name, fixture] of cases) {
    it(`${name} reproduces kdiffusion-${fixture}-karras-10.json's final sample`, async () => {
      const f = loadFixture<KFixture>(`kdiffusion-${fixture}-karras-10.json`);
      const { n, sigma_min, sigma_max, rho } = f.sigma_schedule;
      const named = samplerByName(name);
      const grid = karrasGrid(kpath, n, {
        sigmaMin: sigmaTilde(sigma_min),
        sigmaMax: sigmaTilde(sigma_max),
        rho,
      });
      const r = await sample(GMM.denoiser(kpath), {
        sampler: named.sampler,
        grid,
        x: flat(f.initial_x),
        noise: [flat(f.initial_noise), ...(f.injected_noise ?? []).map((d) => flat(d.noise))],
        dim: 2,
      });
      const err = relErr(r.x, flat(f.final_sample));
      assert.ok(err <= 1e-13, `${name}: final sample rel ${err} > 1e-13`);
    });
  }
});

describe("diffusers names build the sampler fromDiffusers uses", () => {
  const base: DiffusersConfig = { beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 };
  const cases: readonly (readonly [DiffusersScheduler, DiffusersConfig, string])[] = [
    ["EulerDiscreteScheduler", {}, "EulerDiscreteScheduler"],
    ["EulerAncestralDiscreteScheduler", {}, "EulerAncestralDiscreteScheduler"],
    ["HeunDiscreteScheduler", {}, "HeunDiscreteScheduler"],
    ["LMSDiscreteScheduler", {}, "LMSDiscreteScheduler"],
    ["DPMSolverMultistepScheduler", {}, "DPMSolverMultistepScheduler"],
    [
      "DPMSolverMultistepScheduler",
      { solver_order: 3, algorithm_type: "sde-dpmsolver++", solver_type: "heun" },
      "DPMSolverMultistepScheduler:solver_order=3,algorithm_type=sde-dpmsolver++,solver_type=heun",
    ],
    [
      "DPMSolverMultistepScheduler",
      { lower_order_final: false },
      "DPMSolverMultistepScheduler:lower_order_final=false",
    ],
    [
      "UniPCMultistepScheduler",
      { solver_order: 3, solver_type: "bh1" },
      "UniPCMultistepScheduler:solver_order=3,solver_type=bh1",
    ],
    ["DEISMultistepScheduler", { solver_order: 3 }, "DEISMultistepScheduler:solver_order=3"],
    ["PNDMScheduler", { skip_prk_steps: true }, "PNDMScheduler:skip_prk_steps=true"],
    ["PNDMScheduler", {}, "PNDMScheduler"],
  ];
  for (const [scheduler, config, name] of cases) {
    it(`${name} runs fromDiffusers(${scheduler})'s sampler step for step`, async () => {
      const setup = fromDiffusers(scheduler, { ...base, ...config }, 8);
      const run = async (sampler: Sampler) => {
        const states: Float64Array[] = [];
        await sample(GMM.denoiser(setup.path), {
          sampler,
          grid: setup.grid,
          batch: 3,
          dim: 2,
          seed: 2,
          onStep: (s) => void states.push(Float64Array.from(s.x)),
        });
        return states;
      };
      const ours = await run(samplerByName(name).sampler);
      const theirs = await run(setup.sampler);
      if (scheduler !== "DEISMultistepScheduler") {
        assert.deepEqual(ours, theirs, `${name}: every state`);
        return;
      }
      // fromDiffusers' DEIS reproduces diffusers' float32 coefficients (~1e-4 relative on a coefficient,
      // compat/diffusers.ts); the name gives the exact-coefficient DEIS on the same grid.
      assert.equal(ours.length, theirs.length, `${name}: number of states`);
      for (let k = 0; k < ours.length; k++) {
        const e = relErr(ours[k]!, theirs[k]!);
        assert.ok(e < 1e-5, `${name}: state ${k} differs by ${e} relative (float32 coefficients only)`);
      }
    });
  }
});
