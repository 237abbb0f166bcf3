/**
 * The README's API tour as a runnable program: `node --import tsx examples/tour.ts`.
 * test/laws/tour.test.ts runs it, so the tour cannot drift from the API.
 */
import {
  DiffusionModelComponents,
  DiffusionModelConversions,
  Rng,
  affinePath,
  bridgePath,
  convert,
  cosineSchedule,
  discreteSchedule,
  dpmSolverMultistep,
  edmSchedule,
  exactOtCoupling,
  gaussian,
  gaussianMixture,
  karrasGrid,
  linearSchedule,
  logLikelihood,
  logitNormalTime,
  minSnrWeighting,
  noiseToData,
  ornsteinUhlenbeck,
  retime,
  sample,
  shiftedSchedule,
  trainingBatch,
  vpSchedule,
} from "../src/index.js";

/** Runs the tour and returns a few numbers it computed (the test checks them). */
export async function tour() {
  // Schedules: α, σ, their derivatives, log-SNR and its exact inverse, the forward SDE.
  const vp = vpSchedule({ betaMin: 0.1, betaMax: 20 });
  const level03 = vp.at(0.3); // { t, alpha, sigma, dAlpha, dSigma }
  const back = vp.timeAtLogSnr(vp.logSnr(0.3)); // 0.3
  const sd = discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 });
  const sd3 = shiftedSchedule(linearSchedule(), { shift: 3 });

  // The hub: any kind to any kind, exactly.
  const level = cosineSchedule().at(0.4);
  const xt = new Float64Array([0.3, -1.2]);
  const epsHat = new Float64Array([0.5, -0.1]);
  const data = noiseToData(epsHat, xt, level);
  const v = convert(epsHat, "noise", "v", xt, level);

  // The exact Gaussian-mixture oracle is a Model of kind "data" on any path.
  const mixture = gaussianMixture({
    weights: [0.5, 0.5],
    means: [
      [-2, 0],
      [2, 1],
    ],
    covariances: [0.1, 0.1],
  });
  const path = affinePath(edmSchedule());
  const denoiser = mixture.denoiser(path);

  // Samplers: any model kind, any path (affine or bridge).
  const { x, nfe } = await sample(denoiser, {
    sampler: dpmSolverMultistep({ order: 2 }),
    grid: karrasGrid(path, 10),
    seed: 0,
    batch: 1000,
    dim: 2,
  });

  // Serve a model trained on one path under another (equal log-SNR, every kind).
  const onVp = retime(denoiser, affinePath(vp));

  // Likelihood through the probability-flow ODE (exact, finite-difference or Hutchinson divergence).
  const flow = affinePath(linearSchedule());
  const points = x.subarray(0, 20); // the first 10 samples
  const { logLikelihood: logp } = await logLikelihood(mixture.denoiser(flow), points, {
    dim: 2,
    divergence: { kind: "exact" },
    // Tight: ~1e-5 nats. The default (rtol = atol = 1e-3) is ~2e-3 nats here and 5–10× faster on networks.
    solver: { kind: "adaptive", rtol: 1e-5, atol: 1e-5 },
  });

  // Training batches: any path, any kind, weighting, time density and coupling.
  const dataRows = mixture.sample(new Rng(1), 256);
  const batch = trainingBatch(flow, dataRows, {
    kind: "noise",
    dim: 2,
    weighting: minSnrWeighting({ gamma: 5 }),
    timeDensity: logitNormalTime(),
    coupling: exactOtCoupling(),
    rng: new Rng(0),
  });

  // Linear-SDE bridge paths: a prior at t = 0 (noise end), data observed with noise at t = 1.
  const bridge = bridgePath({
    sde: ornsteinUhlenbeck({ lambda: 1, sigma: 1, dim: 1 }),
    prior: gaussian({ mean: 2, cov: 1, dim: 1 }),
    evidenceCov: 0.1,
  }); // a GaussianPath: samplers, losses, likelihood work on it
  const flowValue = bridge
    .slice(0.5)
    .convert(new Float64Array([1.5]), "data", "velocity", new Float64Array([0.2])); // 0.44443712
  const slices = bridge.slices([0.1, 0.5, 0.9]); // every slice from two ODE solves

  // The same in linsdex's names (compat/linsdex.ts): arguments are named, so no order can be swapped.
  const components = new DiffusionModelComponents({
    linearSde: ornsteinUhlenbeck({ lambda: 1, sigma: 1, dim: 1 }),
    t0: 0,
    priorAtT0: gaussian({ mean: 2, cov: 1, dim: 1 }),
    t1: 1,
    evidenceCov: 0.1,
  });
  const sameFlow = new DiffusionModelConversions(components, 0.5).y1ToFlow({
    y1: new Float64Array([1.5]),
    xt: new Float64Array([0.2]),
  });

  return { level03, back, sd, sd3, data, v, x, nfe, onVp, logp, batch, flowValue, slices, bridge, sameFlow };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await tour();
  console.log(`DPM-Solver++(2M), 10 steps: ${r.nfe} model evaluations for ${r.x.length / 2} samples`);
  console.log(
    `mean log-likelihood of 10 samples: ${(r.logp.reduce((a, b) => a + b, 0) / r.logp.length).toFixed(4)} nats`,
  );
  console.log(`bridge flow at t = 0.5: ${r.flowValue[0]}`);
}
