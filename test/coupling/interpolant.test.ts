/**
 * Stochastic interpolants: boundary values, derivatives against finite differences, the effective
 * schedule σ = √(β² + γ²), targets by hand, specs and argument errors.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  interpolantFromSpec,
  interpolantTarget,
  interpolate,
  linearInterpolant,
  stochasticInterpolant,
  trigonometricInterpolant,
} from "../../src/coupling/interpolant.js";
import { derivative } from "../../src/schedule/custom.js";
import { assertClose } from "../helpers.js";

const presets = [
  linearInterpolant(),
  linearInterpolant({ gammaScale: 0.25 }),
  trigonometricInterpolant(),
  trigonometricInterpolant({ gammaScale: 2 }),
];

describe("stochastic interpolants", () => {
  for (const ip of presets) {
    it(`${ip.name} joins noise (t = 0) to data (t = 1) with derivatives matching finite differences`, () => {
      const c0 = ip.at(0);
      const c1 = ip.at(1);
      assertClose([c0.alpha, c0.beta, c0.gamma], [0, 1, 0], { atol: 1e-15, message: "t = 0" });
      assertClose([c1.alpha, c1.beta, c1.gamma], [1, 0, 0], { atol: 1e-15, message: "t = 1" });
      for (const t of [0.1, 0.35, 0.5, 0.8]) {
        const c = ip.at(t);
        const fd = (key: "alpha" | "beta" | "gamma") => derivative((s) => ip.at(s)[key], t);
        assertClose([c.dAlpha, c.dBeta, c.dGamma], [fd("alpha"), fd("beta"), fd("gamma")], {
          rtol: 1e-8,
          atol: 1e-10,
          message: `t = ${t}`,
        });
        const l = ip.path.schedule.at(t);
        assertClose(l.sigma, Math.hypot(c.beta, c.gamma), { rtol: 1e-15, message: "effective σ" });
        assertClose(
          l.dSigma,
          derivative((s) => ip.path.schedule.at(s).sigma, t),
          { rtol: 1e-8, message: "effective σ'" },
        );
      }
    });
  }

  it("interpolates and builds the velocity, score and data targets by hand", () => {
    const ip = linearInterpolant({ gammaScale: 0.5 });
    const t = 0.3;
    const c = ip.at(t);
    const data = Float64Array.from([1, -2]);
    const noise = Float64Array.from([0.5, 0.25]);
    const z = Float64Array.from([-1, 2]);
    const gamma = Math.sqrt(0.5 * t * (1 - t));
    const dGamma = (0.5 * (1 - 2 * t)) / (2 * gamma);
    assertClose(interpolate(c, data, noise, z), [0.3 + 0.35 - gamma, -0.6 + 0.175 + 2 * gamma], {
      rtol: 1e-14,
      message: "xₜ",
    });
    assertClose(
      interpolantTarget("velocity", c, data, noise, z),
      [1 - 0.5 - dGamma, -2 - 0.25 + 2 * dGamma],
      { rtol: 1e-14, message: "velocity" },
    );
    assertClose(interpolantTarget("score", c, data, noise, z), [1 / gamma, -2 / gamma], {
      rtol: 1e-14,
      message: "score −z/γ",
    });
    assertClose(interpolantTarget("data", c, data, noise, z), data, { rtol: 0, message: "data" });
    assert.equal(
      Object.getPrototypeOf(
        interpolate(c, Float32Array.from(data), Float32Array.from(noise), Float32Array.from(z)),
      ),
      Float32Array.prototype,
      "Float32 in, Float32 out",
    );
  });

  it("round-trips preset specs and rejects bad coefficients, kinds and custom specs with named errors", () => {
    for (const ip of presets) assert.deepEqual(interpolantFromSpec(ip.spec).spec, ip.spec, `${ip.name} spec`);
    const custom = stochasticInterpolant({
      name: "mine",
      alpha: (t) => [t * t, 2 * t],
      beta: (t) => [1 - t, -1],
    });
    assert.equal(custom.latent, "none", "no γ: deterministic");
    assert.throws(
      () => interpolantFromSpec(custom.spec),
      /interpolantFromSpec: the custom interpolant "mine" has no JSON form/,
    );
    assert.throws(
      () => interpolantFromSpec({ family: "cosine" } as never),
      /spec.family must be "linear", "trigonometric" or "custom", got "cosine"/,
    );
    assert.throws(
      () => stochasticInterpolant({ alpha: (t: number) => [t, 1] } as never),
      /stochasticInterpolant: options.alpha and options.beta must be functions/,
    );
    assert.throws(
      () => stochasticInterpolant({ alpha: (t) => [t, 1], beta: () => [Number.NaN, -1] }),
      /interpolant.at: α, β, γ at t = 0 are 0, NaN, 0; they must be finite/,
    );
    assert.throws(() => linearInterpolant().at(1.5), /linearInterpolant.at: t = 1.5 is outside \[0, 1\]/);
    assert.throws(
      () =>
        interpolantTarget(
          "noise" as never,
          linearInterpolant().at(0.5),
          new Float64Array(1),
          new Float64Array(1),
          null,
        ),
      /interpolantTarget: kind must be "velocity", "score" or "data" on a stochastic interpolant, got "noise"/,
    );
    assert.throws(
      () => trigonometricInterpolant({ gammaScale: Number.POSITIVE_INFINITY }),
      /gammaScale must be a finite number ≥ 0/,
    );
  });
});
