/**
 * Test paths shared by the loss tests: an isotropic Brownian bridge with its affine twin, and a dense
 * (matrix-valued) bridge.
 */
import { gaussian } from "../../src/math/gaussian.js";
import { type AffinePath, affinePath } from "../../src/path/affine.js";
import { type BridgePath, bridgePath } from "../../src/path/bridge/bridgePath.js";
import { Bridge } from "../../src/path/bridge/bridge.js";
import { customSchedule } from "../../src/schedule/custom.js";
import { brownianMotion } from "../../src/sde/brownianMotion.js";
import { linearTimeInvariantSde } from "../../src/sde/lti.js";

/** Brownian motion (σ = 1) from N(0, I) pinned at the data: xₜ | data ~ N(t·data, (1 − t)·I). */
export function brownianBridge(dim: number): BridgePath {
  return bridgePath(
    new Bridge({
      sde: brownianMotion({ sigma: 1, dim }),
      t0: 0,
      prior: gaussian({ mean: new Array<number>(dim).fill(0), cov: 1 }),
      t1: 1,
      evidenceCov: 0,
    }),
  );
}

/** The affine path with the Brownian bridge's conditional law: α = t, σ = √(1 − t). */
export function brownianBridgeTwin(): AffinePath {
  return affinePath(
    customSchedule({
      alpha: (t) => t,
      sigma: (t) => Math.sqrt(1 - t),
      dAlpha: () => 1,
      dSigma: (t) => -0.5 / Math.sqrt(1 - t),
    }),
  );
}

/** A 2-D bridge of a dense, non-symmetric LTI SDE with a correlated prior and evidence noise. */
export function denseBridge(): BridgePath {
  return bridgePath(
    new Bridge({
      sde: linearTimeInvariantSde({
        F: [
          [-0.5, 0.3],
          [0.1, -0.2],
        ],
        L: [
          [0.8, 0],
          [0.2, 0.5],
        ],
      }),
      t0: 0,
      prior: gaussian({
        mean: [0.2, 0],
        cov: [
          [1, 0.3],
          [0.3, 0.8],
        ],
      }),
      t1: 1,
      evidenceCov: [
        [0.01, 0],
        [0, 0.02],
      ],
    }),
  );
}
