/**
 * Recipe matrix (issue 11): every (path, kind) recipe × loss weighting × dataset, trained as `difflux
 * train` trains it — float32, the preconditioned network (loss/edm.ts `kindPreconditioning`),
 * standardised data (digits keep their [−1, 1] scale, σ_d = their standard deviation), the warmed-up
 * EMA — and scored on its EMA weights by the sliced W₂ (and MMD² at the end) between generated samples
 * and held-out data, next to the data-vs-data floor (two held-out draws of the same size) with its
 * spread over seeds. Also: the first evaluated step whose sliced W₂ is within 2× the floor ("steps to
 * quality"), the final sliced W₂ of the raw weights (without EMA), and the training wall time
 * (evaluation excluded). Recipes that `recipeProblem` refuses
 * are listed with their share of the loss in the extreme draws.
 *
 * Evaluation sampler: DPM-Solver++(2M) with 24 steps on a grid uniform in the noise level
 * τ = α/(α + σ) (rectified flow's uniform grid, on every path), from the same seeded noise for every
 * recipe; the sampler is the same for all, so the table compares training recipes.
 *
 * Run: node --import tsx bench/recipes.ts [--datasets moons,checkerboard,cloud3d,digits]
 *        [--paths all|rectified-flow,vp,…] [--kinds data,noise,score,velocity,v]
 *        [--weightings uniform,edm,min-snr,likelihood,sd3-sigma-sqrt] [--force] [--before] [--density uniform|uniform-level] [--steps 2000] [--width 256]
 *        [--depth 3] [--batch 256] [--lr 0.001] [--evals 250,500,1000,2000] [--samples 2000] [--seed 0]
 */
import {
  type AffinePath,
  type Kind,
  type Schedule,
  type TimeDensity,
  type Weighting,
  Rng,
  affinePath,
  cosineSchedule,
  customGrid,
  discreteSchedule,
  dpmSolverMultistep,
  edmSchedule,
  edmWeighting,
  linearSchedule,
  linearVpSchedule,
  likelihoodWeighting,
  minSnrWeighting,
  mmdRbf,
  sample,
  sampleToy,
  sd3SigmaSqrtWeighting,
  slicedWasserstein,
  subVpSchedule,
  uniformLevelTime,
  uniformTime,
  uniformWeighting,
  veSchedule,
  vpSchedule,
} from "../src/index.js";
import {
  type NetworkParameterization,
  datasetBatches,
  loadDataset,
  mlpConfig,
  networkModel,
  optimizerConfig,
  prepareTraining,
  recipeProblem,
  train,
  unstandardize,
} from "../src/node.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const list = (name: string, fallback: string) => option(name, fallback).split(",").filter(Boolean);

const PATHS: Record<string, () => Schedule> = {
  "rectified-flow": () => linearSchedule(),
  cosine: () => cosineSchedule(),
  "linear-vp": () => linearVpSchedule(),
  vp: () => vpSchedule(),
  subvp: () => subVpSchedule(),
  ve: () => veSchedule(),
  edm: () => edmSchedule(),
  ddpm: () => discreteSchedule({ betaSchedule: "linear" }),
  "scaled-linear": () =>
    discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
  squaredcos: () => discreteSchedule({ betaSchedule: "squaredcos_cap_v2" }),
};
const pathNames = option("paths", "all") === "all" ? Object.keys(PATHS) : list("paths", "");
const kinds = list("kinds", "data,noise,score,velocity,v") as Kind[];
const weightingNames = list("weightings", "uniform,edm");
const densityName = option("density", "uniform");
const datasets = list("datasets", "moons");
const steps = Number(option("steps", "2000"));
const width = Number(option("width", "256"));
const depth = Number(option("depth", "3"));
const batchSize = Number(option("batch", "256"));
const lr = Number(option("lr", "0.001"));
const evals = list("evals", "250,500,1000,2000")
  .map(Number)
  .filter((k) => k <= steps);
const samples = Number(option("samples", "2000"));
/** Seed of the initial weights and the batches. */
const trainSeed = Number(option("seed", "0"));
const floorSeeds = 5;

/** A dataset: training rows (data units), held-out draws for the score and the floor, and its dim. */
interface BenchData {
  readonly name: string;
  readonly dim: number;
  readonly train: Float32Array;
  /** Held-out draw `seed` of `n` rows (data units); seed 0 is what recipes are scored against. */
  heldOut(seed: number, n: number): Float64Array;
  /** Standardise (continuous data) or keep the data's own scale (digits). */
  readonly standardized: boolean;
}

