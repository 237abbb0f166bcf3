/**
 * Helpers of the command-line tests: run the command line in this process (`diffluxInProcess`, the
 * same code path as the binary without a process start: most tests) or run cli/bin/difflux.js as a user
 * would (`difflux`, a child process: the tests of the process boundary), and make scratch directories.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The launcher under test. */
export const BIN = new URL("../../cli/bin/difflux.js", import.meta.url).pathname;

/** What a run of the command produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `difflux ...args` in `cwd` as a child process (stdout and stderr are pipes, so progress comes
 * as lines), with `env` added to the environment.
 */
export function difflux(
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 60_000, env: { ...process.env, DIFFLUX_DEBUG: "", FORCE_COLOR: "0", ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh scratch directory and a function removing it. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `difflux-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The names in `dir`, sorted (hidden temporaries included). */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/**
 * Runs `difflux ...args` inside this process (cli/main.ts `run` with its output captured and the
 * working directory set to `cwd`): the same code path as the binary without a process start.
 * Progress is off unless `progress` asks for lines. Calls must not overlap (they share the working
 * directory).
 */
export async function diffluxInProcess(
  args: readonly string[],
  cwd: string,
  progress?: { readonly lines: true; readonly seconds: number },
): Promise<CliResult> {
  const { run } = await import("../../cli/main.js");
  const out: string[] = [];
  const err: string[] = [];
  const home = process.cwd();
  process.chdir(cwd);
  try {
    const code = await run(args, {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      ...(progress === undefined ? {} : { progress: "lines" as const, progressSeconds: progress.seconds }),
    });
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.chdir(home);
  }
}
