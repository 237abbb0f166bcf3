/**
 * Rules and help text shared by the commands that sample (`sample`, `bench-samplers`): a sampler name
 * from another tool may imply a grid ("DPM++ 2M Karras" → the Karras grid).
 */
import { registry, type Resolution } from "difflux";
import { UsageError } from "../errors.js";

/** The help line under the sampler list. */
export const SAMPLER_NAMES_NOTE =
  '  Also accepted: diffusers scheduler classes with their config keys (DPMSolverMultistepScheduler:use_karras_sigmas=true),\n  k-diffusion functions (sample_dpmpp_2m, dpmpp_2m_sde) and UI names ("DPM++ 2M Karras", "Euler a");\n  the table of every name: docs/sampler-names.md. Outputs name the canonical sampler and grid.';

/**
 * Moves the grid a sampler alias implies into `grid` (the sampler keeps its canonical choice);
 * an explicit --grid that disagrees is an error naming both.
 */
export function samplerGrid(
  sampler: Resolution,
  grid: Resolution,
  gridGiven: boolean,
  flag: string,
): Resolution {
  if (sampler.grid === undefined) return grid;
  const implied = registry.grids.format(sampler.grid);
  if (gridGiven && registry.grids.format(grid.choice) !== implied) {
    throw new UsageError(
      `--grid: ${flag} ${JSON.stringify(sampler.alias)} already picks the ${implied} grid — drop --grid, or name the sampler alone (${registry.samplers.format(sampler.choice)})`,
    );
  }
  return { choice: sampler.grid };
}

/** `samplerGrid` for the `sampler` and `grid` options of a command's values. */
export function applySamplerGrid(
  o: { sampler: Resolution; grid: Resolution },
  given: ReadonlySet<string>,
): void {
  o.grid = samplerGrid(o.sampler, o.grid, given.has("grid"), "--sampler");
  o.sampler = { choice: o.sampler.choice };
}
