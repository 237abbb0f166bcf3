/**
 * All-or-nothing output of several files. A command that fails leaves nothing behind: every file is
 * first written to a temporary name, and only when all of them are written are they renamed into
 * place (a rename within one directory is atomic). On failure the temporaries — and any directory
 * the command created — are removed.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { messageOf, UsageError } from "./errors.js";

/** One output file: where it goes and its contents. */
export interface OutputFile {
  readonly path: string;
  readonly data: string | Uint8Array;
}

let counter = 0;

function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/**
 * Writes every file of `files` or none: temporaries first (next to each destination), then renames.
 * Throws a UsageError naming the file that could not be written.
 */
export function writeFilesAtomic(files: readonly OutputFile[]): void {
  const written: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const tmp = temporaryName(f.path);
      written.push({ tmp, path: f.path });
      writeFileSync(tmp, f.data);
    }
  } catch (err) {
    for (const w of written) rmSync(w.tmp, { force: true });
    const failed = written[written.length - 1]!.path;
    throw new UsageError(`cannot write ${failed}: ${messageOf(err)} — check the path and free space`);
  }
  for (const w of written) renameSync(w.tmp, w.path);
}

/** The directories that `mkdirSync(dir, { recursive: true })` would create, outermost first. */
function missingDirectories(dir: string): string[] {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  return missing;
}

/**
 * Writes `files` (paths relative to `dir`, sub-folders allowed) into `dir`, creating it if needed,
 * all or nothing: everything is written into a temporary folder inside `dir` first, then each file
 * is renamed into place (files already in `dir` with other names are kept). On failure the
 * temporary folder and any directory created here are removed. Returns the written paths.
 */
export function writeDirectoryAtomic(dir: string, files: readonly OutputFile[]): string[] {
  const created = missingDirectories(dir);
  const staging = join(dir, `.difflux-tmp-${process.pid}-${counter++}`);
  const cleanup = () => {
    rmSync(staging, { recursive: true, force: true });
    if (created.length > 0) rmSync(created[0]!, { recursive: true, force: true });
  };
  try {
    mkdirSync(staging, { recursive: true });
    for (const f of files) {
      const tmp = join(staging, f.path);
      mkdirSync(dirname(tmp), { recursive: true });
      writeFileSync(tmp, f.data);
    }
    const out: string[] = [];
    for (const f of files) {
      const target = join(dir, f.path);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(staging, f.path), target);
      out.push(target);
    }
    rmSync(staging, { recursive: true, force: true });
    return out;
  } catch (err) {
    cleanup();
    throw new UsageError(`cannot write into ${dir}: ${messageOf(err)} — check the path and free space`);
  }
}
