/**
 * Consumer of the installed package from plain Node ESM (no TypeScript, no loader): every entry
 * imports, computes, and agrees with closed forms; the Node entry finds its shipped data and loads the
 * autodiff engine.
 */
import assert from "node:assert/strict";
import {
  affinePath,
  cosineSchedule,
  dpmSolverMultistep,
  edmSchedule,
  gaussianMixture,
  karrasGrid,
  noiseToData,
  sample,
} from "difflux";
import { erf } from "difflux/extend";
import { jaxEngine, loadDataset, noiseToData as nodeNoiseToData } from "difflux/node";

// The hub: data = (xt − σ·ε)/α, exactly.
const level = cosineSchedule().at(0.4);
const xt = new Float64Array([0.3, -1.2]);
const eps = new Float64Array([0.5, -0.1]);
const data = noiseToData(eps, xt, level);
for (let i = 0; i < 2; i++) {
  const expected = (xt[i] - level.sigma * eps[i]) / level.alpha;
  assert.ok(Math.abs(data[i] - expected) <= 1e-15, `noiseToData[${i}] = ${data[i]}, closed form ${expected}`);
}
assert.equal(
  nodeNoiseToData,
  noiseToData,
  "difflux/node re-exports the core's functions (one module instance)",
);

// The building blocks: erf(1) = 0.8427007929497149 (to double precision).
assert.ok(Math.abs(erf(1) - 0.8427007929497149) <= 2e-16, `erf(1) = ${erf(1)}`);

// A sampler on the exact mixture oracle: modes at ±2 (standard deviation 0.5), so E|x| ≈ 2.
const mixture = gaussianMixture({ weights: [0.5, 0.5], means: [[-2], [2]], covariances: [0.25, 0.25] });
const path = affinePath(edmSchedule());
const { x } = await sample(mixture.denoiser(path), {
  sampler: dpmSolverMultistep({ order: 2 }),
  grid: karrasGrid(path, 50),
  seed: 0,
  batch: 256,
  dim: 1,
});
const meanAbs = Array.from(x).reduce((s, v) => s + Math.abs(v), 0) / x.length;
assert.ok(Math.abs(meanAbs - 2) < 0.15, `mean |x| of 256 samples is ${meanAbs}, expected ≈ 2`);

// The Node entry: shipped data and the autodiff engine (jax-js, wasm).
const digits = loadDataset("digits", { split: "heldout" });
assert.deepEqual(digits.shape, [360, 64], "the digits held-out split ships with the package");
const engine = await jaxEngine();
const device = engine.upload({ shape: [2], data: Float64Array.from([1.5, -2]) });
const back = engine.download(device);
device.dispose();
assert.deepEqual(Array.from(back.data), [1.5, -2], "jax-js round-trips a tensor");
console.log("esm: ok");
