/**
 * The training worker: trains a small MLP on samples of the 2-D mixture with the chosen recipe
 * (path, kind, loss weighting, time density) on the jax-js engine (WebGPU when the browser has it,
 * wasm otherwise; float32 MLP steps on the fused WebAssembly kernels), posting the loss every few
 * steps and samples of the current network about once a second. A "cancel" message stops it after
 * the current step.
 */
import {
  type TrainState,
  datasetBatches,
  gaussianMixture,
  jaxEngine,
  mlpConfig,
  networkModel,
  optimizerConfig,
  registry,
  Rng,
  sample,
  train,
  type Kind,
} from "difflux";
import { pathByName } from "./common.js";
import { MIXTURE_2D } from "./mixtures.js";

/** What the page asks the worker to do. */
export type WorkerRequest =
  | {
      readonly type: "train";
      readonly path: string;
      readonly kind: Kind;
      readonly weighting: string;
      readonly timeDensity: string;
      readonly steps: number;
      readonly width: number;
      readonly lr: number;
      readonly sampler: string;
      readonly backend: "auto" | "wasm" | "webgpu";
      readonly kernels: boolean;
    }
  | { readonly type: "cancel" };

/** What the worker reports. */
export type WorkerReport =
  | { readonly type: "engine"; readonly name: string }
  | {
      readonly type: "loss";
      readonly steps: number[];
      readonly losses: number[];
      readonly stepsPerSecond: number;
    }
  | { readonly type: "samples"; readonly step: number; readonly x: Float64Array }
  | {
      readonly type: "done";
      readonly step: number;
      readonly cancelled: boolean;
      readonly stepsPerSecond: number;
    }
  | { readonly type: "error"; readonly message: string };

const post = (report: WorkerReport) => (self as unknown as Worker).postMessage(report);
let cancelled = false;

async function run(request: Extract<WorkerRequest, { type: "train" }>): Promise<void> {
  cancelled = false;
  const path = pathByName(request.path, 2);
  const data = Float32Array.from(gaussianMixture(MIXTURE_2D).sample(new Rng(1), 4096));
  const model = mlpConfig({ dim: 2, width: request.width, depth: 3, timeEmbedding: { dim: 16 } });
  const optimizer = optimizerConfig({ lr: request.lr, emaDecay: 0.99 });
  const batchSource = datasetBatches(path, data, {
    kind: request.kind,
    dim: 2,
    batchSize: 256,
    weighting: registry.weightings.build(request.weighting, undefined),
    timeDensity: registry.timeDensities.build(request.timeDensity, undefined),
  });
  const engine = await jaxEngine({ backend: request.backend, kernels: request.kernels, threads: 1 });
  post({ type: "engine", name: engine.name });
  const started = performance.now();
  let steps: number[] = [];
  let losses: number[] = [];
  let lastSamples = started;
  let lastPost = started;
  let last: { step: number; state: TrainState | null } | undefined;
  const showSamples = async (step: number, state: TrainState) => {
    const net = networkModel(state.ema ?? state.params, model, path, request.kind);
    const { sampler, grid } = {
      sampler: registry.samplers.build(request.sampler, undefined),
      grid: undefined,
    };
    const r = await sample(net, { sampler, grid, steps: 20, batch: 400, seed: 3, dim: 2 });
    net.dispose();
    post({ type: "samples", step, x: r.x });
  };
  await train({
    model,
    optimizer,
    steps: request.steps,
    batchSource,
    seed: 0,
    engine,
    onStep: async (info) => {
      last = { step: info.step, state: null };
      steps.push(info.step);
      losses.push(info.loss);
      const now = performance.now();
      if (now - lastPost > 100) {
        post({ type: "loss", steps, losses, stepsPerSecond: (info.step * 1000) / (now - started) });
        steps = [];
        losses = [];
        lastPost = now;
        // Let the cancel message in.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      if (now - lastSamples > 1000) {
        await showSamples(info.step, info.state());
        lastSamples = performance.now();
      }
      // The state is copied at the last step, while the engine still holds it.
      const stop = cancelled;
      if (stop || info.step >= request.steps) last = { step: info.step, state: info.state() };
      return !stop;
    },
  });
  const elapsed = performance.now() - started;
  if (steps.length > 0 && last !== undefined)
    post({ type: "loss", steps, losses, stepsPerSecond: (last.step * 1000) / elapsed });
  if (last?.state) await showSamples(last.step, last.state);
  post({
    type: "done",
    step: last?.step ?? 0,
    cancelled,
    stepsPerSecond: last === undefined ? 0 : (last.step * 1000) / elapsed,
  });
}

self.addEventListener("message", (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === "cancel") {
    cancelled = true;
    return;
  }
  run(request).catch((err: unknown) =>
    post({ type: "error", message: err instanceof Error ? err.message : String(err) }),
  );
});