/** A 3-D point cloud at scale ~10 with one thin axis: a noisy helix x = 10 cos θ, y = 10 sin θ, z = θ/π. */
function cloud3d(n: number, seed: number, first: number): Float64Array {
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const rng = new Rng(seed, 1000 + first + i);
    const theta = 4 * Math.PI * rng.uniform();
    out[3 * i] = 10 * Math.cos(theta) + 0.5 * rng.normal();
    out[3 * i + 1] = 10 * Math.sin(theta) + 0.5 * rng.normal();
    out[3 * i + 2] = theta / Math.PI + 0.05 * rng.normal();
  }
  return out;
}

function benchData(name: string): BenchData {
  if (name === "cloud3d") {
    return {
      name: "3-D helix (scale 10)",
      dim: 3,
      train: Float32Array.from(cloud3d(4000, 0, 0)),
      heldOut: (seed, n) => cloud3d(n, seed + 1, 1_000_000),
      standardized: true,
    };
  }
  if (name === "digits") {
    const train = loadDataset("digits", { split: "train", dtype: "float32" });
    const held = loadDataset("digits", { split: "heldout" }).data;
    const dim = train.shape[1];
    const rows = held.length / dim;
    return {
      name: "digits (8×8, [−1, 1])",
      dim,
      train: train.data as Float32Array,
      // Disjoint halves of the held-out split play the two draws of the floor.
      heldOut: (seed, n) => {
        const m = Math.min(n, Math.floor(rows / 2));
        const order = Array.from({ length: rows }, (_, i) => i);
        const rng = new Rng(seed, 7);
        for (let i = rows - 1; i > 0; i--) {
          const j = rng.integer(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const out = new Float64Array(m * dim);
        for (let i = 0; i < m; i++) out.set(held.subarray(order[i]! * dim, (order[i]! + 1) * dim), i * dim);
        return out;
      },
      standardized: false,
    };
  }
  return {
    name,
    dim: 2,
    train: sampleToy(name as "moons", 4000, { seed: 0, dtype: "float32" }) as Float32Array,
    heldOut: (seed, n) => Float64Array.from(sampleToy(name as "moons", n, { seed, split: "heldout" })),
    standardized: true,
  };
}

const distance = (x: Float64Array, y: Float64Array, dim: number) =>
  slicedWasserstein(x, y, dim, { rng: new Rng(5), projections: 256 });

function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

/** Steps uniform in τ = α/(α + σ) on [tMin, tMax], then the data end. */
function levelGrid(path: AffinePath, n: number) {
  const density = uniformLevelTime();
  return customGrid(
    path,
    Array.from({ length: n + 1 }, (_, k) => density.quantile(k / n, path)),
    { dataEnd: true },
  );
}

function weightingOf(name: string, sigmaData: number): Weighting {
  const weightings: Record<string, () => Weighting> = {
    uniform: () => uniformWeighting(),
    edm: () => edmWeighting({ sigmaData }),
    "min-snr": () => minSnrWeighting({ gamma: 5 }),
    likelihood: () => likelihoodWeighting(),
    "sd3-sigma-sqrt": () => sd3SigmaSqrtWeighting(),
  };
  const make = weightings[name];
  if (make === undefined)
    throw new RangeError(`bench/recipes: unknown weighting ${name} (${Object.keys(weightings).join(", ")})`);
  return make();
}

/** With --force, recipes that recipeProblem refuses are trained too (to check the refusal). */
const force = args.includes("--force");
/**
 * With --before, recipes train as `difflux train` did before preconditioning, standardisation and
 * the EMA warm-up: the network predicts the kind directly from (xₜ, t), on the data as given, with a
 * constant EMA decay (only the overflow-safe activations are kept). Implies --force.
 */
const before = args.includes("--before");

const density: TimeDensity = densityName === "uniform-level" ? uniformLevelTime() : uniformTime();

if (before) console.log("Before: direct network on the data as given, constant EMA decay (no warm-up).");
console.log(
  `Recipe matrix: MLP ${width}×${depth} (silu), batch ${batchSize}, Adam lr ${lr}, clip 1, EMA 0.999 with warm-up, ${steps} steps, float32,`,
);
console.log(
  `preconditioned network, ${densityName} time density; scored on the EMA weights with DPM-Solver++(2M), 24 steps uniform in τ,`,
);
console.log(
  `${samples} samples vs ${samples} held-out points (sliced W₂, 256 projections; MMD² with the median bandwidth).`,
);

for (const name of datasets) {
  const data = benchData(name);
  const { dim } = data;
  const reference = data.heldOut(0, samples);
  const floors = Array.from({ length: floorSeeds }, (_, s) =>
    distance(data.heldOut(s + 1, reference.length / dim), reference, dim),
  );
  const floor = meanSd(floors);
  const mmdFloor = mmdRbf(data.heldOut(1, reference.length / dim), reference, dim).mmd2;
  const prepared = prepareTraining(data.train, dim, { standardize: data.standardized && !before });
  const { standardization } = prepared;
  const parameterization: NetworkParameterization = before ? { kind: "direct" } : prepared.parameterization;
  const trainRows = prepared.data;
  const sigmaData =
    prepared.parameterization.kind === "preconditioned" ? prepared.parameterization.sigmaData : 1;
  const toData = (x: Float64Array) => (standardization === null ? x : unstandardize(x, standardization));
  console.log("");
  console.log(
    `### ${data.name}: floor (held-out vs held-out, ${floorSeeds} seeds) sliced W₂ ${floor.mean.toFixed(4)} ± ${floor.sd.toFixed(4)}, MMD² ${mmdFloor.toExponential(2)}${standardization === null ? `; σ_d = ${sigmaData.toFixed(3)}` : "; standardised"}`,
  );
  console.log("");
  console.log(
    `| path | kind | weighting | ${evals.map((k) => `W₂ @${k}`).join(" | ")} | W₂ / floor | W₂ without EMA | MMD² | steps to ≤ 2× floor | train s |`,
  );
  console.log(
    `| --- | --- | --- | ${evals.map(() => "---:").join(" | ")} | ---: | ---: | ---: | ---: | ---: |`,
  );
  for (const pathName of pathNames) {
    const path = affinePath(PATHS[pathName]!());
    for (const weightingName of weightingNames) {
      const weighting = weightingOf(weightingName, sigmaData);
      for (const kind of kinds) {
        const problem = recipeProblem(path, kind, weighting, density, { sigmaData });
        if (problem !== null && !force && !before) {
          const share = /puts ([\d.]+ %)/.exec(problem)?.[1];
          const counted = /only ([\d.]+ %) of the draws count/.exec(problem)?.[1];
          const why =
            share !== undefined
              ? `${share} of the loss on 0.2 % of draws`
              : counted !== undefined
                ? `only ${counted} of draws count (Kish)`
                : "infinite objective";
          console.log(
            `| ${pathName} | ${kind} | ${weightingName} | refused: ${why} |${evals.map(() => "").join(" |")} | | | | |`,
          );
          continue;
        }
        const model = mlpConfig({ dim, width, depth });
        const optimizer = optimizerConfig({
          lr,
          emaDecay: 0.999,
          clipNorm: 1,
          ...(before ? { emaWarmup: null } : {}),
        });
        const scores = new Map<number, number>();
        let mmd = Number.NaN;
        let withoutEma = Number.NaN;
        let trainMs = 0;
        let last = performance.now();
        const score = async (params: Parameters<typeof networkModel>[0], final: boolean) => {
          const net = networkModel(params, model, path, kind, { parameterization });
          const { x } = await sample(net, {
            sampler: dpmSolverMultistep(),
            grid: levelGrid(path, 24),
            seed: 11,
            batch: reference.length / dim,
            dim,
          });
          net.dispose();
          const out = toData(x);
          if (!out.every(Number.isFinite)) return Number.NaN;
          if (final) mmd = mmdRbf(out, reference, dim).mmd2;
          return distance(out, reference, dim);
        };
        let failure: string | null = null;
        try {
          await train({
            model,
            optimizer,
            steps,
            seed: trainSeed,
            recipe: `${pathName} / ${kind}, ${weightingName}`,
            batchSource: datasetBatches(path, trainRows, {
              batchSize,
              dim,
              kind,
              timeDensity: density,
              weighting,
              parameterization,
            }),
            onStep: async (info) => {
              trainMs += performance.now() - last;
              if (evals.includes(info.step)) {
                const state = info.state();
                scores.set(info.step, await score(state.ema ?? state.params, info.step === steps));
                if (info.step === steps) withoutEma = await score(state.params, false);
              }
              last = performance.now();
            },
          });
        } catch (err) {
          failure = err instanceof Error ? err.message.slice(0, 80) : String(err);
        }
        const final = scores.get(steps) ?? Number.NaN;
        const reached = evals.find((k) => (scores.get(k) ?? Number.POSITIVE_INFINITY) <= 2 * floor.mean);
        console.log(
          `| ${pathName} | ${kind} | ${weightingName}${problem === null ? "" : " (refused)"} | ${evals.map((k) => (scores.has(k) ? scores.get(k)!.toFixed(3) : "—")).join(" | ")} | ${failure ?? (final / floor.mean).toFixed(2)} | ${Number.isFinite(withoutEma) ? withoutEma.toFixed(3) : "—"} | ${Number.isFinite(mmd) ? mmd.toExponential(1) : "—"} | ${reached ?? "—"} | ${(trainMs / 1000).toFixed(0)} |`,
        );
      }
    }
  }
}
