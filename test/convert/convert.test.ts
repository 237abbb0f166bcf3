import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  KINDS,
  type Kind,
  type NoiseLevel,
  Rng,
  affinePath,
  convert,
  conversionCoefficients,
  cosineSchedule,
  dataAndNoiseToXt,
  dataToDrift,
  dataToNoise,
  dataToScore,
  dataToV,
  dataToVelocity,
  driftToData,
  linearSchedule,
  noiseToData,
  noiseToScore,
  noiseToV,
  noiseToVelocity,
  scoreToData,
  scoreToNoise,
  scoreToVelocity,
  vToData,
  vToNoise,
  vToVelocity,
  velocityToData,
  velocityToNoise,
  velocityToScore,
  velocityToV,
  vpSchedule,
} from "../../src/index.js";
import { basisOf, derivative } from "../../src/extend.js";
import { allSchedules, assertClose, relError } from "../helpers.js";

const dim = 3;
const batch = 4;

function draw(seed: number): { data: Float64Array; noise: Float64Array } {
  const rng = new Rng(seed);
  return {
    data: rng.fillNormal(new Float64Array(batch * dim)),
    noise: rng.fillNormal(new Float64Array(batch * dim)),
  };
}

/** The exact value of `kind` for (data, noise) at a level, from its definition (not the hub). */
function exact(kind: Kind, data: Float64Array, noise: Float64Array, l: NoiseLevel, g2: number): Float64Array {
  return data.map((d, i) => {
    const e = noise[i]!;
    switch (kind) {
      case "data":
        return d;
      case "noise":
        return e;
      case "score":
        return -e / l.sigma;
      case "velocity":
        return l.dAlpha * d + l.dSigma * e;
      case "v":
        return l.alpha * e - l.sigma * d;
      default:
        return l.dAlpha * d + l.dSigma * e + (g2 / 2) * (-e / l.sigma);
    }
  });
}

