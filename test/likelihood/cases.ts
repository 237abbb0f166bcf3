/**
 * Shared likelihood test cases: an independent closed-form Gaussian model (its own posterior mean,
 * divergence and JVP, not the oracle's code), mixtures, and small assertion helpers.
 */
import assert from "node:assert/strict";
import {
  DiffusionModelComponents,
  type GaussianPath,
  type Shape,
  brownianMotion,
  gaussian,
  gaussianMixture,
} from "../../src/index.js";
import type { JacobianModel } from "../../src/likelihood/divergence.js";

/**
 * Data ~ N(μ, diag(s²)) on an affine path: xₜ | data ~ N(α·data, σ²I) gives the posterior mean
 * E[data | x]ⱼ = μⱼ + gⱼ·(xⱼ − α·μⱼ), gⱼ = α·sⱼ²/(α²·sⱼ² + σ²), so J = diag(g) and tr J = Σⱼ gⱼ.
 */
export function gaussianDataModel(
  path: GaussianPath,
  mean: readonly number[],
  variance: readonly number[],
  capabilities: { divergence?: boolean; jvp?: boolean } = {},
): JacobianModel {
  const d = mean.length;
  const gains = (t: number): Float64Array => {
    const { alpha, sigma } = path.slice(t).level!;
    return Float64Array.from(variance, (s2) => (alpha * s2) / (alpha * alpha * s2 + sigma * sigma));
  };
  const model: JacobianModel = {
    kind: "data",
    path,
    predict(xt: Float64Array, t: number, _shape: Shape) {
      const g = gains(t);
      const alpha = path.slice(t).level!.alpha;
      return xt.map((x, i) => mean[i % d]! + g[i % d]! * (x - alpha * mean[i % d]!));
    },
  };
  return {
    ...model,
    ...(capabilities.divergence
      ? {
          divergence: (_x: Float64Array, t: number, shape: Shape) =>
            new Float64Array(shape.batch).fill(gains(t).reduce((a, b) => a + b, 0)),
        }
      : {}),
    ...(capabilities.jvp
      ? {
          jvp: (_x: Float64Array, t: number, _shape: Shape, v: Float64Array) =>
            v.map((vi, i) => gains(t)[i % d]! * vi),
        }
      : {}),
  };
}

/** Σⱼ log N(xⱼ; μⱼ, sⱼ²) per row. */
export function gaussianLogDensity(
  x: Float64Array,
  mean: readonly number[],
  variance: readonly number[],
): Float64Array {
  const d = mean.length;
  const out = new Float64Array(x.length / d);
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < d; j++) {
      out[i]! +=
        -0.5 * Math.log(2 * Math.PI * variance[j]!) - (x[i * d + j]! - mean[j]!) ** 2 / (2 * variance[j]!);
    }
  }
  return out;
}

/** Eight isotropic Gaussians on a circle of radius 2 (the 2-D benchmark mixture). */
export function ring2d() {
  return gaussianMixture({
    weights: Array(8).fill(1),
    means: Array.from({ length: 8 }, (_, k) => [
      2 * Math.cos((k * Math.PI) / 4),
      2 * Math.sin((k * Math.PI) / 4),
    ]),
    covariances: 0.05,
  });
}

/** A model with every optional capability removed (a black box: predict only). */
export function blackBox(model: JacobianModel): JacobianModel {
  if (model.kind === "drift")
    return { kind: "drift", g2: model.g2, path: model.path, predict: model.predict };
  return { kind: model.kind, path: model.path, predict: model.predict };
}

/** Asserts max |a − b| ≤ tol, naming the worst row. */
export function assertWithin(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  assert.ok(
    worst <= tol,
    `${what}: error ${worst.toExponential(3)} at row ${at} (${a[at]} vs ${b[at]}) exceeds ${tol}`,
  );
}

/** Components of a 2-D Brownian bridge (σ = 1, prior N(0, I)) with evidence covariance R·I. */
export function brownianBridge(evidenceCov: number): DiffusionModelComponents {
  return new DiffusionModelComponents({
    linearSde: brownianMotion({ sigma: 1, dim: 2 }),
    t0: 0,
    priorAtT0: gaussian({ mean: [0, 0], cov: 1 }),
    t1: 1,
    evidenceCov,
  });
}

/** Asserts model.jvp(x, v) equals the central difference (f(x + hv) − f(x − hv))/2h to `tol`. */
export async function assertJvpMatchesDifferences(
  model: JacobianModel,
  x: Float64Array,
  v: Float64Array,
  t: number,
  shape: Shape,
  tol: number,
  what: string,
): Promise<void> {
  const jv = await model.jvp!(x, t, shape, v);
  const h = 1e-6;
  const at = async (sign: number) =>
    (await model.predict(
      x.map((xi, i) => xi + sign * h * v[i]!),
      t,
      shape,
    )) as Float64Array;
  const plus = await at(1);
  const minus = await at(-1);
  assertWithin(
    jv,
    plus.map((p, i) => (p - minus[i]!) / (2 * h)),
    tol,
    what,
  );
}
