/**
 * Parity with diffusers (../shared/reference, copied to test/reference): every scheduler fixture
 * through `fromDiffusers` — timesteps and σ̃ exactly (fractional ones to 2 float32 ulps), the initial
 * sample, every model call's input, every step's state and the final sample to ≤ 1e-5 relative
 * (diffusers computes its coefficients in float32). Also a replay of the recorded network outputs
 * through `setup.model(net)`, which checks the timesteps the network is called with.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { type DiffusersConfig, type DiffusersScheduler, fromDiffusers } from "../../src/compat/diffusers.js";
import { sample } from "../../src/sampler/sample.js";
import { flat, loadFixture, oracleOfKind, recording, relErr } from "../sampler/fixtures.js";

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
