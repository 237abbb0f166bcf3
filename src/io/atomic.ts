/**
 * Atomic file output (Node only): write to a temporary file in the same directory, then rename over
 * the destination, so a reader never sees a half-written file and a failed write leaves nothing.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

let counter = 0;

/**
 * Writes `data` to `path` atomically (temp file + rename). With `mkdir`, creates missing parent
 * directories. Throws an Error naming the path and the cause; on failure no file is left behind.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mkdir?: boolean } = {},
): void {
  const dir = dirname(path);
  if (options.mkdir) mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot write ${path}: ${cause}`);
  }
}
