/**
 * Errors of the command line. Everything that stops a command — an unknown flag, an invalid value, a
 * missing, corrupt or mismatched file, an unwritable output, or an error raised by the library — is
 * reported by `reportError` as ONE line on stderr ("difflux convert: <problem> — <fix>") with exit
 * code 2 and no stack trace (DIFFLUX_DEBUG=1 adds the stack for bug reports); with `--json` also as a
 * JSON document on stdout. A run that started and then failed on its own numbers (training diverged,
 * samples not finite) is a `RunFailedError`: the same one line, exit code 3.
 */
import { CommanderError } from "commander";
import { io } from "./io.js";

/** Exit code of every failed command. */
export const EXIT_USAGE = 2;

/** Exit code of a run that failed on its own numbers (training diverged, samples not finite). */
export const EXIT_FAILED = 3;

/**
 * A run that was set up right but failed as it ran (a non-finite loss, gradient, weight or sample);
 * the message names what failed, where, the likely cause and what was kept. Exit code 3.
 */
export class RunFailedError extends Error {
  override readonly name = "RunFailedError";
}

/** A problem the user can fix; the message names the problem and the fix. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Collapses a message to one line (library messages may hold newlines or indentation). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** The message of anything thrown (non-Error values too). */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs `body`, prefixing the message of any error it throws with `context` (e.g. the option that
 * named the file: "--xt: readNpy: cannot read a.npy: no such file — check the path").
 */
export function withContext<T>(context: string, body: () => T): T {
  try {
    return body();
  } catch (err) {
    throw new UsageError(`${context}: ${messageOf(err)}`);
  }
}

/** The async form of `withContext`. */
export async function withContextAsync<T>(context: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw new UsageError(`${context}: ${messageOf(err)}`);
  }
}

/**
 * The one-line message for a commander parse error (unknown option or command, missing argument,
 * too many arguments), with the fix: where to find the usage.
 */
export function commanderMessage(err: CommanderError, command: string): string {
  const problem = oneLine(err.message.replace(/^error:\s*/i, ""))
    .replace(/\(Did you mean (.*)\?\)/, "(did you mean $1?)")
    .replace(/\.$/, "");
  const help = command === "difflux" ? "difflux --help" : `${command} --help`;
  return `${problem} — run '${help}' for the usage`;
}

/**
 * Writes the one-line report of `err` for `command` ("difflux" or "difflux convert") to stderr —
 * and, when `json` is set, the same as one JSON document on stdout
 * (`{"command": "convert", "error": "…", "exitCode": 2}`) — and returns the exit code (3 for a
 * `RunFailedError`, else 2).
 */
export function reportError(err: unknown, command: string, json = false): number {
  const message = err instanceof CommanderError ? commanderMessage(err, command) : oneLine(messageOf(err));
  const exitCode = err instanceof RunFailedError ? EXIT_FAILED : EXIT_USAGE;
  io().err(`${command}: ${message}\n`);
  if (json) {
    const name = command.replace(/^difflux ?/, "");
    io().out(
      `${JSON.stringify({ command: name === "" ? null : name, error: message, exitCode }, null, 2)}\n`,
    );
  }
  if (process.env.DIFFLUX_DEBUG === "1" && err instanceof Error && err.stack) {
    io().err(`${err.stack}\n`);
  }
  return exitCode;
}
