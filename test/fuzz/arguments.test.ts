/**
 * fast-check over the size and value arguments of the public API: step counts, batches, dims, sample
 * counts, mixture parameters and far-out inputs. Every call returns a sound value or throws a
 * RangeError/TypeError that names the function — never an out-of-memory abort, a raw "Invalid typed
 * array length", or NaN — and the process's peak memory stays bounded per property (memory.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import * as D from "../../src/index.js";
import { checkAllocation, checkCount, MAX_ALLOCATION_BYTES } from "../../src/array.js";
import { type MemoryCase, runBounded } from "./memory.js";

const RUNS = 60;
const path = D.affinePath(D.linearSchedule());
const edm = D.affinePath(D.edmSchedule());
const mixture = D.gaussianMixture({ weights: [0.5, 0.5], means: [[-1], [1]], covariances: 0.1 });

/** A size argument: usually valid and small, else absurd, negative, fractional or not finite. */
const size = (validMax: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: validMax }) },
    fc.integer({ min: -5, max: 0 }),
    fc.integer({ min: 10 ** 9, max: Number.MAX_SAFE_INTEGER }),
    // Doubles that are not a moderate positive integer (a valid 1e8 would allocate for real).
    fc.double().filter((v) => !(Number.isInteger(v) && v > 0 && v < 1e9)),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 2.5, 1e300),
  );

/** Asserts `err` is a RangeError or TypeError whose message starts with one of `names`. */
function named(err: unknown, ...names: string[]): true {
  assert.ok(
    err instanceof RangeError || err instanceof TypeError,
    `expected a RangeError/TypeError, got ${String(err)}`,
  );
  assert.ok(
    names.some((n) => err.message.startsWith(`${n}:`)),
    `the error names none of ${names.join(", ")}: "${err.message}"`,
  );
  assert.doesNotMatch(err.message, /Invalid typed array length|allocation failed|call stack/);
  return true;
}

const grids: readonly [string, (steps: number) => D.Grid, readonly string[]][] = [
  ["uniformTimeGrid", (n) => D.uniformTimeGrid(path, n), ["uniformTimeGrid"]],
  ["timeQuadraticGrid", (n) => D.timeQuadraticGrid(path, n), ["timeQuadraticGrid"]],
  ["karrasGrid", (n) => D.karrasGrid(edm, n), ["karrasGrid"]],
  ["exponentialGrid", (n) => D.exponentialGrid(edm, n), ["exponentialGrid"]],
  ["uniformLogSnrGrid", (n) => D.uniformLogSnrGrid(path, n), ["uniformLogSnrGrid", "exponentialGrid"]],
  ["edmGrid", (n) => D.edmGrid(edm, n), ["edmGrid", "karrasGrid"]],
  ["shiftGrid", (n) => D.shiftGrid(path, n, { shift: 3 }), ["shiftGrid", "uniformTimeGrid"]],
];

