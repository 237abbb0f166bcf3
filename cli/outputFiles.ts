/**
 * Writing a command's output (loads the library; import it inside an action). All-or-nothing
 * output of several files: a command that fails leaves nothing behind — every file is first written
 * to a temporary name (the library's `tempPathFor`: `.<name>.difflux-<pid>-<n>.tmp`, created
 * exclusively, fitting the 255-byte name limit, removed by a later write into the same folder if the
 * process was killed), and only when all of them are written are they renamed into place (a rename
 * within one directory is atomic). On failure the temporaries are removed. And output folders:
 * difflux run folders, opened with their lock.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { RunFolder, removeStaleTemps, tempPathFor } from "difflux/node";
import { messageOf, UsageError } from "./errors.js";
import type { OutputFile } from "./files.js";

const encoder = new TextEncoder();

/** Writes `data` to the new file `tmp` (never through an existing file or symlink). */
function writeNew(tmp: string, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const fd = openSync(tmp, "wx");
  try {
    let o = 0;
    while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes every file of `files` or none: temporaries first (next to each destination), then renames.
 * Throws a UsageError naming the file that could not be written.
 */
export function writeFilesAtomic(files: readonly OutputFile[]): void {
  for (const dir of new Set(files.map((f) => dirname(f.path)))) removeStaleTemps(dir);
  const written: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const tmp = tempPathFor(f.path);
      written.push({ tmp, path: f.path });
      writeNew(tmp, f.data);
    }
  } catch (err) {
    for (const w of written) rmSync(w.tmp, { force: true });
    const failed = written[written.length - 1]!.path;
    throw new UsageError(`cannot write ${failed}: ${messageOf(err)} — check the path and free space`);
  }
  for (const w of written) renameSync(w.tmp, w.path);
}

/**
 * Opens `dir` (an --out folder) as a difflux run folder for `command`: a folder holding files
 * difflux did not write, or held by another running difflux, is a UsageError naming the files or the
 * holder and the fix.
 */
export function openRunFolder(dir: string, command: string): RunFolder {
  try {
    return RunFolder.open(dir, command);
  } catch (err) {
    throw new UsageError(`--out: ${messageOf(err)}`);
  }
}
