/**
 * Every public constructor refuses a non-finite or non-numeric parameter with a RangeError or
 * TypeError, instead of building an object that returns NaN later. Each row is a constructor, a
 * valid baseline and the numeric parameters it takes; every parameter is swapped for each bad value.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as D from "../../src/index.js";

const BAD: readonly number[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

interface Row {
  readonly name: string;
  /** Builds the object from options (the baseline with one parameter replaced). */
  readonly make: (o: Record<string, unknown>) => unknown;
  readonly base: Record<string, unknown>;
  /** Numeric parameters to corrupt (each must be required or have a baseline value). */
  readonly params: readonly string[];
  /** Parameters where +∞ is documented as meaningful ("no limit"). */
  readonly infinityAllowed?: readonly string[];
}

const line = D.linearSchedule();
const bm = D.brownianMotion({ sigma: 1, dim: 2 });
const prior = D.gaussian({ mean: [0, 0], cov: 1 });

const ROWS: readonly Row[] = [
  {
    name: "linearSchedule",
    make: (o) => D.linearSchedule(o),
    base: { sigmaMin: 0.01 },
    params: ["sigmaMin"],
  },
  {
    name: "polynomialSchedule",
    make: (o) => D.polynomialSchedule(o as { n: number }),
    base: { n: 2 },
    params: ["n"],
  },
  {
    name: "vpSchedule",
    make: (o) => D.vpSchedule(o),
    base: { betaMin: 0.1, betaMax: 20 },
    params: ["betaMin", "betaMax"],
  },
  {
    name: "subVpSchedule",
    make: (o) => D.subVpSchedule(o),
    base: { betaMin: 0.1, betaMax: 20 },
    params: ["betaMin", "betaMax"],
  },
  {
    name: "veSchedule",
    make: (o) => D.veSchedule(o),
    base: { sigmaMin: 0.01, sigmaMax: 50 },
    params: ["sigmaMin", "sigmaMax"],
  },
  {
    name: "edmSchedule",
    make: (o) => D.edmSchedule(o),
    base: { sigmaMin: 0.002, sigmaMax: 80, rho: 7 },
    params: ["sigmaMin", "sigmaMax", "rho"],
  },
  {
    name: "discreteSchedule",
    make: (o) => D.discreteSchedule(o as never),
    base: { betaSchedule: "linear", betaStart: 0.0001, betaEnd: 0.02, numTrainSteps: 1000 },
    params: ["betaStart", "betaEnd", "numTrainSteps"],
  },
  {
    name: "shiftedSchedule",
    make: (o) => D.shiftedSchedule(line, o as never),
    base: { shift: 3 },
    params: ["shift"],
  },
  {
    name: "shiftedSchedule (mu)",
    make: (o) => D.shiftedSchedule(line, o as never),
    base: { mu: 0.5, exponent: 1 },
    params: ["mu", "exponent"],
  },
  {
    name: "brownianMotion",
    make: (o) => D.brownianMotion(o as never),
    base: { sigma: 1, dim: 2 },
    params: ["sigma", "dim"],
  },
  {
    name: "ornsteinUhlenbeck",
    make: (o) => D.ornsteinUhlenbeck(o as never),
    base: { sigma: 1, lambda: 0.5, dim: 2 },
    params: ["sigma", "lambda", "dim"],
  },
  {
    name: "variancePreservingSde",
    make: (o) => D.variancePreservingSde(o as never),
    base: { betaMin: 0.1, betaMax: 20, dim: 2 },
    params: ["betaMin", "betaMax", "dim"],
  },
  {
    name: "timeScaledSde",
    make: (o) => D.timeScaledSde(bm, o.gamma as number),
    base: { gamma: 2 },
    params: ["gamma"],
  },
  {
    name: "linearTimeInvariantSde",
    make: (o) => D.linearTimeInvariantSde(o as never),
    base: { F: -1, L: 1, dim: 2 },
    params: ["F", "L", "dim"],
  },
  {
    name: "criticallyDampedLangevin",
    make: (o) => D.criticallyDampedLangevin(o as never),
    base: { mass: 0.25, beta: 4, dim: 1 },
    params: ["mass", "beta", "dim"],
  },
  {
    name: "gaussian",
    make: (o) => D.gaussian(o as never),
    base: { mean: 0, cov: 1, dim: 2 },
    params: ["mean", "cov", "dim"],
  },
  {
    name: "gaussianMixture",
    make: (o) =>
      D.gaussianMixture({
        weights: [o.w as number, 1],
        means: [[o.m as number], [1]],
        covariances: o.c as number,
      }),
    base: { w: 1, m: 0, c: 0.5 },
    params: ["w", "m", "c"],
  },
  {
    name: "DiffusionModelComponents",
    make: (o) => new D.DiffusionModelComponents({ linearSde: bm, priorAtT0: prior, ...o } as never),
    base: { t0: 0, t1: 1, evidenceCov: 0.1 },
    params: ["t0", "t1", "evidenceCov"],
  },
  {
    name: "bridgePath",
    make: (o) =>
      D.bridgePath(
        new D.DiffusionModelComponents({ linearSde: bm, priorAtT0: prior, t0: 0, t1: 1, evidenceCov: 0.1 }),
        o as never,
      ),
    base: { tMin: 0.01, tMax: 0.99 },
    params: ["tMin", "tMax"],
  },
  { name: "ddim", make: (o) => D.ddim(o), base: { eta: 0.5 }, params: ["eta"] },
  { name: "eulerAncestral", make: (o) => D.eulerAncestral(o), base: { eta: 1 }, params: ["eta"] },
  { name: "deis", make: (o) => D.deis(o as never), base: { order: 2 }, params: ["order"] },
  { name: "lms", make: (o) => D.lms(o as never), base: { order: 3 }, params: ["order"] },
  {
    name: "dopri",
    make: (o) => D.dopri(o),
    base: { rtol: 1e-5, atol: 1e-5, maxSteps: 1000, maxStep: 0.5 },
    params: ["rtol", "atol", "maxSteps", "maxStep"],
    infinityAllowed: ["maxStep"],
  },
  {
    name: "dpmSolverMultistep",
    make: (o) => D.dpmSolverMultistep(o as never),
    base: { order: 2, eta: 0 },
    params: ["order", "eta"],
  },
  {
    name: "dpmSolverSinglestep",
    make: (o) => D.dpmSolverSinglestep(o as never),
    base: { eta: 0, r: 0.5 },
    params: ["eta", "r"],
  },
  {
    name: "edmStochastic",
    make: (o) => D.edmStochastic(o),
    base: { sChurn: 1, sTmin: 0.05, sTmax: 50, sNoise: 1.003 },
    params: ["sChurn", "sTmin", "sTmax", "sNoise"],
    infinityAllowed: ["sTmax"],
  },
  {
    name: "annealedLangevin",
    make: (o) => D.annealedLangevin(o),
    base: { steps: 2, stepSize: 0.1 },
    params: ["steps", "stepSize"],
  },
  {
    name: "predictorCorrector",
    make: (o) => D.predictorCorrector(o as never),
    base: { snr: 0.16, steps: 1 },
    params: ["snr", "steps"],
  },
  { name: "unipc", make: (o) => D.unipc(o as never), base: { order: 2 }, params: ["order"] },
  { name: "minSnrWeighting", make: (o) => D.minSnrWeighting(o), base: { gamma: 5 }, params: ["gamma"] },
  {
    name: "softMinSnrWeighting",
    make: (o) => D.softMinSnrWeighting(o),
    base: { gamma: 5 },
    params: ["gamma"],
  },
  { name: "edmWeighting", make: (o) => D.edmWeighting(o), base: { sigmaData: 0.5 }, params: ["sigmaData"] },
  {
    name: "sinkhornCoupling",
    make: (o) => D.sinkhornCoupling(o as never),
    base: { reg: 0.1, tol: 1e-6, maxIterations: 100 },
    params: ["reg", "tol", "maxIterations"],
  },
  {
    name: "uniformTimeGrid",
    make: (o) => D.uniformTimeGrid(D.affinePath(line), o.steps as number, o),
    base: { steps: 4, start: 0.01 },
    params: ["steps", "start"],
  },
  {
    name: "karrasGrid",
    make: (o) => D.karrasGrid(D.affinePath(D.edmSchedule()), o.steps as number, o),
    base: { steps: 4, sigmaMin: 0.01, sigmaMax: 10, rho: 7 },
    params: ["steps", "sigmaMin", "sigmaMax", "rho"],
  },
];

describe("constructors refuse non-finite parameters", () => {
  for (const row of ROWS) {
    test(`${row.name} accepts its baseline and refuses NaN and ±∞ for every numeric parameter`, () => {
      row.make({ ...row.base });
      const accepted: string[] = [];
      for (const p of row.params) {
        for (const bad of BAD) {
          if (bad === Number.POSITIVE_INFINITY && row.infinityAllowed?.includes(p)) continue;
          try {
            row.make({ ...row.base, [p]: bad });
            accepted.push(`${p} = ${bad}`);
          } catch (err) {
            assert.ok(
              err instanceof RangeError || err instanceof TypeError,
              `${row.name}: ${p} = ${String(bad)} threw ${(err as Error).constructor.name}: ${(err as Error).message}`,
            );
            assert.ok((err as Error).message.length > 0, `${row.name}: an error needs a message`);
          }
        }
      }
      assert.deepEqual(accepted, [], `${row.name} accepted: ${accepted.join(", ")}`);
    });
  }
});
