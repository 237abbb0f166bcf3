/**
 * Where the command line writes: stdout for results, stderr for errors and notes. Everything goes
 * through `io()`, so a caller (the tests) can run a command with its own sinks (`withIo`).
 */

/** The two output streams of a command. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let current: Io = processIo;

/** The current output streams (the process's unless `withIo` says otherwise). */
export function io(): Io {
  return current;
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
