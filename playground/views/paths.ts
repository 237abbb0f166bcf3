/**
 * Paths: α(t), σ(t), log-SNR, the forward SDE's f and g², and the marginal density of a 1-D Gaussian
 * mixture over time as a heat map, for an affine schedule or a linear-SDE bridge.
 */
import type { GaussianPath } from "difflux";
import { lineChart, heatMap } from "../plot.js";
import {
  AFFINE_PATHS,
  BRIDGES,
  byId,
  fillSelect,
  gmm1,
  linspace,
  matrixEntry,
  pathByName,
  showLatency,
  showProblem,
} from "../common.js";

/** Scalar coefficients of `path` at t: α, σ and the forward SDE's f and g² (first coordinate). */
export function coefficients(
  path: GaussianPath,
  t: number,
): { alpha: number; sigma: number; f: number; g2: number } {
  const slice = path.slice(t as never);
  const level = slice.level;
  if (level !== undefined) {
    const schedule = (path as { schedule?: { sde(t: number): { f: number; g2: number } } }).schedule;
    const sde = schedule?.sde(t as never) ?? { f: Number.NaN, g2: Number.NaN };
    return { alpha: level.alpha, sigma: level.sigma, f: sde.f, g2: sde.g2 };
  }
  const c = slice.coordinates();
  const bridge = (path as { bridge?: { sde: { params(t: number): { F: unknown; Lambda: unknown } } } })
    .bridge;
  const params = bridge?.sde.params(t);
  return {
    alpha: c?.alpha[0] ?? Number.NaN,
    sigma: c?.sigma[0] ?? Number.NaN,
    f: matrixEntry(params?.F),
    g2: matrixEntry(params?.Lambda),
  };
}

export function setupPaths(): () => void {
  const select = fillSelect("paths-path", [...AFFINE_PATHS, ...Object.keys(BRIDGES)], "cosine");
  const update = () => {
    const start = performance.now();
    byId("paths-problem").textContent = "";
    try {
      const path = pathByName(select.value, 1);
      const ts = linspace(Math.max(path.tMin, 1e-3), Math.min(path.tMax, 1 - 1e-3), 200);
      const rows = Array.from(ts, (t) => coefficients(path, t));
      const alpha = rows.map((r) => r.alpha);
      const sigma = rows.map((r) => r.sigma);
      lineChart(
        byId("paths-levels"),
        [
          { label: "α(t)", x: ts, y: alpha },
          { label: "σ(t)", x: ts, y: sigma },
        ],
        { title: "signal and noise levels", xLabel: "t (0 = noise, 1 = data)", yLabel: "level" },
      );
      lineChart(
        byId("paths-logsnr"),
        [
          {
            label: "log-SNR λ(t) = log(α²/σ²)",
            x: ts,
            y: rows.map((r) => Math.log((r.alpha * r.alpha) / (r.sigma * r.sigma))),
          },
        ],
        { title: "log signal-to-noise ratio", xLabel: "t", yLabel: "λ" },
      );
      lineChart(
        byId("paths-sde"),
        [
          { label: "f(t) (drift coefficient)", x: ts, y: rows.map((r) => r.f) },
          { label: "g²(t) (diffusion)", x: ts, y: rows.map((r) => r.g2), dashed: true },
        ],
        {
          title: "forward SDE dx = f x dt + g dW (in diffusion time)",
          xLabel: "t",
          yLabel: "coefficient",
          robust: true,
        },
      );
      drawDensity(path);
      const mid = coefficients(path, 0.5);
      const out = byId("paths-values");
      out.textContent = `at t = 0.5: α = ${mid.alpha.toPrecision(6)}, σ = ${mid.sigma.toPrecision(6)}`;
      out.dataset.alpha = String(mid.alpha);
      out.dataset.sigma = String(mid.sigma);
    } catch (err) {
      showProblem("paths-problem", err);
    }
    showLatency("paths-latency", performance.now() - start);
  };
  select.addEventListener("change", update);
  return update;
}

/** The marginal density pₜ(x) of the 1-D mixture over (t, x) as a heat map (scalar paths only). */
function drawDensity(path: GaussianPath): void {
  const canvas = byId<HTMLCanvasElement>("paths-heat");
  if (path.dim !== undefined && path.dim !== 1) {
    canvas.getContext("2d")?.clearRect(0, 0, canvas.width, canvas.height);
    byId("paths-problem").textContent =
      `marginal density: this bridge's state has ${path.dim} coordinates per data coordinate (position and velocity), so the 1-D mixture's density is not shown`;
    return;
  }
  // Marginal density p_t(x) of the 1-D mixture: one row per x, one column per t.
  const nt = 120;
  const nx = 120;
  const times = linspace(Math.max(path.tMin, 1e-3), Math.min(path.tMax, 1 - 1e-3), nt - 1);
  const xs = linspace(-4, 4, nx - 1);
  const on = gmm1.on(path);
  const density = new Float64Array(nt * nx);
  times.forEach((t, c) => {
    const logp = on.logProb(t, xs);
    for (let r = 0; r < nx; r++) density[r * nt + c] = Math.exp(logp[r]!);
  });
  let top = 0;
  for (const d of density) top = Math.max(top, d);
  heatMap(
    byId("paths-heat"),
    density,
    nt,
    nx,
    { x0: times[0]!, x1: times[nt - 1]!, y0: -4, y1: 4 },
    {
      title: "marginal density pₜ(x) of a two-component mixture",
      xLabel: "t (0 = noise, 1 = data)",
      yLabel: "x",
      barLabel: "pₜ(x)",
      range: [0, Math.min(top, 1.5)],
    },
  );
}
