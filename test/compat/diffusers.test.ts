/**
 * Parity with diffusers (../shared/reference, copied to test/reference): every scheduler fixture
 * through `fromDiffusers` — timesteps and σ̃ exactly (fractional ones to 2 float32 ulps), the initial
 * sample, every model call's input, every step's state and the final sample to ≤ 1e-5 relative
 * (diffusers computes its coefficients in float32). Also a replay of the recorded network outputs
 * through `setup.model(net)`, which checks the timesteps the network is called with; DEIS's float32
 * coefficients against an independent float32 re-derivation (reference/make_deis_float32.py); and the
 * zero-SNR linear table, which diffusers' σ̃ schedulers accept, against the recorded diffusers table.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type DiffusersConfig,
  type DiffusersScheduler,
  diffusersDeisCoefficients,
  fromDiffusers,
  numpyLog32,
} from "../../src/compat/diffusers.js";
import { deis } from "../../src/sampler/deis.js";
import { sample } from "../../src/sampler/sample.js";
import { lagrangeIntegrals } from "../../src/sampler/variable.js";
import { flat, loadFixture, mixtureNoise, oracleOfKind, recording, relErr } from "../sampler/fixtures.js";

interface DStep {
  timestep: number;
  model_input: number[][];
  model_output: number[][];
  prev_sample: number[][];
  injected_noise: number[][][] | null;
}
interface DFixture {
  scheduler: DiffusersScheduler;
  constructor_kwargs: DiffusersConfig;
  num_inference_steps: number;
  step_kwargs: Record<string, number>;
  set_timesteps_kwargs: Record<string, number>;
  timesteps: number[];
  sigmas: number[] | null;
  init_noise_sigma: number;
  initial_noise: number[][];
  initial_sample: number[][];
  steps: DStep[];
  final_sample: number[][];
}

const FILES = readdirSync(new URL("../reference/", import.meta.url)).filter(
  (f) => f.startsWith("diffusers-") && !f.includes("alphas-cumprod"),
);

/** |a − b| ≤ n float32 ulps of b. */
function withinUlps(a: number, b: number, n: number): boolean {
  const ulp = b === 0 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(Math.abs(b))) - 23);
  return Math.abs(a - b) <= n * ulp;
}

/** Calls our run makes: diffusers' minus a dropped identity last step (entry 0 → ᾱ₀). */
function callsOf(f: DFixture): number {
  const identityLast =
    f.timesteps[f.timesteps.length - 1] === 0 && f.constructor_kwargs.set_alpha_to_one === false;
  return f.steps.length - (identityLast ? 1 : 0);
}

function setupOf(f: DFixture) {
  return fromDiffusers(f.scheduler, f.constructor_kwargs, f.num_inference_steps, {
    ...f.step_kwargs,
    ...f.set_timesteps_kwargs,
  });
}

