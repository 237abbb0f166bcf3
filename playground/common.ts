/**
 * What every view shares: the Gaussian mixtures the oracle answers for, path construction by name
 * (the registry's affine paths and four linear-SDE bridges), pickers filled from the registry, and
 * small DOM helpers.
 */
import {
  type GaussianPath,
  type LinearSde,
  bridgePath,
  brownianMotion,
  criticallyDampedLangevin,
  gaussian,
  gaussianMixture,
  ornsteinUhlenbeck,
  registry,
  variancePreservingSde,
} from "difflux";
import { MIXTURE_1D, MIXTURE_2D } from "./mixtures.js";

export const gmm2 = gaussianMixture(MIXTURE_2D);
export const gmm1 = gaussianMixture(MIXTURE_1D);

/** The plane every 2-D view shows. */
export const PLANE = { x0: -3, x1: 3, y0: -3, y1: 3 } as const;

/** Bridge paths by label: a linear SDE from a standard-normal prior at t = 0 to data observed at t = 1. */
export const BRIDGES: Record<string, (dim: number) => GaussianPath> = {
  "bridge: Brownian motion": (dim) => bridge(brownianMotion({ sigma: 1, dim }), dim),
  "bridge: Ornstein–Uhlenbeck": (dim) => bridge(ornsteinUhlenbeck({ sigma: 1, lambda: 1, dim }), dim),
  "bridge: variance preserving": (dim) =>
    bridge(variancePreservingSde({ betaMin: 0.1, betaMax: 20, dim }), dim),
  "bridge: critically damped Langevin": (dim) =>
    bridgePath({
      sde: criticallyDampedLangevin({ mass: 0.25, beta: 4, dim }),
      prior: gaussian({ mean: 0, cov: 1, dim: 2 * dim }),
      evidenceCov: 1e-3,
    }),
};

function bridge(sde: LinearSde, dim: number): GaussianPath {
  return bridgePath({ sde, prior: gaussian({ mean: 0, cov: 1, dim }), evidenceCov: 1e-3 });
}

/** The names of the registry's affine paths. */
export const AFFINE_PATHS: readonly string[] = registry.paths.names;

/** The path named `name` (a registry path, or a bridge label) for data of dimension `dim`. */
export function pathByName(name: string, dim: number): GaussianPath {
  const b = BRIDGES[name];
  return b !== undefined ? b(dim) : registry.paths.build(name, undefined);
}

/** An element by id (throws naming it when the page lacks it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: no element #${id}`);
  return el as T;
}

/** Fills the select `#id` with `options` (value = label) and selects `initial`. */
export function fillSelect(id: string, options: readonly string[], initial?: string): HTMLSelectElement {
  const select = byId<HTMLSelectElement>(id);
  select.replaceChildren(
    ...options.map((o) => {
      const opt = document.createElement("option");
      opt.value = o;
      opt.textContent = o;
      return opt;
    }),
  );
  if (initial !== undefined) select.value = initial;
  return select;
}

/** The number in input `#id`. */
export function numberOf(id: string): number {
  return Number(byId<HTMLInputElement>(id).value);
}

/** `n + 1` evenly spaced numbers from a to b. */
export function linspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
}

/** The points of an nx × ny grid over `box` (row-major, y rows from the bottom), as (x, y) pairs. */
export function gridPoints(
  box: { x0: number; x1: number; y0: number; y1: number },
  nx: number,
  ny: number,
): Float64Array {
  const out = new Float64Array(nx * ny * 2);
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++) {
      out[2 * (r * nx + c)] = box.x0 + ((c + 0.5) / nx) * (box.x1 - box.x0);
      out[2 * (r * nx + c) + 1] = box.y0 + ((r + 0.5) / ny) * (box.y1 - box.y0);
    }
  return out;
}

/** Shows how long the last interaction took in `#id` (data-ms holds the number for tests). */
export function showLatency(id: string, ms: number): void {
  const el = byId(id);
  el.textContent = `updated in ${ms.toFixed(0)} ms`;
  el.dataset.ms = String(ms);
}

/** Yields to the browser so it can paint and take clicks during long work. */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Shows an error in `#id` (never on the console: a view that cannot draw says why in the page). */
export function showProblem(id: string, err: unknown): void {
  byId(id).textContent = err instanceof Error ? err.message : String(err);
}

/** The (0, 0) entry of one of the library's matrices (scalar c·I, diagonal or dense), NaN for none. */
export function matrixEntry(m: unknown): number {
  if (m === undefined || m === null || typeof m !== "object") return Number.NaN;
  const mat = m as { kind: string; value?: number; values?: Float64Array };
  return mat.kind === "scalar" ? mat.value! : mat.values![0]!;
}
