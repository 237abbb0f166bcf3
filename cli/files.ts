/**
 * The checks that run before any work — is an input readable, can an output be written — and the
 * type of an output file (outputFiles.ts writes them; it loads the library, which these checks must
 * not, so that parsing and --help stay fast).
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";

/** One output file: where it goes and its contents. */
export interface OutputFile {
  readonly path: string;
  readonly data: string | Uint8Array;
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
