/**
 * Likelihood: log pₜ₌₁(x) over the plane computed through the probability-flow ODE (the oracle's
 * denoiser as the model, exact divergence) next to the mixture's exact log-density, with progress and
 * Cancel (the map is computed in chunks of rows between which the page stays responsive).
 */
import { logLikelihood, mixtureModel } from "difflux";
import { heatMap } from "../plot.js";
import {
  AFFINE_PATHS,
  PLANE,
  breathe,
  byId,
  fillSelect,
  gmm2,
  gridPoints,
  numberOf,
  pathByName,
  showProblem,
} from "../common.js";

export function setupLikelihood(): { run: () => Promise<void> } {
  const pathSelect = fillSelect("lik-path", AFFINE_PATHS, "rectified-flow");
  const start = byId<HTMLButtonElement>("lik-start");
  const cancel = byId<HTMLButtonElement>("lik-cancel");
  const status = byId("lik-status");
  let cancelled = false;
  const run = async () => {
    cancelled = false;
    start.disabled = true;
    cancel.disabled = false;
    byId("lik-problem").textContent = "";
    const began = performance.now();
    try {
      const n = Math.max(4, Math.min(48, Math.round(numberOf("lik-resolution"))));
      const points = gridPoints(PLANE, n, n);
      const exact = gmm2.logProb(points);
      const range: [number, number] = [-12, Math.max(...exact)];
      const draw = (id: string, values: Float64Array, title: string) =>
        heatMap(
          byId(id),
          values.map((v) => Math.max(v, range[0])),
          n,
          n,
          PLANE,
          { title, xLabel: "x₁", yLabel: "x₂", barLabel: "log p(x)", range },
        );
      draw("lik-exact", exact, "exact log p(x) of the mixture");
      const path = pathByName(pathSelect.value, 2);
      const model = mixtureModel(gmm2, path);
      const flow = new Float64Array(n * n).fill(Number.NaN);
      const chunk = 2 * n;
      for (let row = 0; row < n * n; row += chunk) {
        if (cancelled) break;
        const rows = Math.min(chunk, n * n - row);
        const r = await logLikelihood(model, points.subarray(2 * row, 2 * (row + rows)), {
          dim: 2,
          divergence: { kind: "exact" },
        });
        flow.set(r.logLikelihood, row);
        const done = (row + rows) / (n * n);
        byId<HTMLProgressElement>("lik-progress").value = done;
        status.textContent = `probability-flow ODE: ${(done * 100).toFixed(0)}%`;
        draw("lik-flow", flow, "log p(x) through the probability-flow ODE");
        await breathe();
      }
      const gaps: number[] = [];
      for (let i = 0; i < flow.length; i++)
        if (Number.isFinite(flow[i]!)) gaps.push(Math.abs(flow[i]! - exact[i]!));
      gaps.sort((a, b) => a - b);
      const worst = gaps.at(-1) ?? Number.NaN;
      const median = gaps[Math.floor(gaps.length / 2)] ?? Number.NaN;
      status.textContent = `${cancelled ? "cancelled" : "done"} in ${((performance.now() - began) / 1000).toFixed(1)} s; |ODE − exact|: median ${median.toExponential(2)}, largest ${worst.toExponential(2)} nats`;
      status.dataset.median = String(median);
      status.dataset.state = cancelled ? "cancelled" : "done";
      status.dataset.worst = String(worst);
      const centre = byId("lik-values");
      centre.dataset.exact = String(exact[0]);
      centre.dataset.flow = String(flow[0]);
      centre.textContent = `at (${points[0]!.toFixed(3)}, ${points[1]!.toFixed(3)}): exact ${exact[0]!.toFixed(5)}, ODE ${flow[0]!.toFixed(5)}`;
    } catch (err) {
      showProblem("lik-problem", err);
    }
    start.disabled = false;
    cancel.disabled = true;
  };
  start.addEventListener("click", () => void run());
  cancel.addEventListener("click", () => {
    cancelled = true;
  });
  return { run };
}
