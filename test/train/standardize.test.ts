import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../src/random/rng.js";
import {
  STANDARDIZATION_FLOOR,
  fitStandardization,
  standardizationLogDet,
  standardize,
  unstandardize,
} from "../../src/train/standardize.js";
import { assertClose } from "../helpers.js";

test("fitStandardization gives per-coordinate mean and population standard deviation; standardized data has mean 0 and variance 1 per coordinate", () => {
  const data = Float64Array.of(1, 10, 3, 30, 5, 20);
  const s = fitStandardization(data, 2);
  assert.deepEqual(s.mean, [3, 20]);
  assertClose(s.scale, [Math.sqrt(8 / 3), Math.sqrt(200 / 3)], { rtol: 1e-15 });
  const rng = new Rng(3);
  const cloud = Float32Array.from(
    { length: 3000 },
    (_, i) => (i % 3 === 2 ? 0.05 : 10) * rng.normal() + (i % 3),
  );
  const z = standardize(cloud, fitStandardization(cloud, 3));
  assert.ok(z instanceof Float32Array, "keeps the float type");
  for (let j = 0; j < 3; j++) {
    let m = 0;
    let v = 0;
    for (let i = j; i < z.length; i += 3) m += z[i]!;
    m /= 1000;
    for (let i = j; i < z.length; i += 3) v += (z[i]! - m) ** 2;
    assert.ok(
      Math.abs(m) < 1e-6 && Math.abs(v / 1000 - 1) < 1e-5,
      `coordinate ${j}: mean ${m}, variance ${v / 1000}`,
    );
  }
});

test("unstandardize inverts standardize for any data", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 6, maxLength: 60 }),
      fc.integer({ min: 1, max: 3 }),
      (values, dim) => {
        const n = values.length - (values.length % dim);
        const x = Float64Array.from(values.slice(0, n));
        const s = fitStandardization(x, dim);
        assertClose(unstandardize(standardize(x, s), s), x, {
          rtol: 1e-9,
          atol: 1e-9 * Math.max(...s.scale),
        });
      },
    ),
  );
});

test("a coordinate without spread is scaled by the floor, never divided by 0", () => {
  const s = fitStandardization(Float64Array.of(1, 5, 3, 5, 5, 5), 2);
  assert.equal(s.scale[1], STANDARDIZATION_FLOOR * s.scale[0]!);
  assert.deepEqual(fitStandardization(Float64Array.of(2, 2, 2, 2), 2).scale, [1, 1], "all constant: scale 1");
  assert.throws(
    () => fitStandardization(Float64Array.of(1, Number.NaN), 1),
    /fitStandardization: data holds non-finite values/,
  );
  assert.throws(
    () => standardize(Float64Array.of(1, 2, 3), { mean: [0, 0], scale: [1, 1] }),
    /standardize: x has length 3, not a multiple of dim = 2/,
  );
  assert.throws(
    () => unstandardize(Float64Array.of(1), { mean: [0], scale: [0] }),
    /standardization\.scale\[0\] = 0 must be a finite number > 0/,
  );
});

test("standardizationLogDet is the change of variables of densities: log N(x; μ, s²) = log N(z; 0, 1) − Σ log s", () => {
  const s = { mean: [1, -2, 0.5], scale: [3, 0.2, 7] };
  const x = Float64Array.of(2.5, -1.9, -4);
  const z = standardize(x, s);
  const logNormal = (v: number, m: number, sd: number) =>
    -0.5 * ((v - m) / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
  const direct = [0, 1, 2].reduce((acc, j) => acc + logNormal(x[j]!, s.mean[j]!, s.scale[j]!), 0);
  const viaZ = [0, 1, 2].reduce((acc, j) => acc + logNormal(z[j]!, 0, 1), 0) + standardizationLogDet(s);
  assertClose(viaZ, direct, { rtol: 1e-14 });
});
