/**
 * Helpers for the sampler tests: fixture loading (the JSON files hold -Infinity, which JSON.parse
 * rejects), the reference Gaussian mixture, recording models and kind adapters.
 */
import { readFileSync } from "node:fs";
import type { Kind } from "../../src/convert/kernel.js";
import { type Model, predict } from "../../src/model/model.js";
import { gaussian } from "../../src/math/gaussian.js";
import { gaussianMixture } from "../../src/oracle/mixture.js";
import { bridgePath } from "../../src/path/bridge/bridgePath.js";
import { Bridge } from "../../src/path/bridge/bridge.js";
import { brownianMotion } from "../../src/sde/brownianMotion.js";
import type { GaussianPath } from "../../src/path/path.js";

/** Parses test/reference/<name>, mapping the bare -Infinity token to -Infinity. */
export function loadFixture<T = Record<string, unknown>>(name: string): T {
  const text = readFileSync(new URL(`../reference/${name}`, import.meta.url), "utf8");
  return JSON.parse(text.replace(/-Infinity/g, '"-Infinity"'), (_, v) =>
    v === "-Infinity" ? Number.NEGATIVE_INFINITY : v,
  ) as T;
}

const ORACLE = loadFixture<{ weights: number[]; means: number[][]; std: number }>("gmm-oracle-checks.json");

/** The fixtures' 2-D mixture (README: w = [0.5, 0.3, 0.2], μ = [[−2, 0], [2, 1], [0, −2.5]], s = 0.3). */
export const GMM = gaussianMixture({
  weights: ORACLE.weights,
  means: ORACLE.means,
  covariances: ORACLE.std ** 2,
});

/** A 2-D Brownian bridge with a diagonal prior N((0.5, 0), diag(1, 2)) and evidence covariance R. */
export function diagonalBridge(evidenceCov: number) {
  return bridgePath(
    new Bridge({
      sde: brownianMotion({ sigma: 1, dim: 2 }),
      t0: 0,
      prior: gaussian({ mean: [0.5, 0], cov: [1, 2] }),
      t1: 1,
      evidenceCov,
    }),
  );
}

/** The exact denoiser of GMM on `path`, converted to predict `kind`. */
export function oracleOfKind(path: GaussianPath, kind: Exclude<Kind, "drift">, mixture = GMM): Model {
  const data = mixture.denoiser(path);
  if (kind === "data") return data;
  return {
    kind,
    path,
    async predict(xt, t, shape) {
      const d = await predict(data, xt, t, shape);
      return path.slice(t).convert(d, "data", kind, xt);
    },
  };
}

/** A model wrapper recording every call (x copied, t). */
export function recording(model: Model): { model: Model; calls: { x: Float64Array; t: number }[] } {
  const calls: { x: Float64Array; t: number }[] = [];
  const wrapped = {
    ...model,
    predict(xt: Float64Array, t: number, shape: { batch: number; dim: number }) {
      calls.push({ x: Float64Array.from(xt), t });
      return model.predict(xt, t, shape);
    },
  } as Model;
  return { model: wrapped, calls };
}

/** max |a − b| / max |b| (relative to the largest reference entry). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 1e-300;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}

/** Flattens nested number arrays. */
export function flat(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

/**
 * ε̂ of the fixtures' mixture at x = √ᾱ·x0 + √(1 − ᾱ)·ε, written out from the reference README (its
 * own oracle, independent of difflux's paths): responsibilities by log-sum-exp, E[x0|x], then ε̂.
 */
export function mixtureNoise(x: Float64Array, alphaBar: number): Float64Array {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const s2 = ORACLE.std ** 2;
  const v = a * a * s2 + b * b;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    const logr = ORACLE.means.map((m, k) => {
      const d0 = x[i]! - a * m[0]!;
      const d1 = x[i + 1]! - a * m[1]!;
      return Math.log(ORACLE.weights[k]!) - (0.5 * (d0 * d0 + d1 * d1)) / v;
    });
    const top = Math.max(...logr);
    const r = logr.map((l) => Math.exp(l - top));
    const total = r.reduce((p, q) => p + q, 0);
    for (let d = 0; d < 2; d++) {
      let x0 = 0;
      ORACLE.means.forEach((m, k) => {
        x0 += (r[k]! / total) * (m[d]! + ((a * s2) / v) * (x[i + d]! - a * m[d]!));
      });
      out[i + d] = (x[i + d]! - a * x0) / b;
    }
  }
  return out;
}
