/**
 * Every bad input — unknown flag or command, invalid value, missing/corrupt/mismatched file,
 * unwritable output, a conversion that is singular — ends with ONE line on stderr naming the problem
 * and the fix, exit code 2, no stack trace, and nothing written. The table runs through the command
 * line's entry point in this process (process.test.ts spawns the binary for a few of these).
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeNpy } from "../../src/node.js";
import { diffluxInProcess, listing, scratch } from "./cli.js";

const ok = ["--xt", "xt.npy", "--value", "eps.npy", "--out", "out.npy"];
const base = ["convert", "--path", "vp", "--t", "0.3", "--from", "noise", "--to", "velocity"];

/** [name, arguments, expected message] */
const CASES: readonly (readonly [string, readonly string[], RegExp])[] = [
  [
    "an unknown flag (with a suggestion)",
    [...base, ...ok, "--vaule", "x"],
    /unknown option '--vaule' \(did you mean --value\?\) — run 'difflux convert --help'/,
  ],
  ["an unknown command", ["frobnicate"], /^difflux: unknown command 'frobnicate' — run 'difflux --help'/],
  [
    "an extra argument",
    [...base, ...ok, "extra"],
    /too many arguments for 'convert'.* — run 'difflux convert --help'/,
  ],
  [
    "a flag without its value",
    [...base.slice(0, 3), "--t"],
    /option '--t <t>' argument missing — run 'difflux convert --help'/,
  ],
  [
    "a missing required option",
    ["convert", "--path", "vp", "--from", "noise", "--to", "velocity", ...ok],
    /--t: is required — e.g\. --t 0\.5/,
  ],
  [
    "a time outside [0, 1]",
    [...base.slice(0, 3), "--t", "1.5", ...base.slice(5), ...ok],
    /--t: must be a number in \[0, 1\], got "1\.5" — e\.g\. --t 0\.5/,
  ],
  [
    "a time that is not a number",
    [...base.slice(0, 3), "--t", "half", ...base.slice(5), ...ok],
    /--t: must be a number in \[0, 1\], got "half"/,
  ],
  [
    "an unknown path",
    ["convert", "--path", "vpp", ...base.slice(3), ...ok],
    /--path: must be one of rectified-flow, .*vp.*; got "vpp"/,
  ],
  [
    "an unknown kind",
    [...base.slice(0, 5), "--from", "eps", "--to", "velocity", ...ok],
    /--from: must be one of data, noise, score, velocity, v, drift; got "eps"/,
  ],
  [
    "drift without --g2",
    [...base.slice(0, 7), "--to", "drift", ...ok],
    /--g2: is required when --from or --to is drift — pass .* e\.g\. --g2 1/,
  ],
  [
    "a negative --g2",
    [...base.slice(0, 7), "--to", "drift", "--g2", "-1", ...ok],
    /--g2: must be a number ≥ 0, got "-1"/,
  ],
  [
    "a missing input file",
    [...base, "--xt", "nope.npy", "--value", "eps.npy", "--out", "out.npy"],
    /--xt: no such file nope\.npy — check the path/,
  ],
  [
    "an input that is a directory",
    [...base, "--xt", "adir.npy", "--value", "eps.npy", "--out", "out.npy"],
    /--xt: adir\.npy is a directory — pass a file/,
  ],
  [
    "an input with the wrong extension",
    [...base, "--xt", "xt.txt", "--value", "eps.npy", "--out", "out.npy"],
    /--xt: must be a \.npy or \.csv file, got "xt\.txt"/,
  ],
  [
    "a CSV input of another shape than the .npy one",
    [...base, "--xt", "xt.csv", "--value", "eps.npy", "--out", "out.npy"],
    /--value: eps\.npy has shape \[5, 2\] but --xt xt\.csv has shape \[2, 2\]/,
  ],
  [
    "a corrupt .npy file",
    [...base, "--xt", "garbage.npy", "--value", "eps.npy", "--out", "out.npy"],
    /--xt: readNpy: garbage\.npy: not a \.npy file/,
  ],
  [
    "a truncated .npy file",
    [...base, "--xt", "xt.npy", "--value", "truncated.npy", "--out", "out.npy"],
    /--value: readNpy: truncated\.npy: truncated: .* needs 80 data bytes but only 40/,
  ],
  [
    "mismatched shapes",
    [...base, "--xt", "xt.npy", "--value", "eps4.npy", "--out", "out.npy"],
    /--value: eps4\.npy has shape \[4, 2\] but --xt xt\.npy has shape \[5, 2\] — pass the prediction made at these xₜ/,
  ],
  [
    "an output in a missing directory",
    [...base, "--xt", "xt.npy", "--value", "eps.npy", "--out", "nodir/out.npy"],
    /--out: the directory nodir does not exist — create it or choose another path/,
  ],
  [
    "an output that is a directory",
    [...base, "--xt", "xt.npy", "--value", "eps.npy", "--out", "adir.npy"],
    /--out: adir\.npy is a directory — pass a file name/,
  ],
  [
    "an output with the wrong extension",
    [...base, ...ok.slice(0, 4), "--out", "out.txt"],
    /--out: must end with \.npy or \.csv, got "out\.txt"/,
  ],
  [
    "a conversion that is singular at t",
    ["convert", "--path", "rectified-flow", "--t", "0", "--from", "noise", "--to", "data", ...ok],
    /alpha is 0 at t=0 \(pure noise\); .* — use a grid that starts after/,
  ],
];

describe("difflux reports bad input in one line with exit code 2 and writes nothing", () => {
  const { dir, cleanup } = scratch("errors");
  let before_: string[] = [];
  let xtBytes: Buffer;
  before(() => {
    writeNpy(join(dir, "xt.npy"), new Float64Array(10), [5, 2]);
    writeNpy(join(dir, "eps.npy"), new Float64Array(10), [5, 2]);
    writeNpy(join(dir, "eps4.npy"), new Float64Array(8), [4, 2]);
    writeFileSync(join(dir, "xt.csv"), "1,2\n3,4\n");
    writeFileSync(join(dir, "xt.txt"), "1,2\n3,4\n");
    writeFileSync(join(dir, "garbage.npy"), "this is not numpy data\n");
    const full = readFileSync(join(dir, "eps.npy"));
    writeFileSync(join(dir, "truncated.npy"), full.subarray(0, full.length - 40));
    mkdirSync(join(dir, "adir.npy"));
    before_ = listing(dir);
    xtBytes = readFileSync(join(dir, "xt.npy"));
  });
  after(cleanup);

  const check = (r: { code: number; stdout: string; stderr: string }, message: RegExp) => {
    assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
    assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^difflux( convert)?: [^\n]+\n$/,
      `exactly one line on stderr: ${JSON.stringify(r.stderr)}`,
    );
    assert.ok(!/\bat .+:\d+:\d+/.test(r.stderr), `no stack trace: ${r.stderr}`);
    assert.equal(r.stdout, "", `nothing on stdout: ${r.stdout}`);
    assert.deepEqual(listing(dir), before_, "no output or temporary file is left behind");
    assert.ok(readFileSync(join(dir, "xt.npy")).equals(xtBytes), "inputs are untouched");
  };

  for (const [name, args, message] of CASES) {
    it(name, async () => check(await diffluxInProcess(args, dir), message));
  }
});