describe("diffusers parity", () => {
  it("covers every diffusers scheduler fixture", () => {
    assert.equal(FILES.length, 28, `diffusers scheduler fixtures found: ${FILES.length}`);
  });

  for (const file of FILES) {
    it(`${file.replace(".json", "")}: timesteps, σ̃ and every state match diffusers`, async (t) => {
      const f = loadFixture<DFixture>(file);
      const setup = setupOf(f);
      // Timesteps and σ̃ (integers exactly; float32 values to 2 ulps).
      assert.equal(setup.timesteps.length, f.timesteps.length, "number of timesteps");
      f.timesteps.forEach((v, i) => {
        // Fractional (Karras) timesteps come from numpy's float32 log, ≤ 1 ulp off the correctly
        // rounded one on some table entries: that moves them by up to 3 float32 ulps.
        const ok = Number.isInteger(v) ? setup.timesteps[i] === v : withinUlps(setup.timesteps[i]!, v, 4);
        assert.ok(ok, `timesteps[${i}] = ${setup.timesteps[i]}, diffusers ${v}`);
      });
      if (f.sigmas === null) assert.equal(setup.sigmas, null, "no σ̃ for table schedulers");
      else {
        assert.equal(setup.sigmas!.length, f.sigmas.length, "number of σ̃");
        f.sigmas.forEach((v, i) => {
          assert.ok(
            withinUlps(setup.sigmas![i]!, v, 2),
            `sigmas[${i}] = ${setup.sigmas![i]}, diffusers ${v}`,
          );
        });
      }
      assert.ok(
        Math.abs(setup.initNoiseSigma - f.init_noise_sigma) <= 1e-7 * f.init_noise_sigma,
        `init_noise_sigma ${setup.initNoiseSigma}`,
      );
      const init = setup.initialState(flat(f.initial_noise)).map((v) => v * setup.sampleScale[0]!);
      assert.ok(relErr(init, flat(f.initial_sample)) <= 1e-7, "initial sample");
      // Run from diffusers' initial sample with its recorded noise.
      const rec = recording(oracleOfKind(setup.path, setup.kind));
      const noise = [
        flat(f.initial_noise),
        ...f.steps.filter((s) => s.injected_noise).map((s) => flat(s.injected_noise![0]!)),
      ];
      const states: Float64Array[] = [];
      const result = await sample(rec.model, {
        sampler: setup.sampler,
        grid: setup.grid,
        x: flat(f.initial_sample).map((v) => v / setup.sampleScale[0]!),
        noise,
        dim: 2,
        onStep: (s) => {
          if (s.index > 0) states.push(s.x.map((v) => v * setup.sampleScale[s.index]!));
        },
      });
      // A last step from table entry 0 to ᾱ₀ (set_alpha_to_one=False) is the identity and is dropped.
      let inputErr = 0;
      rec.calls.forEach((c, k) => {
        inputErr = Math.max(inputErr, relErr(c.x, flat(f.steps[k]!.model_input)));
      });
      assert.equal(rec.calls.length, callsOf(f), "model calls");
      // Per-step states where one call is one step (Heun and PNDM also call the model inside a step:
      // their inner states are the model inputs compared above).
      let stepErr = Number.NaN;
      if (states.length === rec.calls.length) {
        stepErr = 0;
        states.forEach((s, j) => {
          stepErr = Math.max(stepErr, relErr(s, flat(f.steps[j]!.prev_sample)));
        });
      }
      const finalErr = relErr(result.x, flat(f.final_sample));
      t.diagnostic(
        `inputs ${inputErr.toExponential(1)}, steps ${stepErr.toExponential(1)}, final ${finalErr.toExponential(1)}`,
      );
      assert.ok(inputErr <= 1e-5, `model inputs: rel ${inputErr}`);
      assert.ok(Number.isNaN(stepErr) || stepErr <= 1e-5, `step states: rel ${stepErr}`);
      assert.ok(finalErr <= 1e-5, `final sample: rel ${finalErr}`);
    });
  }

  it("a diffusers-style network is called with diffusers' timesteps and reproduces the run on replay", async () => {
    for (const file of FILES) {
      const f = loadFixture<DFixture>(file);
      const setup = setupOf(f);
      const seen: number[] = [];
      let k = 0;
      const model = setup.model((_input, timestep) => {
        seen.push(timestep);
        return flat(f.steps[k++]!.model_output);
      });
      const noise = [
        flat(f.initial_noise),
        ...f.steps.filter((s) => s.injected_noise).map((s) => flat(s.injected_noise![0]!)),
      ];
      const result = await sample(model, {
        sampler: setup.sampler,
        grid: setup.grid,
        x: setup.initialState(flat(f.initial_noise)),
        noise,
        dim: 2,
      });
      assert.equal(seen.length, callsOf(f), `${file}: number of network calls`);
      seen.forEach((v, i) => {
        assert.ok(
          withinUlps(v, f.timesteps[i]!, 4),
          `${file}: network call ${i} at timestep ${v}, diffusers ${f.timesteps[i]}`,
        );
      });
      assert.ok(relErr(result.x, flat(f.final_sample)) <= 1e-5, `${file}: replayed final sample`);
    }
  });

  it("unsupported options fail with a message naming the option and the fix", () => {
    const base = { beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 } as const;
    assert.throws(
      () => fromDiffusers("DDIMScheduler", { ...base, thresholding: true }, 10),
      /thresholding is not supported — set thresholding: false/,
    );
    assert.throws(
      () =>
        fromDiffusers("DPMSolverMultistepScheduler", { ...base, algorithm_type: "dpmsolver" as never }, 10),
      /algorithm_type "dpmsolver"/,
    );
    assert.throws(
      () => fromDiffusers("DDIMScheduler", { ...base, beta_shedule: "linear" }, 10),
      /unknown configuration key "beta_shedule"/,
    );
    assert.throws(
      () => fromDiffusers("DDPMScheduler", { ...base, variance_type: "learned" as never }, 10),
      /variance_type "learned"/,
    );
    assert.throws(() => fromDiffusers("KarrasVeScheduler" as never, base, 10), /not supported; use one of/);
  });

  it("clip_sample (diffusers' DDIM/DDPM default) clamps the predicted data", async () => {
    const setup = fromDiffusers(
      "DDIMScheduler",
      { beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 },
      5,
    );
    assert.equal(setup.kind, "data", "clipped models predict data");
    const model = setup.model((x) => x.map(() => 5)); // ε̂ = 5: x̂₀ far outside [−1, 1]
    const x = new Float64Array([0.3, -0.2]);
    const d = await model.predict(x, setup.grid.times[2]!, { batch: 1, dim: 2 });
    assert.ok(
      d.every((v) => Math.abs(v) <= 1),
      `clipped data ${Array.from(d)}`,
    );
  });
});

