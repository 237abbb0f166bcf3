/**
 * Train: a small MLP trained in a Worker on samples of the mixture, with any recipe the registry
 * names; a live loss curve, live samples of the network next to the oracle's, steps per second, and
 * a Cancel button.
 */
import { KINDS, Rng, registry, slicedWasserstein } from "difflux";
import { PLANE, byId, fillSelect, gmm2, numberOf, AFFINE_PATHS } from "../common.js";
import { dots, emptyFrame, lineChart } from "../plot.js";
import type { WorkerReport, WorkerRequest } from "../worker.js";

export function setupTrain(): void {
  fillSelect("train-path", AFFINE_PATHS, "rectified-flow");
  fillSelect(
    "train-kind",
    KINDS.filter((k) => k !== "drift"),
    "velocity",
  );
  fillSelect("train-weighting", registry.weightings.names, "uniform");
  fillSelect("train-density", registry.timeDensities.names, "uniform");
  fillSelect("train-sampler", registry.samplers.names, "heun");
  const start = byId<HTMLButtonElement>("train-start");
  const cancel = byId<HTMLButtonElement>("train-cancel");
  const status = byId("train-status");
  const oracle = gmm2.sample(new Rng(5), 400);
  let worker: Worker | undefined;
  let steps: number[] = [];
  let losses: number[] = [];
  const drawLoss = () => {
    // Running mean over 20 steps so the curve is readable.
    const smooth = losses.map((_, i) => {
      const from = Math.max(0, i - 19);
      let s = 0;
      for (let j = from; j <= i; j++) s += losses[j]!;
      return s / (i - from + 1);
    });
    lineChart(
      byId("train-loss"),
      [
        { label: "loss", x: steps, y: losses, color: "#aac7e6" },
        { label: "running mean (20 steps)", x: steps, y: smooth, color: "#1f77b4" },
      ],
      { title: "training loss", xLabel: "step", yLabel: "weighted MSE", logY: true },
    );
  };
  const drawSamples = (x: Float64Array | null, step: number) => {
    const frame = emptyFrame(byId("train-samples"), PLANE, {
      title:
        x === null
          ? "oracle samples"
          : `samples of the network at step ${step} (red) and of the oracle (grey)`,
      xLabel: "x₁",
      yLabel: "x₂",
    });
    dots(frame, oracle, "#999", 3);
    if (x !== null) dots(frame, x, "#d62728", 3);
    frame.legend([
      { label: "oracle", color: "#999" },
      ...(x === null ? [] : [{ label: "network", color: "#d62728" }]),
    ]);
  };
  drawSamples(null, 0);
  start.addEventListener("click", () => {
    worker?.terminate();
    steps = [];
    losses = [];
    worker = new Worker("worker.mjs", { type: "module" });
    const request: WorkerRequest = {
      type: "train",
      path: byId<HTMLSelectElement>("train-path").value,
      kind: byId<HTMLSelectElement>("train-kind").value as never,
      weighting: byId<HTMLSelectElement>("train-weighting").value,
      timeDensity: byId<HTMLSelectElement>("train-density").value,
      sampler: byId<HTMLSelectElement>("train-sampler").value,
      steps: numberOf("train-steps"),
      width: numberOf("train-width"),
      lr: numberOf("train-lr"),
      backend: byId<HTMLSelectElement>("train-backend").value as never,
      kernels: byId<HTMLInputElement>("train-kernels").checked,
    };
    status.textContent = "starting…";
    status.dataset.state = "running";
    start.disabled = true;
    cancel.disabled = false;
    worker.addEventListener("message", (event: MessageEvent<WorkerReport>) => {
      const r = event.data;
      if (r.type === "engine") byId("train-engine").textContent = `engine: ${r.name}`;
      else if (r.type === "loss") {
        steps.push(...r.steps);
        losses.push(...r.losses);
        status.textContent = `step ${steps.at(-1)} of ${request.steps}, ${r.stepsPerSecond.toFixed(0)} steps/s`;
        status.dataset.stepsPerSecond = String(r.stepsPerSecond);
        byId<HTMLProgressElement>("train-progress").value = (steps.at(-1) ?? 0) / request.steps;
        drawLoss();
      } else if (r.type === "samples") {
        drawSamples(r.x, r.step);
        const d = slicedWasserstein(r.x, oracle, 2, { rng: new Rng(9), projections: 64 });
        byId("train-distance").textContent =
          `sliced Wasserstein distance to the oracle's samples: ${Number(d).toFixed(3)}`;
      } else if (r.type === "done") {
        status.textContent = `${r.cancelled ? "cancelled" : "done"} at step ${r.step}, ${r.stepsPerSecond.toFixed(0)} steps/s`;
        status.dataset.state = r.cancelled ? "cancelled" : "done";
        status.dataset.stepsPerSecond = String(r.stepsPerSecond);
        start.disabled = false;
        cancel.disabled = true;
      } else {
        status.textContent = `training failed: ${r.message}`;
        status.dataset.state = "error";
        start.disabled = false;
        cancel.disabled = true;
      }
    });
    worker.postMessage(request);
  });
  cancel.addEventListener("click", () => {
    worker?.postMessage({ type: "cancel" } satisfies WorkerRequest);
    status.textContent = "cancelling…";
  });
}
