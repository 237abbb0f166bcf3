import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Shape } from "../../src/array.js";
import {
  type Conditioning,
  type Model,
  checkConditioning,
  conditioningRows,
  predict,
  pickConditioning,
  stackConditioning,
  unconditional,
} from "../../src/model/model.js";
import { retime } from "../../src/model/retime.js";
import { affinePath } from "../../src/path/affine.js";
import { dpmSolverMultistep } from "../../src/sampler/dpmSolverMultistep.js";
import { eulerAncestral } from "../../src/sampler/eulerAncestral.js";
import { heun } from "../../src/sampler/heun.js";
import { sample } from "../../src/sampler/sample.js";
import { cosineSchedule } from "../../src/schedule/cosine.js";
import { linearSchedule } from "../../src/schedule/linear.js";

/** A data model whose prediction is the row's label (or its embedding's first value), recording every cond. */
function labelModel(path = affinePath(linearSchedule())) {
  const seen: (Conditioning | undefined)[] = [];
  const model: Model = {
    kind: "data",
    path,
    predict(xt: Float64Array, _t: number, shape: Shape, cond?: Conditioning) {
      seen.push(cond);
      const out = new Float64Array(xt.length);
      for (let i = 0; i < shape.batch; i++) {
        const c = cond?.labels?.[i] ?? cond?.embedding?.[i] ?? 0;
        out.fill(c, i * shape.dim, (i + 1) * shape.dim);
      }
      return out;
    },
  };
  return { model, seen };
}

describe("conditioning", () => {
  it("sample passes the same conditioning to every model call of every sampler", async () => {
    for (const sampler of [heun(), dpmSolverMultistep({ order: 3 }), eulerAncestral()]) {
      const { model, seen } = labelModel();
      const condition = { labels: Int32Array.from([0, 3, -1]) };
      await sample(model, { sampler, steps: 5, seed: 1, batch: 3, dim: 2, condition });
      assert.ok(seen.length > 0, `${sampler.name}: the model was called`);
      assert.ok(
        seen.every((c) => c === condition),
        `${sampler.name}: every call got the conditioning object`,
      );
    }
  });

  it("a conditional data model steers each row to its own label", async () => {
    const { model } = labelModel();
    const condition = { labels: Int32Array.from([2, -1, 5]) };
    const { x } = await sample(model, { sampler: heun(), steps: 8, seed: 4, batch: 3, dim: 2, condition });
    // The data end of a data model that always predicts c is exactly c.
    assert.deepEqual(Array.from(x), [2, 2, -1, -1, 5, 5]);
  });

  it("unconditional models keep working: no cond argument is passed when none is given", async () => {
    const { model, seen } = labelModel();
    await sample(model, { sampler: heun(), steps: 3, seed: 0, batch: 2, dim: 2 });
    assert.ok(
      seen.every((c) => c === undefined),
      "cond is undefined",
    );
    const direct = await predict(model, new Float64Array(4), 0.5, { batch: 2, dim: 2 });
    assert.deepEqual(Array.from(direct), [0, 0, 0, 0]);
  });

  it("retime passes conditioning through to the model it wraps", async () => {
    const { model, seen } = labelModel(affinePath(linearSchedule()));
    const moved = retime(model, affinePath(cosineSchedule()));
    const cond = { embedding: Float64Array.from([1.5, -2]) };
    const out = await predict(
      moved,
      Float64Array.from([0.1, 0.2, 0.3, 0.4]),
      0.6,
      { batch: 2, dim: 2 },
      cond,
    );
    assert.equal(seen[0], cond);
    assert.deepEqual(Array.from(out), [1.5, 1.5, -2, -2]);
  });

  it("checkConditioning names the argument and the fix for bad conditioning", () => {
    assert.equal(checkConditioning("f", undefined, 3), 0);
    assert.equal(checkConditioning("f", { embedding: new Float32Array(12) }, 3), 4);
    assert.throws(
      () => checkConditioning("f", { labels: Int32Array.from([1, 2]) }, 3),
      /f: cond\.labels has 2 entries for a batch of 3/,
    );
    assert.throws(
      () => checkConditioning("f", { labels: Int32Array.from([1, -2, 0]) }, 3),
      /cond\.labels\[1\] = -2/,
    );
    assert.throws(
      () => checkConditioning("f", { labels: [1, 2, 3] as unknown as Int32Array }, 3),
      /must be an Int32Array/,
    );
    assert.throws(
      () => checkConditioning("f", { embedding: new Float64Array(7) }, 3),
      /not a multiple of the batch/,
    );
    assert.throws(
      () => checkConditioning("f", { embedding: Float64Array.of(0, Number.NaN) }, 1),
      /embedding\[1\] is NaN/,
    );
    assert.throws(() => checkConditioning("f", null as unknown as Conditioning, 1), /cond must be/);
  });

  it("sample rejects conditioning whose rows do not match the batch", async () => {
    const { model } = labelModel();
    await assert.rejects(
      sample(model, {
        sampler: heun(),
        steps: 2,
        seed: 0,
        batch: 3,
        dim: 2,
        condition: { labels: new Int32Array(2) },
      }),
      /heun\.init: cond\.labels has 2 entries for a batch of 3/,
    );
  });

  it("conditioningRows takes a contiguous block of rows of labels and embeddings", () => {
    const cond = {
      labels: Int32Array.from([0, 1, 2, 3]),
      embedding: Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3]),
    };
    const part = conditioningRows(cond, 4, 1, 2)!;
    assert.deepEqual(Array.from(part.labels!), [1, 2]);
    assert.deepEqual(Array.from(part.embedding!), [1, 1, 2, 2]);
    assert.equal(conditioningRows(undefined, 4, 0, 1), undefined);
    assert.deepEqual(Array.from(unconditional(3).labels!), [-1, -1, -1]);
  });
});

describe("stacking and picking conditioning rows", () => {
  it("stacks the rows of several parts in order and picks rows back out of the stack", () => {
    const a = { labels: Int32Array.of(0, 1), embedding: Float32Array.of(1, 2, 3, 4) };
    const b = { labels: Int32Array.of(-1), embedding: Float32Array.of(5, 6) };
    const s = stackConditioning([a, b, a]);
    assert.deepEqual(Array.from(s.labels!), [0, 1, -1, 0, 1]);
    assert.deepEqual(Array.from(s.embedding!), [1, 2, 3, 4, 5, 6, 1, 2, 3, 4]);
    assert.ok(s.embedding instanceof Float32Array, "the embedding keeps its element type");
    const picked = pickConditioning(s, 5, Int32Array.of(2, 0));
    assert.deepEqual(Array.from(picked!.labels!), [-1, 0]);
    assert.deepEqual(Array.from(picked!.embedding!), [5, 6, 1, 2]);
  });

  it("keeps a field only when every part has it", () => {
    const s = stackConditioning([{ labels: Int32Array.of(3) }, { embedding: Float64Array.of(1) }]);
    assert.equal(s.labels, undefined, "labels missing from one part");
    assert.equal(s.embedding, undefined, "embedding missing from one part");
  });
});
