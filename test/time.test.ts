import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type DiffusionTime,
  type Time,
  diffusionTime,
  diffusionTimeToTime,
  linearSchedule,
  logSnr,
  logSnrToSigma,
  sigmaTilde,
  sigmaToLogSnr,
  time,
  timeToDiffusionTime,
  timeToTrainStep,
  trainStep,
  trainStepToTime,
} from "../src/index.js";

describe("time conventions", () => {
  it("a DiffusionTime cannot be passed where a canonical Time is expected", () => {
    const takesTime = (t: Time): number => t;
    const s: DiffusionTime = diffusionTime(0.25);
    // @ts-expect-error DiffusionTime is a different convention (s = 1 − t)
    takesTime(s);
    // @ts-expect-error a Sigma is not a time either
    takesTime(sigmaTilde(1));
    // A plain number is a canonical time, and so is the adapter's output.
    assert.equal(takesTime(0.5), 0.5);
    assert.equal(takesTime(diffusionTimeToTime(s)), 0.75);
    // Schedules take canonical time.
    const schedule = linearSchedule();
    // @ts-expect-error schedules take canonical time, not diffusion time
    schedule.at(s);
  });

  it("canonical and diffusion time adapters are inverse (s = 1 − t)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (t) => {
        const s = timeToDiffusionTime(time(t));
        assert.equal(s, 1 - t);
        assert.ok(Math.abs(diffusionTimeToTime(s) - t) <= 1.2e-16);
      }),
    );
  });

  it("sigma and log-SNR adapters round-trip (λ = −2 log σ̃), including 0 and ∞", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-8, max: 1e8, noNaN: true }), (s) => {
        const l = sigmaToLogSnr(sigmaTilde(s));
        // exp∘log has condition number |log σ̃|.
        assert.ok(Math.abs(logSnrToSigma(l) - s) <= 4e-16 * s * (1 + Math.abs(Math.log(s))));
      }),
    );
    assert.equal(sigmaToLogSnr(sigmaTilde(0)), Number.POSITIVE_INFINITY);
    assert.equal(sigmaToLogSnr(sigmaTilde(Number.POSITIVE_INFINITY)), Number.NEGATIVE_INFINITY);
    assert.equal(logSnrToSigma(logSnr(Number.POSITIVE_INFINITY)), 0);
    assert.equal(sigmaToLogSnr(sigmaTilde(1)), -0);
  });

  it("train steps map to canonical time as t = 1 − (k + 1)/N and back", () => {
    assert.equal(trainStepToTime(trainStep(999), 1000), 0);
    assert.equal(trainStepToTime(trainStep(0), 1000), 0.999);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), (k) => {
        const t = trainStepToTime(trainStep(k), 1000);
        assert.ok(Math.abs(timeToTrainStep(t, 1000) - k) < 1e-9);
      }),
    );
  });

  it("rejects NaN, infinities and times outside [0, 1] with a message naming the argument", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -0.1, 1.5]) {
      assert.throws(() => time(bad), /time: t/);
    }
    assert.throws(() => diffusionTime(2), /diffusionTime: s = 2 is outside \[0, 1\]/);
    assert.throws(() => sigmaTilde(-1), /σ̃ must be ≥ 0/);
    assert.throws(() => trainStep(1.5), /non-negative integer/);
    assert.throws(() => trainStepToTime(trainStep(1000), 1000), /outside \[-1, 999\]/);
  });
});
