/**
 * Helpers of the command-line tests: run bin/difflux.js as a user would (a child process) and make
 * scratch directories.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The launcher under test. */
export const BIN = new URL("../../bin/difflux.js", import.meta.url).pathname;

/** What a run of the command produced. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `difflux ...args` in `cwd` (stdout and stderr are pipes, so progress bars are off). */
export function difflux(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 60_000, env: { ...process.env, DIFFLUX_DEBUG: "", FORCE_COLOR: "0" } },
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
