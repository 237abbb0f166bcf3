/**
 * Coupling benchmark (issue 5): exact minibatch OT (linearAssignment, Hungarian shortest augmenting
 * paths) and log-domain Sinkhorn (with ε-scaling) at n = 256 and 1024 on squared Euclidean costs
 * between a data cloud (the two-moons toy in 2-D, N(0.5, I) in 64-D) and standard-normal noise, and
 * the cost of one trainingBatch (batch 512) with each coupling. Prints markdown tables (bench/README.md, "## Couplings").
 * Run: node --import tsx bench/coupling.ts
 */
import {
  exactOtCoupling,
  independentCoupling,
  sinkhornCoupling,
  type Coupling,
} from "../src/coupling/coupling.js";
import { squaredDistances } from "../src/coupling/cost.js";
import { linearAssignment } from "../src/coupling/hungarian.js";
import { sinkhorn } from "../src/coupling/sinkhorn.js";
import { trainingBatch } from "../src/loss/batch.js";
import { logitNormalTime } from "../src/loss/density.js";
import { affinePath } from "../src/path/affine.js";
import { Rng } from "../src/random/rng.js";
import { linearSchedule } from "../src/schedule/linear.js";
import { sampleToy } from "../src/train/datasets/toys.js";
import { timeMedian } from "./peer.js";

const out: string[] = [];
out.push(
  "| n | dim | cost matrix | exact OT (linearAssignment) | Sinkhorn reg = 0.1·mean C (iterations) | Sinkhorn reg = 0.01·mean C (iterations) |",
);
out.push("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [n, dim] of [
  [256, 2],
  [1024, 2],
  [256, 64],
  [1024, 64],
] as const) {
  const rng = new Rng(n + dim);
  const data =
    dim === 2
      ? sampleToy("moons", n, { seed: n + dim })
      : rng.fillNormal(new Float64Array(n * dim)).map((v) => v + 0.5);
  const noise = rng.fillNormal(new Float64Array(n * dim));
  const runs = n === 1024 ? 1 : 5;
  const tCost = timeMedian(() => squaredDistances(data, noise, dim), runs, 1);
  const cost = squaredDistances(data, noise, dim);
  const tOt = timeMedian(() => linearAssignment(cost, n), runs, 1);
  const mean = cost.reduce((a, b) => a + b, 0) / cost.length;
  const cells = [`${n}`, `${dim}`, `${tCost.toFixed(1)} ms`, `${tOt.toFixed(1)} ms`];
  for (const factor of [0.1, 0.01]) {
    let iterations = 0;
    let converged = true;
    const t = timeMedian(
      () => {
        const r = sinkhorn(cost, n, n, { reg: factor * mean, tol: 1e-6, maxIterations: 20_000 });
        iterations = r.iterations;
        converged = r.converged;
      },
      runs,
      0,
    );
    cells.push(`${t.toFixed(1)} ms (${iterations}${converged ? "" : ", not converged"})`);
  }
  out.push(`| ${cells.join(" | ")} |`);
}

out.push("");
out.push("| trainingBatch (linear path, velocity, logit-normal t, batch 512, 2-D) | ms per batch |");
out.push("| --- | ---: |");
const path = affinePath(linearSchedule());
const data512 = sampleToy("moons", 512, { seed: 1 });
const couplings: [string, Coupling][] = [
  ["independent", independentCoupling()],
  ["exact OT", exactOtCoupling()],
  ["Sinkhorn reg = 0.05", sinkhornCoupling({ reg: 0.05, tol: 1e-6 })],
];
for (const [name, coupling] of couplings) {
  const rng = new Rng(2);
  const batch = () =>
    trainingBatch(path, data512, { kind: "velocity", dim: 2, timeDensity: logitNormalTime(), rng, coupling });
  // Warm the JIT (the independent batch is sub-millisecond once optimized).
  const independent = coupling.name === "independent";
  const t = timeMedian(batch, independent ? 200 : 9, independent ? 300 : 3);
  out.push(`| ${name} | ${t.toFixed(2)} |`);
}
process.stdout.write(`${out.join("\n")}\n`);
