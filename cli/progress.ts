/**
 * Progress of long work (training, sampling, likelihood, benchmarks) on stderr: a bar redrawn in
 * place on a terminal (cli-progress), periodic lines when stderr is a pipe or a file — so a piped
 * `difflux demo` says what it is doing — and nothing for callers' sinks (io.ts). stdout stays clean.
 */
import { SingleBar } from "cli-progress";
import { io } from "./io.js";

/** A progress report, or a no-op. */
export interface Progress {
  /** Sets the completed amount and, optionally, a short status text ("loss 0.412"). */
  update(value: number, status?: string): void;
  /** Ends the report (a line for the whole task when lines were printed). */
  stop(): void;
}

const none: Progress = { update() {}, stop() {} };

/** "1 min 36 s", "24 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** A progress report labelled `label` counting to `total`, in the current io's mode. */
export function startProgress(label: string, total: number): Progress {
  const mode = io().progress ?? "off";
  if (mode === "off" || !(total > 0)) return none;
  if (mode === "lines") return progressLines(label, total, (io().progressSeconds ?? 10) * 1000);
  const bar = new SingleBar({
    format: `${label.padEnd(14)} {bar} {percentage}% | {value}/{total} | {duration_formatted} elapsed, eta {eta_formatted} {status}`,
    barCompleteChar: "█",
    barIncompleteChar: "░",
    barsize: 28,
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
    etaBuffer: 50,
  });
  bar.start(total, 0, { status: "" });
  return {
    update(value, status) {
      bar.update(value, { status: status ?? "" });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * Lines "training 1200/6000 (20%), 24 s, eta 1 min 36 s, loss 0.412" at most every `everyMs`, and a
 * closing "training done: 6000 in 2 min 0 s" when any line was printed.
 */
function progressLines(label: string, total: number, everyMs: number): Progress {
  const began = Date.now();
  let last = began;
  let printed = false;
  let done = 0;
  return {
    update(value, status) {
      done = value;
      const now = Date.now();
      if (now - last < everyMs || value >= total) return;
      last = now;
      printed = true;
      const elapsed = (now - began) / 1000;
      const eta = value > 0 ? (elapsed * (total - value)) / value : Number.NaN;
      const parts = [
        `${label} ${value}/${total} (${Math.floor((100 * value) / total)}%)`,
        formatDuration(elapsed),
        ...(Number.isFinite(eta) ? [`eta ${formatDuration(eta)}`] : []),
        ...(status ? [status] : []),
      ];
      io().err(`${parts.join(", ")}\n`);
    },
    stop() {
      if (printed)
        io().err(`${label} done: ${done}/${total} in ${formatDuration((Date.now() - began) / 1000)}\n`);
    },
  };
}