/** |a − b| in float32 ulps of b. */
function ulps(a: number, b: number): number {
  return Math.abs(a - b) / 2 ** (Math.floor(Math.log2(Math.abs(b))) - 23);
}

interface DeisStep {
  order: number;
  sigma: number[];
  rho: number[];
  log_rho: number[];
  coefficients: number[];
  x: number[][];
}
interface DeisCase {
  order: number;
  steps_count: number;
  sigmas: number[];
  initial_sample: number[][];
  steps: DeisStep[];
  final_sample: number[][];
}
const DEIS = loadFixture<{
  config: DiffusersConfig;
  cases: DeisCase[];
  log_check: { x: number[]; log: number[] };
}>("deis-float32.json");

describe("diffusers' DEIS in float32", () => {
  it("numpyLog32 reproduces numpy's float32 log bit for bit on a sweep and at its range-reduction switches", () => {
    const { x, log } = DEIS.log_check;
    let mismatches = 0;
    let correctlyRounded = 0;
    x.forEach((v, i) => {
      if (numpyLog32(v) !== log[i]) mismatches++;
      if (Math.fround(Math.log(v)) === log[i]) correctlyRounded++;
    });
    assert.equal(mismatches, 0, `${mismatches} of ${x.length} differ from numpy`);
    assert.ok(correctlyRounded < x.length, "numpy's log is not the correctly rounded one on these inputs");
    assert.equal(numpyLog32(1), 0, "log 1 = 0");
  });

  it("numpyLog32 stays within 4 float32 ulps of the logarithm", () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true }), (v) => {
        const l = Math.log(v);
        return Math.abs(l) < 1e-3 || ulps(numpyLog32(v), l) <= 4;
      }),
    );
  });

  it("the coefficients equal a float32 numpy/torch evaluation of the same update rules bit for bit", () => {
    for (const c of DEIS.cases) {
      for (const [i, s] of c.steps.entries()) {
        const k = diffusersDeisCoefficients(s.sigma);
        if (k.order === 1) {
          // torch's float32 exp in e^h − 1 is not correctly rounded: a few ulps there.
          assert.equal(k.scale, s.coefficients[0], `order ${c.order}, step ${i}: α_t/α_s`);
          assert.ok(ulps(-k.eps[0]!, s.coefficients[1]!) <= 8, `order ${c.order}, step ${i}: σ_t(e^h − 1)`);
        } else {
          assert.equal(k.order, s.order, `order ${c.order}, step ${i}: order`);
          assert.deepEqual(k.eps, s.coefficients, `order ${c.order}, step ${i}: coefficients`);
          assert.deepEqual(s.rho.map(numpyLog32), s.log_rho, `order ${c.order}, step ${i}: log ρ`);
        }
      }
    }
  });

  it("the float32 coefficients are the exact integrals ∫ℓⱼ(log ρ)dρ up to float32 cancellation (≤ 2e-3 relative)", () => {
    let worst = 0;
    for (const s of DEIS.cases[1]!.steps.filter((st) => st.order === 3)) {
      const [t, ...nodes] = s.rho;
      const exact = lagrangeIntegrals(nodes.map(Math.log), Math.log(nodes[0]!), Math.log(t!), Math.exp);
      s.coefficients.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - exact[j]!) / Math.abs(exact[j]!));
      });
    }
    assert.ok(worst > 1e-7 && worst <= 2e-3, `float32 vs exact coefficients: rel ${worst}`);
  });

  it("order 2 reproduces diffusers' own fixture to 1e-13 (float64 DEIS: 2.2e-6)", async () => {
    const f = loadFixture<{ initial_sample: number[][]; final_sample: number[][] }>(
      "diffusers-deis-o2-scaledlinear-eps-10.json",
    );
    const setup = fromDiffusers("DEISMultistepScheduler", DEIS.config, 10);
    const model = oracleOfKind(setup.path, "noise");
    const x = flat(f.initial_sample);
    const compat = await sample(model, { sampler: setup.sampler, grid: setup.grid, x, dim: 2 });
    const native = await sample(model, {
      sampler: deis({ order: 2, lowerOrderFinal: { belowSteps: 15 } }),
      grid: setup.grid,
      x,
      dim: 2,
    });
    const err = relErr(compat.x, flat(f.final_sample));
    assert.ok(err <= 1e-13, `compat DEIS: rel ${err}`);
    assert.ok(relErr(native.x, flat(f.final_sample)) > 1e-7, "the float64 DEIS differs at float32 level");
  });

  it("order 3 (20 steps) reproduces every state of the float32 re-derivation to 1e-13, where float64 DEIS is 3e-5 away", async () => {
    const c = DEIS.cases[1]!;
    const setup = fromDiffusers("DEISMultistepScheduler", { ...DEIS.config, solver_order: 3 }, 20);
    assert.deepEqual(Array.from(setup.sigmas!), c.sigmas, "σ̃ list");
    const model = oracleOfKind(setup.path, "noise");
    const run = async (sampler: typeof setup.sampler) => {
      const states: Float64Array[] = [];
      await sample(model, {
        sampler,
        grid: setup.grid,
        x: flat(c.initial_sample),
        dim: 2,
        onStep: (s) => {
          if (s.index > 0) states.push(s.x);
        },
      });
      return Math.max(...states.map((s, i) => relErr(s, flat(c.steps[i]!.x))));
    };
    const compat = await run(setup.sampler);
    const native = await run(deis({ order: 3, lowerOrderFinal: { belowSteps: 15 } }));
    assert.ok(compat <= 1e-13, `compat DEIS order 3: rel ${compat}`);
    assert.ok(native >= 1e-5, `float64 DEIS order 3: rel ${native}`);
  });
});

