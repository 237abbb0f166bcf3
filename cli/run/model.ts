/**
 * A trained network from a checkpoint directory, as a library `Model` on the path it was trained on
 * (rebuilt from the checkpoint's schedule spec), with the run record `train` wrote beside it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AffinePath, Model } from "difflux";
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
}

/**
 * Loads the checkpoint in `dir` (`--ckpt`). Uses the EMA weights when the run kept them and `ema`
 * is true. With `float64`, the (float32) weights are widened so the network is evaluated in float64
 * — what finite-difference divergences in the likelihood need. Errors name the option, the problem
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
  const schedule = ckpt.meta.schedule;
  if (schedule === null) {
    throw new UsageError(
      `--ckpt: ${dir} was trained on a bridge path, which the command line cannot rebuild — load it with the library`,
    );
  }
  const path = lib.affinePath(withContext("--ckpt", () => lib.scheduleFromSpec(schedule)));
  const useEma = ema && ckpt.state.ema !== null;
  const stored = useEma ? ckpt.state.ema! : ckpt.state.params;
  const params = float64 ? stored.map((p) => ({ shape: p.shape, data: Float64Array.from(p.data) })) : stored;
  const kind = ckpt.meta.kind;
  if (kind === "drift") {
    throw new UsageError(
      `--ckpt: ${dir} holds a drift model, which needs its g²(t) — load it with the library`,
    );
  }
  const model = lib.networkModel(params, ckpt.model, path, kind);
  let data: string | null = null;
  try {
    const record = JSON.parse(readFileSync(join(dir, RUN_FILES.record), "utf8")) as { data?: unknown };
    data = typeof record.data === "string" ? record.data : null;
  } catch {
    data = null;
  }
  return {
    model,
    path,
    dim: ckpt.model.dim,
    step: ckpt.state.step,
    kind,
    ema: useEma,
    data,
    classes: ckpt.model.classes ?? null,
    labelDropout: ckpt.meta.labelDropout ?? null,
  };
}