describe("argument fuzzing", () => {
  test("sizes, counts and values are refused by name or give sound results, with bounded memory", async (t) => {
    const cases: MemoryCase[] = [
      {
        name: "grid step counts",
        mib: 64,
        body: () =>
          fc.assert(
            fc.property(fc.constantFrom(...grids), size(40), ([, grid, names], steps) => {
              try {
                const g = grid(steps);
                assert.ok(
                  Number.isInteger(steps) && steps >= 1 && steps <= D.MAX_GRID_STEPS,
                  `accepted steps = ${steps}`,
                );
                assert.ok(g.times.length <= steps + 2, "no more nodes than steps + data end");
              } catch (err) {
                named(err, ...names);
              }
            }),
            { numRuns: RUNS * 3 },
          ),
      },
      {
        name: "sample batch and dim",
        mib: 64,
        body: () =>
          fc.assert(
            fc.asyncProperty(size(8), size(3), async (batch, dim) => {
              const model = D.gaussianMixture({ weights: [1], means: [[0]], covariances: 1 }).denoiser(path);
              try {
                const r = await D.sample(model, { sampler: D.euler(), steps: 2, seed: 1, batch, dim: 1 });
                assert.equal(r.x.length, batch, "one row per sample");
                assert.ok(r.x.every(Number.isFinite), "finite samples");
              } catch (err) {
                named(err, "sample");
              }
              try {
                await D.sample(model, { sampler: D.euler(), steps: 2, seed: 1, batch: 1, dim });
              } catch (err) {
                named(err, "sample", "gaussianMixture.denoiser");
              }
            }),
            { numRuns: RUNS },
          ),
      },
      {
        name: "sample counts of generators",
        mib: 64,
        body: () =>
          fc.assert(
            fc.property(size(50), (n) => {
              for (const [fn, draw] of [
                ["gaussianMixture.sample", () => mixture.sample(new D.Rng(1), n)],
                ["Rng.permutation", () => new D.Rng(1).permutation(n)],
                ["sampleToy", () => D.sampleToy("moons", n, { seed: 1 })],
                ["adaptiveWeighting", () => D.adaptiveWeighting({ bins: n })],
                ["brownianMotion", () => D.brownianMotion({ sigma: 1, dim: n })],
                ["gaussian", () => D.gaussian({ mean: 0, cov: 1, dim: n })],
              ] as const) {
                try {
                  draw();
                } catch (err) {
                  named(err, fn);
                }
              }
            }),
            { numRuns: RUNS },
          ),
      },
      {
        name: "mixture parameters",
        mib: 64,
        body: () =>
          fc.assert(
            fc.property(
              fc.array(fc.double(), { minLength: 1, maxLength: 3 }),
              fc.array(fc.array(fc.double(), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 3 }),
              fc.double(),
              (weights, means, variance) => {
                let m: D.GaussianMixture;
                try {
                  m = D.gaussianMixture({
                    weights,
                    means: means.slice(0, weights.length),
                    covariances: variance,
                  });
                } catch (err) {
                  return named(err, "gaussianMixture");
                }
                assert.ok(m.weights.every(Number.isFinite), "accepted weights are finite");
                assert.ok(
                  m.means.every((row) => row.every(Number.isFinite)),
                  "accepted means are finite",
                );
                return true;
              },
            ),
            { numRuns: RUNS * 3 },
          ),
      },
      {
        name: "mixture far out",
        mib: 64,
        body: () =>
          fc.assert(
            fc.property(
              fc.double({ min: -1.7e308, max: 1.7e308, noNaN: true }),
              fc.double({ min: 0.01, max: 0.99, noNaN: true }),
              (x, time) => {
                const on = mixture.on(path);
                const xs = Float64Array.of(x);
                const mean = on.posteriorMean(time, xs)[0]!;
                const divergence = on.posteriorMeanDivergence(time, xs)[0]!;
                const score = on.score(time, xs)[0]!;
                assert.ok(Number.isFinite(mean), `E[data | x = ${x}] = ${mean}`);
                assert.ok(Number.isFinite(divergence), `divergence at x = ${x} is ${divergence}`);
                assert.ok(!Number.isNaN(score), `score at x = ${x} is NaN`);
                assert.ok(!Number.isNaN(on.logProb(time, xs)[0]!), `log p at x = ${x} is NaN`);
              },
            ),
            { numRuns: RUNS * 3 },
          ),
      },
      {
        name: "schedule specs",
        mib: 64,
        body: () =>
          fc.assert(
            fc.property(
              fc.integer({ min: 0, max: 200 }),
              fc.double({ min: 0.1, max: 10, noNaN: true }),
              (depth, shift) => {
                let spec: unknown = { family: "linear" };
                for (let k = 0; k < depth; k++) spec = { family: "shifted", base: spec, shift, exponent: 1 };
                try {
                  D.scheduleFromSpec(spec as never);
                  assert.ok(depth <= D.MAX_SCHEDULE_SPEC_DEPTH + 1, `accepted depth ${depth}`);
                } catch (err) {
                  named(err, "scheduleFromSpec", "shiftedSchedule");
                }
              },
            ),
            { numRuns: RUNS },
          ),
      },
    ];
    for (const r of await runBounded(cases))
      t.diagnostic(`${r.name}: peak +${r.riseMib.toFixed(1)} MiB, ${r.ms.toFixed(0)} ms`);
  });

  test("checkCount accepts exactly the integers in [min, max] and names the argument otherwise", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), fc.integer({ min: 0, max: 10 }), (v, min) => {
        const ok = Number.isInteger(v) && v >= min && v <= 1000;
        try {
          assert.equal(checkCount("f", "n", v, min, 1000), v);
          assert.ok(ok, `accepted ${v}`);
        } catch (err) {
          assert.ok(!ok, `refused ${v}`);
          assert.match((err as Error).message, /^f: n /);
        }
      }),
    );
    assert.throws(() => checkCount("f", "n", "3"), /^RangeError: f: n must be an integer ≥ 0, got 3$/);
  });

  test("checkAllocation refuses exactly the arrays above MAX_ALLOCATION_BYTES", () => {
    checkAllocation("f", "n", MAX_ALLOCATION_BYTES / 8);
    checkAllocation("f", "n", MAX_ALLOCATION_BYTES, 1);
    assert.throws(
      () => checkAllocation("f", "n", MAX_ALLOCATION_BYTES / 8 + 1),
      /^RangeError: f: n = 268435457 would allocate 2\.0 GiB/,
    );
    assert.throws(
      () => checkAllocation("f", "batch × dim", -4),
      /^RangeError: f: batch × dim = -4 is not a non-negative/,
    );
    assert.throws(() => checkAllocation("f", "n", Number.NaN), /f: n = NaN/);
  });
});
