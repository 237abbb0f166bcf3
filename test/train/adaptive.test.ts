/**
 * The trainer's per-row losses and learned adaptive loss weights: the compiled step's row losses
 * against a host forward pass, bit-identical training with and without them, convergence of the
 * learned weights to ∝ 1/(bin mean loss) on a problem whose bin losses are known, and bad configs.
 * (Bit-exact resume with adaptive weights: checkpoint.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaptiveWeighting, timeBin } from "../../src/loss/adaptive.js";
import { Rng } from "../../src/random/rng.js";
import { jaxEngine } from "../../src/train/engine.js";
import { featureWidth, mlpConfig, mlpFeatures, mlpForward } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { hostOps } from "../../src/train/tensor.js";
import type { Batch } from "../../src/train/loss.js";
import { adaptiveTraining, initTrainState } from "../../src/train/state.js";
import { type BatchSource, TrainSession, train } from "../../src/train/trainer.js";
import { assertClose } from "../helpers.js";

const model = mlpConfig({ dim: 2, width: 16, depth: 1 });
const optimizer = optimizerConfig({ lr: 1e-2, clipNorm: 1 });

/**
 * Targets that no network can predict: target = s(t)·ε with ε ~ N(0, I) independent of xₜ, and
 * s(t)² = `variances`[bin of t] over equal bins of t. The best prediction is 0, so once the network
 * has learned it the mean unweighted loss of bin k is variances[k].
 */
function noiseTargets(variances: readonly number[], rows: number): BatchSource {
  return (_step, rng) => {
    const xt = new Float32Array(2 * rows);
    const t = new Float32Array(rows);
    const target = new Float32Array(2 * rows);
    for (let i = 0; i < rows; i++) {
      t[i] = rng.uniform();
      const s = Math.sqrt(variances[timeBin(t[i]!, variances.length)]!);
      for (let j = 0; j < 2; j++) {
        xt[2 * i + j] = rng.normal();
        target[2 * i + j] = s * rng.normal();
      }
    }
    return { xt, t, target, weight: new Float32Array(rows).fill(1) };
  };
}

describe("row losses of the training step", () => {
  it("are ‖net(xₜ) − target‖²/dim of the weights before the step, from the step's own forward pass", async () => {
    const engine = await jaxEngine();
    const state = initTrainState(model, optimizer, new Rng(2, 1));
    const session = new TrainSession(engine, model, optimizer, state, "float32", { rowLosses: true });
    const rng = new Rng(8);
    const batch: Batch = noiseTargets([1, 2], 40)(0, rng);
    for (let step = 0; step < 3; step++) {
      const before = session.state().params;
      const { rowLosses, loss } = session.run(batch);
      const width = featureWidth(model);
      const features = mlpFeatures(
        model,
        batch.xt,
        batch.t,
        { batch: 40, dim: 2 },
        new Float32Array(40 * width),
      );
      const out = mlpForward(hostOps("float32"), model, before, { shape: [40, width], data: features }).data;
      const expected = Float64Array.from({ length: 40 }, (_, i) => {
        const a = out[2 * i]! - batch.target[2 * i]!;
        const b = out[2 * i + 1]! - batch.target[2 * i + 1]!;
        return (a * a + b * b) / 2;
      });
      assert.ok(rowLosses instanceof Float32Array, "float32 run: float32 row losses");
      assertClose(Float64Array.from(rowLosses), expected, {
        rtol: 1e-5,
        message: `step ${step}: row losses`,
      });
      const mean = expected.reduce((a, b) => a + b, 0) / 40;
      assertClose(loss, mean, { rtol: 1e-5, message: `step ${step}: unit weights: loss = mean row loss` });
    }
    session.dispose();
  });

  it("asking for them changes no bit of the training, and StepInfo.rowLosses says how to turn them on", async () => {
    const source = noiseTargets([1, 0.5, 2], 32);
    const seen: number[][] = [];
    const withRows = await train({
      model,
      optimizer,
      steps: 5,
      batchSource: source,
      seed: 4,
      rowLosses: true,
      onStep: (info) => void seen.push(Array.from(info.rowLosses())),
    });
    const errors: string[] = [];
    const plain = await train({
      model,
      optimizer,
      steps: 5,
      batchSource: source,
      seed: 4,
      onStep: (info) => {
        try {
          info.rowLosses();
        } catch (err) {
          errors.push((err as Error).message);
        }
      },
    });
    const bytes = (ts: { data: Float32Array | Float64Array }[]) => ts.map((t) => Buffer.from(t.data.buffer));
    assert.deepEqual(bytes(withRows.state.params), bytes(plain.state.params), "bit-identical weights");
    assert.deepEqual([...withRows.losses], [...plain.losses], "bit-identical losses");
    assert.equal(seen.length, 5, "row losses at every step");
    assert.ok(
      seen.every((rows) => rows.length === 32 && rows.every((l) => l >= 0 && Number.isFinite(l))),
      "32 finite, non-negative row losses per step",
    );
    assert.equal(errors.length, 5, "rowLosses() throws when not computed");
    assert.match(errors[0]!, /StepInfo\.rowLosses: .* pass rowLosses: true \(or adaptive\) to train/);
  });
});