describe("zero-SNR linear betas (rescale_betas_zero_snr)", () => {
  const table = loadFixture<{ alphas_cumprod: number[] }>("diffusers-alphas-cumprod-linear-zsnr.json");
  const config: DiffusersConfig = {
    beta_schedule: "linear",
    rescale_betas_zero_snr: true,
    timestep_spacing: "trailing",
  };
  /** diffusers' σ̃ at integer timesteps: ((1 − ᾱ)/ᾱ)^½ in float32, ᾱ_{N−1} overridden with 2⁻²⁴. */
  const sigmaAt = (k: number) => {
    const a = k === 999 ? 2 ** -24 : table.alphas_cumprod[k]!;
    return Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a)));
  };

  it("the table's tail lies below the 2⁻²⁴ override (the case diffusers accepts)", () => {
    assert.ok(table.alphas_cumprod[998]! < 2 ** -24, `ᾱ₉₉₈ = ${table.alphas_cumprod[998]}`);
  });

  for (const scheduler of [
    "EulerDiscreteScheduler",
    "DPMSolverMultistepScheduler",
    "UniPCMultistepScheduler",
  ] as const) {
    it(`${scheduler} takes diffusers' timesteps and σ̃ and samples on them`, async () => {
      const setup = fromDiffusers(scheduler, config, 10);
      const ts = [999, 899, 799, 699, 599, 499, 399, 299, 199, 99];
      assert.deepEqual(Array.from(setup.timesteps), ts, "timesteps");
      assert.deepEqual(Array.from(setup.sigmas!), [...ts.map(sigmaAt), 0], "σ̃");
      setup.grid.sigmas.forEach((v, i) => {
        const want = setup.sigmas![i]!;
        assert.ok(Math.abs(v - want) <= 1e-13 * Math.max(want, 1), `grid σ̃[${i}] = ${v}, diffusers ${want}`);
      });
      const seen: number[] = [];
      const model = setup.model((input, timestep) => {
        seen.push(timestep);
        const i = ts.indexOf(timestep);
        // The network input is diffusers' scaled sample; the oracle at ᾱ = 1/(1 + σ̃²).
        return mixtureNoise(input, 1 / (1 + setup.sigmas![i]! ** 2));
      });
      const r = await sample(model, { sampler: setup.sampler, grid: setup.grid, seed: 1, batch: 4, dim: 2 });
      assert.deepEqual(seen, ts, "network timesteps");
      assert.ok(
        r.x.every((v) => Number.isFinite(v) && Math.abs(v) < 5),
        `samples ${Array.from(r.x)}`,
      );
    });
  }

  it("EulerDiscrete equals Euler in σ̃ on diffusers' σ̃ list written out", async () => {
    const setup = fromDiffusers("EulerDiscreteScheduler", config, 10);
    const sig = Array.from(setup.sigmas!);
    const z = Float64Array.from({ length: 12 }, (_, i) => Math.sin(3.7 * i + 1));
    const r = await sample(oracleOfKind(setup.path, "noise"), {
      sampler: setup.sampler,
      grid: setup.grid,
      x: setup.initialState(z),
      dim: 2,
    });
    // diffusers' sample x̃ = x/α starts at z·σ̃max; x̃ ← x̃ + (σ̃' − σ̃)·ε̂(x̃/√(σ̃² + 1)).
    let xt = z.map((v) => v * setup.initNoiseSigma);
    for (let i = 0; i + 1 < sig.length; i++) {
      const s = sig[i]!;
      const eps = mixtureNoise(
        xt.map((v) => v / Math.sqrt(s * s + 1)),
        1 / (1 + s * s),
      );
      xt = xt.map((v, j) => v + (sig[i + 1]! - s) * eps[j]!);
    }
    const err = relErr(r.x, xt);
    assert.ok(err <= 1e-10, `Euler on the zero-SNR table: rel ${err}`);
  });

  it("leading spacing starts above σ̃ of the override (ᾱ₉₉₆) and still steps down", () => {
    const setup = fromDiffusers("EulerDiscreteScheduler", { ...config, timestep_spacing: "leading" }, 250);
    assert.equal(setup.timesteps[0], 996, "first timestep");
    assert.ok(setup.sigmas![0]! > 4096, `σ̃max = ${setup.sigmas![0]}`);
  });

  it("a step count whose σ̃ list rises is refused, naming the σ̃, the timesteps and the fix", () => {
    assert.throws(
      () => fromDiffusers("EulerDiscreteScheduler", config, 300),
      /σ̃ does not fall from 4095\.99\d* at timestep 999 to 5088\.\d+ at timestep 996 .*use fewer inference steps/,
    );
  });
});

describe("fromDiffusers options", () => {
  it("solver_order defaults to 2 and must be 1, 2 or 3", () => {
    const base = { beta_schedule: "scaled_linear", beta_start: 0.00085, beta_end: 0.012 } as const;
    for (const scheduler of [
      "DPMSolverMultistepScheduler",
      "UniPCMultistepScheduler",
      "DEISMultistepScheduler",
    ] as const) {
      assert.match(fromDiffusers(scheduler, base, 10).sampler.name, /2m|order=2/, `${scheduler} default`);
      assert.match(fromDiffusers(scheduler, { ...base, solver_order: 3 }, 10).sampler.name, /3m|order=3/);
      assert.throws(
        () => fromDiffusers(scheduler, { ...base, solver_order: 4 }, 10),
        /fromDiffusers: solver_order 4 is not supported — use 1, 2 or 3/,
      );
    }
  });
});
