/**
 * A trained network from a checkpoint directory, as a library `Model` on the path it was trained on
 * (the library's `checkpointModel`: its path, parameterization and data standardisation), with the
 * run record `train` wrote beside it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AffinePath, Model } from "difflux";
import type { Standardization } from "difflux/node";
import { UsageError, withContext } from "../errors.js";

/** File names inside a run directory besides the checkpoint (written by `difflux train`). */
export const RUN_FILES = { record: "train.json", losses: "loss.csv", plot: "loss.png" } as const;

/** A loaded checkpoint ready to sample from or evaluate. */
export interface TrainedModel {
  readonly model: Model & { dispose(): void };
  readonly path: AffinePath;
  readonly dim: number;
  readonly step: number;
  readonly kind: Model["kind"];
  /** Whether the EMA weights are used. */
  readonly ema: boolean;
  /** The training data source recorded by `difflux train` (a dataset name or a file), if known. */
  readonly data: string | null;
  /** The number of classes of a class-conditional network, else null. */
  readonly classes: number | null;
  /** The label dropout it was trained with (null: unconditional or not recorded). */
  readonly labelDropout: number | null;
  /** The data standardisation the network was trained in (null: none). */
  readonly standardization: Standardization | null;
  /** Rows the model generates → data units (`unstandardize`; the rows themselves without one). */
  toData(x: Float64Array): Float64Array;
  /** Data rows → the model's units (`standardize`; the rows themselves without one). */
  toModel(x: Float64Array): Float64Array;
  /** log|det ∂z/∂x| of the standardisation (0 without one): log p_x(x) = log p_z(z) + logDet per row. */
  readonly logDet: number;
}

/**
 * Loads the checkpoint in `dir` (`--ckpt`) through the library's `checkpointModel`: the network on
 * its path with its parameterization, and the data standardisation its results map back through.
 * Uses the EMA weights when the run kept them and `ema` is true. With `float64`, the (float32)
 * weights are widened so the network is evaluated in float64. Errors name the option, the problem
 * and the fix.
 */
export async function loadTrainedModel(dir: string, ema = true, float64 = false): Promise<TrainedModel> {
  const lib = await import("difflux/node");
  if (!existsSync(dir))
    throw new UsageError(`--ckpt: no such directory ${dir} — pass the --out directory of difflux train`);
  if (!existsSync(join(dir, lib.CHECKPOINT_CONFIG))) {
    throw new UsageError(
      `--ckpt: ${dir} holds no checkpoint (${lib.CHECKPOINT_CONFIG} is missing) — pass the --out directory of difflux train`,
    );
  }
  const ckpt = withContext("--ckpt", () => lib.loadCheckpoint(dir));
  if (ckpt.meta.schedule === null) {
    throw new UsageError(
      `--ckpt: ${dir} was trained on a bridge path, which the command line cannot rebuild — load it with the library`,
    );
  }
  if (ckpt.meta.kind === "drift") {
    throw new UsageError(
      `--ckpt: ${dir} holds a drift model, which needs its g²(t) — load it with the library`,
    );
  }
  const loaded = withContext("--ckpt", () => lib.checkpointModel(ckpt, { ema, float64 }));
  let data: string | null = null;
  try {
    const bytes = lib.readFileBytes("loadTrainedModel", join(dir, RUN_FILES.record), {
      ...lib.INPUT_LIMITS,
      maxBytes: 1 << 20,
    });
    const record = JSON.parse(new TextDecoder().decode(bytes)) as { options?: { data?: unknown } };
    data = typeof record.options?.data === "string" ? record.options.data : null;
  } catch {
    data = null;
  }
  const { standardization } = loaded;
  return {
    model: loaded.model,
    path: loaded.path as AffinePath,
    dim: ckpt.model.dim,
    step: ckpt.state.step,
    kind: ckpt.meta.kind,
    ema: loaded.ema,
    data,
    classes: ckpt.model.classes ?? null,
    labelDropout: ckpt.meta.labelDropout ?? null,
    standardization,
    toData: (x) => (standardization === null ? x : lib.unstandardize(x, standardization)),
    toModel: (x) => (standardization === null ? x : lib.standardize(x, standardization)),
    logDet: standardization === null ? 0 : lib.standardizationLogDet(standardization),
  };
}
