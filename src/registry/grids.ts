/**
 * The time grids by name (src/sampler/grid.ts); a grid is built on a path for a number of steps:
 * `grids.build("karras:rho=5", { path, steps: 10 })`.
 */
import type { GaussianPath } from "../path/path.js";
import {
  exponentialGrid,
  type Grid,
  karrasGrid,
  polyexponentialGrid,
  shiftGrid,
  timeQuadraticGrid,
  uniformLogSnrGrid,
  uniformTimeGrid,
} from "../sampler/grid.js";
import { sigmaTilde } from "../time.js";
import { type Entry, type ParamSpec, type ParamValue, Registry } from "./component.js";

/** What a grid is built for: the path and the number of steps. */
export interface GridContext {
  readonly path: GaussianPath;
  readonly steps: number;
}

const sigmaMin: ParamSpec = { type: "number", description: "smallest positive σ̃ (default the path's)" };
const sigmaMax: ParamSpec = { type: "number", description: "largest σ̃ (default the path's)" };
/** A σ̃ parameter as the grids take it (branded), or undefined. */
const sigma = (v: ParamValue | undefined) => (v === undefined ? undefined : sigmaTilde(v as number));
const sigmas = (p: Readonly<Record<string, ParamValue>>) => ({
  sigmaMin: sigma(p.sigmaMin),
  sigmaMax: sigma(p.sigmaMax),
});

/** Every grid entry, in help order. */
export const GRID_ENTRIES: readonly Entry<Grid, GridContext>[] = [
  {
    name: "uniform",
    summary: "uniform in canonical time t",
    params: {},
    build: (_p, c) => uniformTimeGrid(c.path, c.steps),
  },
  {
    name: "quadratic",
    summary: "quadratic in t (denser near the data)",
    params: {},
    build: (_p, c) => timeQuadraticGrid(c.path, c.steps),
  },
  {
    name: "karras",
    summary: "Karras et al. σ̃-spacing, default ρ = 7",
    params: { rho: { type: "number", description: "ρ > 0 (default 7)" }, sigmaMin, sigmaMax },
    build: (p, c) => karrasGrid(c.path, c.steps, { rho: p.rho as number | undefined, ...sigmas(p) }),
  },
  {
    name: "log-snr",
    summary: "uniform in log-SNR",
    params: {},
    build: (_p, c) => uniformLogSnrGrid(c.path, c.steps),
  },
  {
    name: "exponential",
    summary: "uniform in log σ̃",
    params: { sigmaMin, sigmaMax },
    build: (p, c) => exponentialGrid(c.path, c.steps, sigmas(p)),
  },
  {
    name: "polyexponential",
    summary: "polyexponential in σ̃, default ρ = 1",
    params: { rho: { type: "number", description: "ρ > 0 (default 1)" }, sigmaMin, sigmaMax },
    build: (p, c) => polyexponentialGrid(c.path, c.steps, { rho: p.rho as number | undefined, ...sigmas(p) }),
  },
  {
    name: "shift",
    summary: "uniform in t, shifted to lower log-SNR by 2·log(shift) (SD3's timestep shift)",
    params: { shift: { type: "number", description: "shift s > 0 (SD3: 3)" } },
    build: (p, c) => shiftGrid(c.path, c.steps, { shift: (p.shift as number | undefined) ?? 1 }),
  },
];

/** The grid registry. */
export const gridRegistry = new Registry<Grid, GridContext>("grid", GRID_ENTRIES);
