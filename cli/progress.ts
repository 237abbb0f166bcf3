/**
 * Progress bars for long work (training, sampling, likelihood, benchmarks), drawn on stderr with
 * cli-progress. They are off when stdout or stderr is not a terminal, and with `--json`, so piped
 * and machine-readable output stays clean.
 */
import { SingleBar } from "cli-progress";

/** A progress bar, or a no-op when bars are off. */
export interface Progress {
  /** Sets the completed amount and, optionally, a short status text ("loss 0.412"). */
  update(value: number, status?: string): void;
  /** Removes the bar. */
  stop(): void;
}

const none: Progress = { update() {}, stop() {} };

/** True when progress bars may be drawn (both streams are terminals and output is not JSON). */
export function progressEnabled(json: boolean): boolean {
  return !json && process.stdout.isTTY === true && process.stderr.isTTY === true;
}

/** A bar labelled `label` counting to `total`, or a no-op when `enabled` is false. */
export function startProgress(enabled: boolean, label: string, total: number): Progress {
  if (!enabled || !(total > 0)) return none;
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
