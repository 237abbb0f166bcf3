/**
 * All-or-nothing output of several files. A command that fails leaves nothing behind: every file is
 * first written to a temporary name, and only when all of them are written are they renamed into
 * place (a rename within one directory is atomic). On failure the temporaries — and any directory
 * the command created — are removed. Also the checks run before any work: is an input readable, can
 * an output be written.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { RunFolder } from "difflux/node";
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

/** The extension of `path` in lower case, with ".gz" kept as part of it (".idx.gz"). */
export function extensionOf(path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".gz")) return `${extname(lower.slice(0, -3))}.gz`;
  return extname(lower);
}

/** The problem with reading `path`, or null: missing, a directory, or unreadable. */
export function inputFileProblem(path: string): string | null {
  if (!existsSync(path)) return `no such file ${path} — check the path`;
  if (statSync(path).isDirectory()) return `${path} is a directory — pass a file`;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return `${path} is not readable — check its permissions`;
  }
  return null;
}

/**
 * The problem with writing the file `path`, or null. The parent directory must exist and be
 * writable, and `path` must not be a directory (nothing is created here: a failed command leaves
 * nothing behind).
 */
export function outputFileProblem(path: string): string | null {
  const dir = dirname(resolve(path));
  if (existsSync(path) && statSync(path).isDirectory()) return `${path} is a directory — pass a file name`;
  if (!existsSync(dir))
    return `the directory ${dirname(path)} does not exist — create it or choose another path`;
  if (!statSync(dir).isDirectory()) return `${dirname(path)} is not a directory — choose another path`;
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    return `cannot write to ${dirname(path)} (permission denied) — choose another path`;
  }
  return null;
}

/**
 * The problem with writing the directory `path` (created if missing, with its parents), or null:
 * `path` must not be a file, and its nearest existing ancestor must be a writable directory.
 */
export function outputDirProblem(path: string): string | null {
  let p = resolve(path);
  if (existsSync(p)) {
    if (!statSync(p).isDirectory()) return `${path} is a file — pass a directory`;
  } else {
    while (!existsSync(p)) p = dirname(p);
    if (!statSync(p).isDirectory())
      return `${p} is a file, so ${path} cannot be created — choose another path`;
  }
  try {
    accessSync(p, constants.W_OK);
  } catch {
    return `cannot write to ${p} (permission denied) — choose another path`;
  }
  return null;
}

/**
 * Opens `dir` (an --out folder) as a difflux run folder for `command` with `lib` (difflux/node,
 * loaded by the caller): a folder holding files difflux did not write, or held by another running
 * difflux, is a UsageError naming the files or the holder and the fix.
 */
export function openRunFolder(lib: typeof import("difflux/node"), dir: string, command: string): RunFolder {
  try {
    return lib.RunFolder.open(dir, command);
  } catch (err) {
    throw new UsageError(`--out: ${messageOf(err)}`);
  }
}