describe("the conversion hub: round trips", () => {
  for (const schedule of allSchedules()) {
    it(`${schedule.name}: every ordered pair of kinds round-trips to 1e-12 (Float64) on [tMin, tMax]`, () => {
      fc.assert(
        fc.property(
          fc.double({ min: schedule.tMin, max: schedule.tMax, noNaN: true }),
          fc.integer({ min: 0, max: 1000 }),
          (t, seed) => {
            const level = schedule.at(t);
            const { data, noise } = draw(seed);
            const xt = dataAndNoiseToXt(data, noise, level);
            const g2 = 0.7;
            for (const from of KINDS) {
              const value = exact(from, data, noise, level, g2);
              for (const to of KINDS) {
                const there = convert(value, from, to, xt, level, { g2 });
                const back = convert(there, to, from, xt, level, { g2 });
                const err = relError(back, value);
                if (!(err <= 1e-12)) throw new Error(`${from}→${to}→${from} at t=${t}: ${err}`);
              }
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it("Float32 round trips stay within float32 rounding times the pair's conditioning (≤ 1e-5 where |λ| ≤ 8)", () => {
    for (const schedule of allSchedules()) {
      for (let i = 0; i <= 40; i++) {
        const t = schedule.tMin + ((schedule.tMax - schedule.tMin) * i) / 40;
        const level = schedule.at(t);
        const lambda = schedule.logSnr(t);
        const { data, noise } = draw(i);
        const xt = Float32Array.from(dataAndNoiseToXt(data, noise, level));
        for (const from of KINDS) {
          const value = Float32Array.from(exact(from, data, noise, level, 0.5));
          for (const to of KINDS) {
            const back = convert(convert(value, from, to, xt, level, { g2: 0.5 }), to, from, xt, level, {
              g2: 0.5,
            });
            assert.ok(back instanceof Float32Array);
            const err = relError(back, value);
            // Conditioning of a round trip through the (data, noise) solve: at most e^{|λ|/2} + 1.
            const bound = 2 ** -23 * 4 * (Math.exp(Math.abs(lambda) / 2) + 1);
            assert.ok(
              err <= bound,
              `${schedule.name} ${from}→${to}→${from} at t=${t} (λ=${lambda}): ${err} > ${bound}`,
            );
            if (Math.abs(lambda) <= 8) assert.ok(err <= 1e-5, `${schedule.name} ${from}→${to}: ${err}`);
          }
        }
      }
    }
  });
});

describe("the conversion hub: closed forms and path consistency", () => {
  it("every conversion equals the kind's definition in (data, noise) exactly", () => {
    const schedule = vpSchedule();
    const level = schedule.at(0.4);
    const { data, noise } = draw(1);
    const xt = dataAndNoiseToXt(data, noise, level);
    for (const from of KINDS)
      for (const to of KINDS) {
        const got = convert(exact(from, data, noise, level, 1.3), from, to, xt, level, { g2: 1.3 });
        assertClose(got, exact(to, data, noise, level, 1.3), {
          rtol: 1e-12,
          atol: 1e-12,
          message: `${from}→${to}`,
        });
      }
  });

  it("the named functions agree with convert and with the textbook formulas", () => {
    const level = cosineSchedule().at(0.3);
    const { alpha: a, sigma: s, dAlpha: da, dSigma: ds } = level;
    const { data, noise } = draw(2);
    const xt = dataAndNoiseToXt(data, noise, level);
    const v = exact("v", data, noise, level, 0);
    const u = exact("velocity", data, noise, level, 0);
    const sc = exact("score", data, noise, level, 0);
    assertClose(
      noiseToData(noise, xt, level),
      data.map((_, i) => (xt[i]! - s * noise[i]!) / a),
      { rtol: 1e-13 },
    );
    assertClose(dataToNoise(data, xt, level), noise, { rtol: 1e-12, atol: 1e-14 });
    assertClose(
      scoreToData(sc, xt, level),
      data.map((_, i) => (xt[i]! + s * s * sc[i]!) / a),
      { rtol: 1e-12 },
    );
    assertClose(
      vToData(v, xt, level),
      data.map((_, i) => (a * xt[i]! - s * v[i]!) / (a * a + s * s)),
      { rtol: 1e-12 },
    );
    assertClose(
      vToNoise(v, xt, level),
      noise.map((_, i) => (s * xt[i]! + a * v[i]!) / (a * a + s * s)),
      { rtol: 1e-12 },
    );
    assertClose(
      noiseToVelocity(noise, xt, level),
      noise.map((e, i) => (ds - (da * s) / a) * e + (da / a) * xt[i]!),
      { rtol: 1e-12 },
    );
    assertClose(
      noiseToScore(noise, xt, level),
      noise.map((e) => -e / s),
      { rtol: 1e-15 },
    );
    assertClose(scoreToNoise(sc, xt, level), noise, { rtol: 1e-12, atol: 1e-15 });
    const pairs: [
      (x: Float64Array, y: Float64Array, l: NoiseLevel) => Float64Array,
      Kind,
      Kind,
      Float64Array,
    ][] = [
      [dataToScore, "data", "score", data],
      [dataToVelocity, "data", "velocity", data],
      [dataToV, "data", "v", data],
      [velocityToData, "velocity", "data", u],
      [velocityToNoise, "velocity", "noise", u],
      [velocityToScore, "velocity", "score", u],
      [velocityToV, "velocity", "v", u],
      [scoreToVelocity, "score", "velocity", sc],
      [noiseToV, "noise", "v", noise],
      [vToVelocity, "v", "velocity", v],
    ];
    for (const [f, from, to, value] of pairs) {
      assert.deepEqual(f(value, xt, level), convert(value, from, to, xt, level), `${from}→${to}`);
    }
    assertClose(driftToData(dataToDrift(data, xt, level, 0.9), xt, level, 0.9), data, {
      rtol: 1e-12,
      atol: 1e-14,
    });
  });

  it("velocity equals the time derivative of the path α(t)·data + σ(t)·noise", () => {
    for (const schedule of allSchedules()) {
      if ("alphasCumprod" in schedule) continue;
      const { data, noise } = draw(3);
      for (const t of [0.25, 0.5, 0.75]) {
        const level = schedule.at(t);
        const xt = dataAndNoiseToXt(data, noise, level);
        const fromNoise = noiseToVelocity(noise, xt, level);
        const fd = data.map((_, i) =>
          derivative(
            (u) => {
              const l = schedule.at(u);
              return l.alpha * data[i]! + l.sigma * noise[i]!;
            },
            t,
            1e-4,
          ),
        );
        assertClose(fromNoise, fd, { rtol: 1e-7, atol: 1e-8, message: `${schedule.name} t=${t}` });
      }
    }
  });

  it("drift with the forward SDE's g² is the classic reverse-SDE drift f·x − g²·score, turned to canonical time", () => {
    for (const schedule of allSchedules()) {
      const t = 0.5;
      const level = schedule.at(t);
      const { f, g2 } = schedule.sde(t);
      const { data, noise } = draw(4);
      const xt = dataAndNoiseToXt(data, noise, level);
      const score = exact("score", data, noise, level, 0);
      const drift = convert(score, "score", "drift", xt, level, { g2 });
      // Reverse SDE in diffusion time s runs with ds < 0: dx = [f x − g² ∇log p] ds + g dW̄.
      // In canonical time dt = −ds: dx/dt = −(f x − g² ∇log p).
      const classic = xt.map((x, i) => -(f * x - g2 * score[i]!));
      assertClose(drift, classic, { rtol: 1e-10, atol: 1e-10, message: schedule.name });
    }
  });

  it("noise → data recovers the data exactly from xₜ = α·data + σ·noise on every path", () => {
    for (const schedule of allSchedules()) {
      const path = affinePath(schedule);
      const slice = path.slice(0.6);
      const { data, noise } = draw(5);
      const xt = slice.sample(data, noise);
      assertClose(slice.convert(noise, "noise", "data", xt), data, {
        rtol: 1e-12,
        atol: 1e-13,
        message: schedule.name,
      });
    }
  });

  it("is finite for every pair at tMin and tMax", () => {
    for (const schedule of allSchedules()) {
      for (const t of [schedule.tMin, schedule.tMax]) {
        const level = schedule.at(t);
        for (const from of KINDS)
          for (const to of KINDS) {
            const [p, q] = conversionCoefficients(from, to, level, { g2: 1 });
            assert.ok(Number.isFinite(p) && Number.isFinite(q), `${schedule.name} ${from}→${to} at ${t}`);
          }
      }
    }
  });
});

describe("the conversion hub: singular points and bad input", () => {
  const lin = linearSchedule();
  const x = new Float64Array([1, 2]);

  it("noise → data at α = 0 throws naming the conversion, the level and the fix", () => {
    assert.throws(
      () => noiseToData(x, x, lin.at(0)),
      /noiseToData: alpha is 0 at t=0 \(pure noise\); data cannot be recovered from noise there — use a grid that starts after the schedule.s tMin/,
    );
  });

  it("data → noise and → score at σ = 0 throw; velocity → data at α = 0 is fine", () => {
    assert.throws(() => dataToNoise(x, x, lin.at(1)), /sigma is 0 at t=1 \(clean data\)/);
    assert.throws(() => dataToScore(x, x, lin.at(1)), /sigma is 0 at t=1/);
    assert.throws(() => convert(x, "data", "drift", x, lin.at(1), { g2: 1 }), /sigma is 0/);
    // velocity = data − noise on the linear path; at t = 0, xₜ = noise so data = velocity + xₜ.
    assert.deepEqual(velocityToData(x, new Float64Array([3, 4]), lin.at(0)), new Float64Array([4, 6]));
    // data → velocity at α = 0: u = data − xₜ.
    assert.deepEqual(dataToVelocity(x, new Float64Array([3, 4]), lin.at(0)), new Float64Array([-2, -2]));
  });

  it("converts empty arrays to empty arrays of the same type", () => {
    const level = lin.at(0.5);
    const r32 = convert(new Float32Array(0), "noise", "velocity", new Float32Array(0), level);
    assert.ok(r32 instanceof Float32Array && r32.length === 0, "an empty Float32Array");
    assert.deepEqual(noiseToData(new Float64Array(0), new Float64Array(0), level), new Float64Array(0));
  });

  it("an identity conversion copies, even at a singular level", () => {
    assert.deepEqual(convert(x, "noise", "noise", x, lin.at(0)), x);
  });

  it("returns the input's array type, writes into out, and allows out to alias the input", () => {
    const level = lin.at(0.5);
    const v32 = new Float32Array([1, 2, 3]);
    const x32 = new Float32Array([0.5, 0.5, 0.5]);
    const r = convert(v32, "noise", "data", x32, level);
    assert.ok(r instanceof Float32Array);
    const expected = convert(Float64Array.from(v32), "noise", "data", Float64Array.from(x32), level);
    convert(v32, "noise", "data", x32, level, { out: v32 });
    assertClose(v32, expected, { rtol: 1e-7 });
  });

  it("rejects mismatched lengths, wrong types, unknown kinds and a missing g2", () => {
    const level = lin.at(0.5);
    assert.throws(
      () => convert(new Float64Array(3), "noise", "data", new Float64Array(2), level),
      /xt has length 2 but value has length 3/,
    );
    assert.throws(
      () => convert([1, 2] as never, "noise", "data", x, level),
      /value must be a Float32Array or Float64Array, got Array/,
    );
    assert.throws(() => convert(x, "eps" as never, "data", x, level), /from must be one of "data", "noise"/);
    assert.throws(
      () => convert(x, "data", undefined as never, x, level),
      /to must be one of "data", "noise".*got undefined/,
    );
    assert.throws(() => convert(x, "drift", "data", x, level), /kind "drift" needs options.g2/);
    assert.throws(() => convert(x, "drift", "data", x, level, { g2: -1 }), /g2 must be a finite number ≥ 0/);
    assert.throws(
      () =>
        convert(new Float32Array(2), "noise", "data", new Float32Array(2), level, {
          out: new Float64Array(2) as never,
        }),
      /out is a Float64Array but the input is a Float32Array/,
    );
    assert.throws(
      () => convert(x, "noise", "data", x, { t: 0.5, alpha: Number.NaN, sigma: 1, dAlpha: 0, dSigma: 0 }),
      /alpha = NaN/,
    );
  });

  it("basisOf gives each kind's (data, noise) coefficients", () => {
    const l = { t: 0.5, alpha: 0.6, sigma: 0.8, dAlpha: 1.1, dSigma: -0.9 };
    assert.deepEqual(basisOf("v", l), [-0.8, 0.6]);
    assert.deepEqual(basisOf("velocity", l), [1.1, -0.9]);
    assert.deepEqual(basisOf("score", l), [0, -1.25]);
    assert.deepEqual(basisOf("drift", l, 0.32), [1.1, -0.9 - 0.2]);
  });
});
