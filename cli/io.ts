/**
 * Where the command line writes: stdout for results, stderr for errors, notes and progress.
 * Everything goes through `io()`, so a caller (the tests) can run a command with its own sinks
 * (`withIo`).
 */

/** How long work is reported: a redrawn bar (a terminal), periodic lines (a pipe or file), or not at all. */
export type ProgressMode = "bar" | "lines" | "off";

/** The two output streams of a command, and how progress is shown on the second. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Progress on `err` (default "off" for custom sinks). */
  readonly progress?: ProgressMode;
  /** Seconds between progress lines (default 10; the process reads DIFFLUX_PROGRESS_SECONDS). */
  readonly progressSeconds?: number;
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  get progress(): ProgressMode {
    return process.stderr.isTTY === true ? "bar" : "lines";
  },
  get progressSeconds(): number {
    const s = Number(process.env.DIFFLUX_PROGRESS_SECONDS);
    return process.env.DIFFLUX_PROGRESS_SECONDS !== undefined && s >= 0 ? s : 10;
  },
};

let current: Io = processIo;

/** The current output streams (the process's unless `withIo` says otherwise). */
export function io(): Io {
  return current;
}

/** True when output goes to the process's own streams (not to sinks given by a caller). */
export function isProcessIo(): boolean {
  return current === processIo;
}

/** Runs `body` with `sinks` as the output streams. */
export async function withIo<T>(sinks: Io, body: () => Promise<T>): Promise<T> {
  const previous = current;
  current = sinks;
  try {
    return await body();
  } finally {
    current = previous;
  }
}
