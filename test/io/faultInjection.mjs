/**
 * Fault injection for child processes (load with `node --import <this file>`; plain JavaScript, so
 * no loader is needed before it): with
 * DIFFLUX_FAULT="rename:K" the process kills itself with SIGKILL just before its K-th
 * `fs.renameSync` (every atomic publish — a file, the run record, the lock — is one rename); with
 * "write:K" it writes the first half of its K-th `fs.writeSync` and then kills itself (a kill in the
 * middle of writing a temporary). The count is printed to stderr at exit as "faults: renames R
 * writes W" when DIFFLUX_FAULT="count", so a test can pick points inside a run.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const spec = process.env.DIFFLUX_FAULT ?? "";
const [op, at] = spec.split(":");
const target = Number(at);
let renames = 0;
let writes = 0;
const die = () => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not end the process");
};

if (op === "rename" || op === "write" || op === "count") {
  const rename = fs.renameSync;
  fs.renameSync = (from, to) => {
    renames++;
    if (op === "rename" && renames === target) die();
    rename(from, to);
  };
  const write = fs.writeSync;
  fs.writeSync = (...args) => {
    writes++;
    const [fd, buffer, offset, length] = args;
    if (op === "write" && writes === target && buffer instanceof Uint8Array && typeof length === "number") {
      write(fd, buffer, offset, Math.max(1, length >> 1));
      die();
    }
    return write(...args);
  };
  syncBuiltinESMExports();
  if (op === "count") {
    process.on("exit", () => process.stderr.write(`faults: renames ${renames} writes ${writes}\n`));
  }
}
