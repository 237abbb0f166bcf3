import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  HELDOUT_STREAM_OFFSET,
  REFERENCE_GMM,
  sampleToy,
  TOY_NAMES,
  type ToyName,
  toyStream,
} from "../../src/train/datasets/toys.js";

const N = 20000;

/** Mean of each coordinate and of ‖x‖². */
function moments(x: Float64Array | Float32Array): { mx: number; my: number; r2: number } {
  const n = x.length / 2;
  let mx = 0;
  let my = 0;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    mx += x[2 * i]! / n;
    my += x[2 * i + 1]! / n;
    r2 += (x[2 * i]! ** 2 + x[2 * i + 1]! ** 2) / n;
  }
  return { mx, my, r2 };
}

function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(got - want) < tol, `${what}: ${got} vs ${want} (tolerance ${tol})`);
}

describe("toy datasets", () => {
  test("sample i of every toy is the same whatever n and the first index of the batch", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TOY_NAMES),
        fc.nat({ max: 1000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat({ max: 40 }),
        fc.constantFrom("train", "heldout") as fc.Arbitrary<"train" | "heldout">,
        (name, seed, n, first, split) => {
          const all = sampleToy(name, first + n, { seed, split });
          const part = sampleToy(name, n, { seed, split, first });
          assert.deepEqual(part, all.subarray(2 * first));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("train and held-out splits and different seeds give different points; the same seed repeats", () => {
    for (const name of TOY_NAMES) {
      const a = sampleToy(name, 100, { seed: 1 });
      assert.deepEqual(a, sampleToy(name, 100, { seed: 1, split: "train" }), name);
      assert.notDeepEqual(a, sampleToy(name, 100, { seed: 1, split: "heldout" }), name);
      assert.notDeepEqual(a, sampleToy(name, 100, { seed: 2 }), name);
    }
    assert.equal(toyStream("train", 5), 5);
    assert.equal(toyStream("heldout", 5), HELDOUT_STREAM_OFFSET + 5);
  });

  test("float32 samples are the float64 samples rounded", () => {
    for (const name of TOY_NAMES) {
      const f32 = sampleToy(name, 50, { seed: 3, dtype: "float32" });
      assert.ok(f32 instanceof Float32Array);
      assert.deepEqual(f32, Float32Array.from(sampleToy(name, 50, { seed: 3 })));
    }
  });

  test("moons has mean (0, 0.3) and every point within 5 noise deviations of its scaled arcs", () => {
    const x = sampleToy("moons", N, { seed: 0 });
    const { mx, my } = moments(x);
    // Upper arc mean (0, 2/π), lower (1, ½ − 2/π): average (½, ¼), then ×2 + (−1, −0.2).
    near(mx, 0, 0.02, "mean x");
    near(my, 0.3, 0.02, "mean y");
    for (let i = 0; i < N; i++) {
      const u = (x[2 * i]! + 1) / 2;
      const v = (x[2 * i + 1]! + 0.2) / 2;
      const dUpper = Math.abs(Math.hypot(u, v) - 1);
      const dLower = Math.abs(Math.hypot(u - 1, v - 0.5) - 1);
      // The noise is 0.1 per coordinate before scaling; 5 deviations is 0.5 (the ends of the arcs
      // are farther from the full circle only in the direction away from it, so this is a bound).
      assert.ok(
        Math.min(dUpper, dLower) < 0.5,
        `point ${i} (${x[2 * i]}, ${x[2 * i + 1]}) is off both moons`,
      );
    }
  });

  test("checkerboard fills the 8 even squares of [−4, 4]² uniformly and nothing else", () => {
    const x = sampleToy("checkerboard", N, { seed: 0 });
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const a = Math.floor(x[2 * i]! / 2);
      const b = Math.floor(x[2 * i + 1]! / 2);
      assert.ok(a >= -2 && a <= 1 && b >= -2 && b <= 1, `point ${i} outside [−4, 4]²`);
      assert.equal((((a + b) % 2) + 2) % 2, 0, `point ${i} in an odd square (${a}, ${b})`);
      counts.set(`${a},${b}`, (counts.get(`${a},${b}`) ?? 0) + 1);
    }
    assert.equal(counts.size, 8);
    // Each square holds N/8 = 2500 ± √(N·(1/8)(7/8)) ≈ ±47.
    for (const [k, c] of counts) near(c, N / 8, 250, `square ${k}`);
  });

  test("eight-gaussians puts std-0.354 Gaussians on the 8 points of the radius-2.83 circle", () => {
    const x = sampleToy("eight-gaussians", N, { seed: 0 });
    const r = 4 / Math.SQRT2;
    let resid2 = 0;
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < N; i++) {
      const k = ((Math.round(Math.atan2(x[2 * i + 1]!, x[2 * i]!) / (Math.PI / 4)) % 8) + 8) % 8;
      counts[k]!++;
      const dx = x[2 * i]! - r * Math.cos((k * Math.PI) / 4);
      const dy = x[2 * i + 1]! - r * Math.sin((k * Math.PI) / 4);
      resid2 += (dx * dx + dy * dy) / (2 * N);
    }
    near(Math.sqrt(resid2), 0.5 / Math.SQRT2, 0.01, "within-component std");
    for (const c of counts) near(c, N / 8, 250, "component count");
  });

  test("swiss-roll matches its closed-form moments E x = 2/5, E y = 2/(15π), E‖x‖² = (9.75π² + 2)/25", () => {
    const { mx, my, r2 } = moments(sampleToy("swiss-roll", N, { seed: 0 }));
    // t ~ U[1.5π, 4.5π]: E[t cos t] = 6π/3π = 2, E[t sin t] = 2/(3π), E[t²] = 9.75π²; noise N(0, 1)/5.
    near(mx, 2 / 5, 0.03, "mean x");
    near(my, 2 / (15 * Math.PI), 0.03, "mean y");
    near(r2, (9.75 * Math.PI ** 2 + 2) / 25, 0.05, "E‖x‖²");
  });

  test("rings lie on radii 0.75, 1.5, 2.25 and 3 with noise 0.08, equally often", () => {
    const x = sampleToy("rings", N, { seed: 0 });
    const counts = [0, 0, 0, 0];
    let resid2 = 0;
    for (let i = 0; i < N; i++) {
      const rho = Math.hypot(x[2 * i]!, x[2 * i + 1]!);
      const k = Math.min(3, Math.max(0, Math.round(rho / 0.75) - 1));
      counts[k]!++;
      resid2 += (rho - 0.75 * (k + 1)) ** 2 / N;
    }
    // The radial residual of isotropic noise 0.08 on a ring of radius ≫ 0.08 has std ≈ 0.08.
    near(Math.sqrt(resid2), 0.08, 0.005, "radial std");
    for (const c of counts) near(c, N / 4, 300, "ring count");
    const { mx, my } = moments(x);
    near(mx, 0, 0.04, "mean x");
    near(my, 0, 0.04, "mean y");
  });

  test("gmm has the reference mixture's mean Σ wₖμₖ = (−0.4, −0.2) and second moment Σ wₖ‖μₖ‖² + 2s²", () => {
    const { mx, my, r2 } = moments(sampleToy("gmm", N, { seed: 0 }));
    const { weights: w, means: mu, std } = REFERENCE_GMM;
    near(mx, w[0] * mu[0][0] + w[1] * mu[1][0] + w[2] * mu[2][0], 0.04, "mean x");
    near(my, w[0] * mu[0][1] + w[1] * mu[1][1] + w[2] * mu[2][1], 0.04, "mean y");
    const er2 = w.reduce((s, wk, k) => s + wk * (mu[k]![0] ** 2 + mu[k]![1] ** 2), 0) + 2 * std ** 2;
    near(r2, er2, 0.08, "E‖x‖²");
  });

  test("sampleToy names an unknown toy and lists the known ones, and rejects a bad n or first", () => {
    assert.throws(
      () => sampleToy("spirals" as ToyName, 3, { seed: 0 }),
      /sampleToy: unknown toy 'spirals'; use one of moons, checkerboard, eight-gaussians, swiss-roll, rings, gmm/,
    );
    assert.throws(
      () => sampleToy("moons", -1, { seed: 0 }),
      /sampleToy: n must be a non-negative integer, got -1/,
    );
    assert.throws(
      () => sampleToy("moons", 2, { seed: 0, first: 0.5 }),
      /first must be a non-negative integer/,
    );
    assert.throws(() => sampleToy("moons", 2, { seed: -3 }), /seed must be a non-negative safe integer/);
    assert.equal(sampleToy("moons", 0, { seed: 0 }).length, 0);
  });
});
