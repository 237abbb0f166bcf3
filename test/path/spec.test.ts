import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DiffusionModelComponents,
  affinePath,
  bridgePath,
  gaussian,
  linearSde,
  ornsteinUhlenbeck,
  pathFromSpec,
  shiftedSchedule,
  linearSchedule,
} from "../../src/index.js";

describe("pathFromSpec", () => {
  it("rebuilds an affine path from its JSON spec with identical slices", () => {
    const path = affinePath(shiftedSchedule(linearSchedule(), { shift: 3 }));
    const rebuilt = pathFromSpec(JSON.parse(JSON.stringify(path.spec)));
    assert.equal(rebuilt.name, path.name);
    for (const t of [0.1, 0.5, 0.9]) assert.deepEqual(rebuilt.slice(t).level, path.slice(t).level);
  });

  it("rebuilds a bridge path from its JSON spec with identical conditionals", () => {
    const path = bridgePath(
      new DiffusionModelComponents({
        linearSde: ornsteinUhlenbeck({ lambda: 1, sigma: 1, dim: 2 }),
        t0: 0,
        priorAtT0: gaussian({
          mean: [2, -1],
          cov: [
            [1, 0.2],
            [0.2, 0.5],
          ],
        }),
        t1: 1,
        evidenceCov: 0.1,
      }),
    );
    const rebuilt = pathFromSpec(JSON.parse(JSON.stringify(path.spec)));
    assert.equal(rebuilt.spec.type, "bridge");
    const a = path.slice(0.4).conditional;
    const b = rebuilt.slice(0.4).conditional;
    assert.deepEqual(b, a);
  });

  it("names what cannot be rebuilt: unknown types and SDEs given as code", () => {
    assert.throws(
      () => pathFromSpec({ type: "spline" } as never),
      /pathFromSpec: unknown path type "spline"/,
    );
    const coded = bridgePath(
      new DiffusionModelComponents({
        linearSde: linearSde({ F: () => [[-1]], u: () => [0], L: () => [[1]], dim: 1 }),
        t0: 0,
        priorAtT0: gaussian({ mean: 0, cov: 1, dim: 1 }),
        t1: 1,
        evidenceCov: 0.1,
      }),
    );
    assert.throws(() => pathFromSpec(JSON.parse(JSON.stringify(coded.spec))), /coefficients are functions/);
  });
});
