/**
 * The record of a `train` run (train.json in its --out folder): every option the run was started
 * with, in the form `--print-config` prints, written when the folder is claimed — before the first
 * checkpoint — so every checkpoint has its record. Resuming (`train --out DIR` on an existing run, or
 * `train --resume DIR`) takes every option from it; an option given explicitly that disagrees is an
 * error naming the option, both values and the fix. Only `--steps` (the total to train to) and
 * `--checkpoint-every` (where checkpoints fall; results are the same) may change.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { messageOf, UsageError } from "../errors.js";
import type { ConfigValue, OptionTable } from "../options.js";
import { flagOf } from "../options.js";
import { RUN_FILES } from "./model.js";

/** The record's file name inside a run folder. */
export const TRAIN_RECORD = RUN_FILES.record;

/** Options a resumed run may change: the total steps and the checkpoint interval. */
export const RESUMABLE_CHANGES: ReadonlySet<string> = new Set(["steps", "checkpointEvery"]);

/** Keys that are not options of the run (where it is written, how it reports). */
const NOT_RECORDED: ReadonlySet<string> = new Set(["out", "resume", "json"]);

/** Largest train.json read (it holds option values only). */
const MAX_RECORD_BYTES = 1 << 20;

/** The run record (train.json). */
export interface TrainRecord {
  readonly format: "difflux-train-run";
  readonly version: 2;
  /** Every option of the run, as `--print-config` prints it (data files as absolute paths). */
  readonly options: Readonly<Record<string, ConfigValue>>;
}

/** `value` of option `key` in the record's form: a data file that exists becomes its absolute path. */
export function recordedValue(key: string, value: ConfigValue): ConfigValue {
  if (key === "data" && typeof value === "string" && existsSync(value)) return resolve(value);
  return value;
}

/** The record of a run started with `options` (print forms; keys that are not run options dropped). */
export function trainRecord(options: Readonly<Record<string, ConfigValue>>): TrainRecord {
  const kept: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!NOT_RECORDED.has(key) && value !== undefined) kept[key] = recordedValue(key, value);
  }
  return { format: "difflux-train-run", version: 2, options: kept };
}

/**
 * The record in run folder `dir`, or null when there is none (no folder, or a run folder whose
 * record does not list train.json). A folder that is not a difflux run folder, or a record that
 * cannot be read or is not a train record, is a UsageError naming the problem and the fix.
 */
export async function readTrainRecord(dir: string): Promise<TrainRecord | null> {
  const { readFileBytes, INPUT_LIMITS, runFolderProblem, readRunRecord } = await import("difflux/node");
  // Only a file this run folder lists is read: a train.json the user put elsewhere is not ours.
  const problem = runFolderProblem(dir);
  if (problem !== null) throw new UsageError(`--out: ${problem}`);
  if (!existsSync(dir) || !readRunRecord(dir)?.files.includes(TRAIN_RECORD)) return null;
  const file = join(dir, TRAIN_RECORD);
  try {
    const bytes = readFileBytes("train", file, { ...INPUT_LIMITS, maxBytes: MAX_RECORD_BYTES });
    const record = JSON.parse(new TextDecoder().decode(bytes)) as Partial<TrainRecord>;
    if (
      record?.format !== "difflux-train-run" ||
      record.version !== 2 ||
      record.options === null ||
      typeof record.options !== "object" ||
      Array.isArray(record.options)
    ) {
      throw new Error("it is not a difflux train record (format difflux-train-run, version 2)");
    }
    return record as TrainRecord;
  } catch (err) {
    throw new UsageError(
      `--out: ${dir} holds a run whose record ${file} cannot be used (${messageOf(err)}) — restore it, or choose another --out`,
    );
  }
}

/**
 * The values of a resumed run: every option not given explicitly comes from `record` (parsed as a
 * config file's value would be); an explicit option other than steps/--checkpoint-every that
 * disagrees with the record is a UsageError naming each such option and both values.
 */
export function resumedValues<V extends Record<string, unknown>>(
  table: OptionTable,
  values: V,
  given: ReadonlySet<string>,
  record: TrainRecord,
  dir: string,
): V {
  const merged: Record<string, unknown> = { ...values };
  const conflicts: string[] = [];
  for (const [key, spec] of Object.entries(table)) {
    if (NOT_RECORDED.has(key) || !(key in record.options)) continue;
    const raw = record.options[key];
    let saved: unknown;
    try {
      saved = raw === null ? undefined : spec.parse(raw, { checkFiles: false });
    } catch (err) {
      throw new UsageError(
        `--out: ${dir}/${TRAIN_RECORD} holds an invalid ${flagOf(key, spec)} (${messageOf(err).replaceAll("{flag}", flagOf(key, spec))}) — restore the file, or choose another --out`,
      );
    }
    if (!given.has(key)) {
      merged[key] = saved;
      continue;
    }
    if (RESUMABLE_CHANGES.has(key)) continue;
    const was = JSON.stringify(recordedValue(key, raw === null ? null : spec.print(saved)));
    const now = JSON.stringify(recordedValue(key, spec.print(values[key]) ?? null));
    if (was === now) continue;
    // A switch is told as given or not ("--no-normalize was not given, now given").
    const told = (v: unknown) =>
      spec.value === undefined && typeof v === "boolean"
        ? v === spec.default
          ? "not given"
          : "given"
        : JSON.stringify(v);
    conflicts.push(
      spec.value === undefined
        ? `${flagOf(key, spec)} was ${told(saved)}, now ${told(values[key])}`
        : `${flagOf(key, spec)} was ${was}, now ${now}`,
    );
  }
  if (conflicts.length > 0) {
    throw new UsageError(
      `--out: ${dir} holds a run started with other options (${conflicts.join("; ")}) — drop these options to resume it with its own (train.json), or choose another --out`,
    );
  }
  return merged as V;
}
