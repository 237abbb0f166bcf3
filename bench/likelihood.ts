/**
 * Likelihood benchmark (issue 6): NLL error against NFE and wall time for the exact divergence
 * (closed form of the mixture oracle; one finite difference per dimension for the same model as a
 * black box) and Hutchinson's estimator, on the 2-D ring mixture and a 64-D mixture, rectified-flow
 * path, exact log-density as the reference. Prints the markdown tables of bench/README.md,
 * "## Likelihood". Run: node --import tsx bench/likelihood.ts
 */
import { gaussianMixture } from "../src/oracle/mixture.js";
import { affinePath } from "../src/path/affine.js";
import { Rng } from "../src/random/rng.js";
import { linearSchedule } from "../src/schedule/linear.js";
import type { Solver } from "../src/math/integrate.js";
import type { DivergenceOptions, JacobianModel } from "../src/likelihood/divergence.js";
import { logLikelihood } from "../src/likelihood/logLikelihood.js";
import { mixtureModel } from "../src/likelihood/models.js";

const path = affinePath(linearSchedule());

/** Eight isotropic Gaussians (variance 0.05) on a circle of radius 2. */
const ring = gaussianMixture({
  weights: Array(8).fill(1),
  means: Array.from({ length: 8 }, (_, k) => [
    2 * Math.cos((k * Math.PI) / 4),
    2 * Math.sin((k * Math.PI) / 4),
  ]),
  covariances: 0.05,
});

/** Eight 64-D components: N(0, I) means scaled by 1.5, unequal weights, variances 0.1 … 0.8. */
const rng = new Rng(64);
const mix64 = gaussianMixture({
  weights: [1, 2, 3, 4, 4, 3, 2, 1],
  means: Array.from({ length: 8 }, () => Array.from({ length: 64 }, () => 1.5 * rng.normal())),
  covariances: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
});

interface Row {
  readonly method: string;
  readonly solver: string;
  readonly meanErr: number;
  readonly maxErr: number;
  readonly se: number | undefined;
  readonly nfe: number;
  readonly calls: number;
  readonly ms: number;
}

async function run(
  model: JacobianModel,
  x: Float64Array,
  dim: number,
  exact: Float64Array,
  method: string,
  divergence: DivergenceOptions,
  solver: Solver,
): Promise<Row> {
  const start = performance.now();
  const r = await logLikelihood(model, x, { dim, divergence, solver });
  const ms = performance.now() - start;
  const errs = Array.from(r.logLikelihood, (v, i) => Math.abs(v - exact[i]!));
  const hutch = divergence.kind === "hutchinson";
  return {
    method,
    solver:
      solver.kind === "adaptive" ? `DOPRI5 tol ${solver.rtol}` : `${solver.scheme ?? "rk4"} ×${solver.steps}`,
    meanErr: errs.reduce((a, b) => a + b, 0) / errs.length,
    maxErr: Math.max(...errs),
    se: hutch ? r.standardError.reduce((a, b) => a + b, 0) / r.standardError.length : undefined,
    nfe: r.nfe,
    calls: r.modelCalls,
    ms,
  };
}

const fmt = (v: number): string => (v >= 0.01 && v < 100 ? v.toFixed(3) : v.toExponential(1));

function table(title: string, rows: readonly Row[]): string {
  const head = `**${title}**\n\n| divergence | integrator | mean abs error (nats) | max error | mean Hutchinson SE | NFE | model calls | wall time |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |`;
  const body = rows.map(
    (r) =>
      `| ${r.method} | ${r.solver} | ${fmt(r.meanErr)} | ${fmt(r.maxErr)} | ${r.se === undefined || Number.isNaN(r.se) ? "—" : fmt(r.se)} | ${r.nfe} | ${r.calls} | ${r.ms.toFixed(0)} ms |`,
  );
  return [head, ...body].join("\n");
}

async function bench(name: string, mixture: typeof ring, n: number): Promise<string> {
  const dim = mixture.dim;
  const x = mixture.sample(new Rng(1), n);
  const exact = mixture.logProb(x);
  const oracle = mixtureModel(mixture, path);
  const blackBox: JacobianModel = { kind: "data", path, predict: oracle.predict };
  const rows: Row[] = [];
  const adaptive = (tol: number): Solver => ({ kind: "adaptive", rtol: tol, atol: tol });
  for (const tol of [1e-3, 1e-4, 1e-5, 1e-6, 1e-7]) {
    rows.push(await run(oracle, x, dim, exact, "exact (closed form)", { kind: "exact" }, adaptive(tol)));
  }
  for (const steps of [4, 8, 16, 32]) {
    rows.push(
      await run(
        oracle,
        x,
        dim,
        exact,
        "exact (closed form)",
        { kind: "exact" },
        { kind: "fixed", scheme: "rk4", steps },
      ),
    );
  }
  for (const tol of [1e-4, 1e-6]) {
    rows.push(
      await run(
        blackBox,
        x,
        dim,
        exact,
        `exact (${dim} finite differences)`,
        { kind: "exact" },
        adaptive(tol),
      ),
    );
  }
  for (const probes of [1, 4, 16]) {
    for (const distribution of ["rademacher", "gaussian"] as const) {
      rows.push(
        await run(
          blackBox,
          x,
          dim,
          exact,
          `Hutchinson K = ${probes}, ${distribution}`,
          { kind: "hutchinson", probes, seed: 7, distribution },
          adaptive(1e-5),
        ),
      );
    }
  }
  return table(`${name}: ${n} samples, rectified-flow path, data-prediction oracle`, rows);
}

console.log(await bench("2-D ring (8 components)", ring, 64));
console.log();
console.log(await bench("64-D mixture (8 components)", mix64, 32));
