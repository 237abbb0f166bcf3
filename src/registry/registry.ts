/**
 * The registry of named components: every name the library and its command line accept for a
 * sampler, grid, path, loss weighting, time density, coupling or kind, with its parameters and
 * constructor (component.ts for the `NAME:key=value` syntax and the name folding).
 */
import type { GridFunction } from "../sampler/grid.js";
import type { Sampler } from "../sampler/sampler.js";
import type { Resolution } from "./component.js";
import { couplingRegistry } from "./couplings.js";
import { gridRegistry } from "./grids.js";
import { kindRegistry } from "./kinds.js";
import { timeDensityRegistry, weightingRegistry } from "./losses.js";
import { pathRegistry } from "./paths.js";
import { samplerRegistry } from "./samplers.js";

/** Every family of named components. */
export const registry = {
  samplers: samplerRegistry,
  grids: gridRegistry,
  paths: pathRegistry,
  weightings: weightingRegistry,
  timeDensities: timeDensityRegistry,
  couplings: couplingRegistry,
  kinds: kindRegistry,
} as const;

/** A sampler by any of its names, with the grid that name implies. */
export interface NamedSampler {
  readonly sampler: Sampler;
  /** The grid the name implies ("DPM++ 2M Karras": Karras), or undefined (use your own). */
  readonly grid: GridFunction | undefined;
  /** The canonical choices the name resolved to. */
  readonly resolution: Resolution;
}

/**
 * The sampler named `text` — a canonical name (`dpm-solver:order=3`), a diffusers scheduler class
 * with its configuration keys, a k-diffusion function or a UI name ("DPM++ 2M Karras") — and the grid
 * its name implies: `sample(model, { sampler, grid: grid ?? uniformTimeGrid, steps: 20, … })`.
 * Throws a RangeError naming the unknown name or parameter.
 */
export function samplerByName(text: string): NamedSampler {
  const resolution = samplerRegistry.resolve(text, "samplerByName");
  const sampler = samplerRegistry.build(resolution.choice, undefined);
  const g = resolution.grid;
  const grid: GridFunction | undefined =
    g === undefined ? undefined : (path, steps) => gridRegistry.build(g, { path, steps });
  return { sampler, grid, resolution };
}