describe("learned adaptive loss weights in training", () => {
  it("converge to weights ∝ 1/(mean loss of the bin), so every time bin contributes equally", async (ctx) => {
    const variances = [4, 1, 0.5, 0.25];
    const bins = variances.length;
    const last: number[][] = variances.map(() => []);
    const steps = 300;
    const result = await train({
      model,
      optimizer,
      steps,
      batchSource: noiseTargets(variances, 256),
      seed: 1,
      adaptive: adaptiveTraining({ bins, learningRate: 0.25 }),
      onStep: (info) => {
        if (info.step <= steps - 100) return;
        // Unweighted losses of the last 100 steps, by bin.
        const rows = info.rowLosses();
        info.batch.t.forEach((t, i) => void last[timeBin(t, bins)]!.push(rows[i]!));
      },
    });
    const w = result.state.adaptive!;
    const binMean = last.map((ls) => ls.reduce((a, b) => a + b, 0) / ls.length);
    const weights = variances.map((_, k) => w.weight((k + 0.5) / bins));
    const inverse = binMean.map((l) => 1 / l);
    const norm = inverse.reduce((a, b) => a + b, 0) / bins;
    ctx.diagnostic(
      `bin mean losses ${binMean.map((l) => l.toFixed(3)).join(", ")}; learned weights ${weights.map((x) => x.toFixed(3)).join(", ")}; K·(1/ℓ̄)/Σ(1/ℓ̄) ${inverse.map((x) => (x / norm).toFixed(3)).join(", ")}`,
    );
    for (let k = 0; k < bins; k++) {
      assertClose(binMean[k]!, variances[k]!, { rtol: 0.05, message: `bin ${k}: the network learned 0` });
      assertClose(weights[k]!, inverse[k]! / norm, { rtol: 0.08, message: `bin ${k}: w ∝ 1/ℓ̄` });
      assertClose(w.logWeights[k]!, -Math.log(binMean[k]!), { atol: 0.08, message: `θ_${k} → −log ℓ̄_${k}` });
    }
    const contributions = weights.map((x, k) => x * binMean[k]!);
    assertClose(Math.min(...contributions), Math.max(...contributions), {
      rtol: 0.15,
      message: `weighted bin losses are equal: ${contributions.join(", ")}`,
    });
  });

  it("multiply the batch source's weights by w_θ(t) of the θ before the step, and reject bad configs naming the fix", async () => {
    const source = noiseTargets([1, 3], 16);
    let before = adaptiveWeighting({ bins: 2 });
    let checked = 0;
    await train({
      model,
      optimizer,
      steps: 3,
      seed: 2,
      batchSource: (step, rng) => ({ ...source(step, rng), weight: new Float32Array(16).fill(2) }),
      adaptive: adaptiveTraining({ bins: 2, learningRate: 0.5 }),
      onStep: (info) => {
        const expected = Array.from(info.batch.t, (t) => Math.fround(2 * before.weight(t)));
        assert.deepEqual(Array.from(info.batch.weight), expected, `step ${info.step}: 2·w_θ(t)`);
        const after = info.state().adaptive!;
        assert.notDeepEqual(Array.from(after.logWeights), Array.from(before.logWeights), "θ is updated");
        before = after;
        checked++;
      },
    });
    assert.equal(checked, 3, "every step checked");
    assert.throws(
      () => adaptiveTraining({ bins: 0 }),
      /adaptiveTraining: adaptive bins must be a positive integer \(e\.g\. 32\), got 0/,
    );
    assert.throws(
      () => adaptiveTraining({ learningRate: -1 }),
      /adaptiveTraining: adaptive learningRate must be a finite number > 0 \(e\.g\. 1\), got -1/,
    );
    await assert.rejects(
      train({ model, optimizer, steps: 1, batchSource: source, adaptive: { bins: 2.5, learningRate: 1 } }),
      /train: adaptive bins must be a positive integer/,
    );
  });
});
