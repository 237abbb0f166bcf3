/**
 * The process boundary, through the spawned binary (cli/bin/difflux.js) as a user runs it: bad input as
 * one line on stderr with exit code 2 and no stack trace, a reader that goes away (`difflux … | head
 * -1`) ending the process quietly with exit code 0, and progress as periodic lines on stderr when it
 * is a pipe. Everything else runs in-process (the same code path, no process start).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { writeNpy } from "../../src/node.js";
import { BIN, type CliResult, difflux, listing, scratch } from "./cli.js";

const convert = ["convert", "--path", "vp", "--t", "0.3", "--from", "noise", "--to", "velocity"];

function checkOneLineError(r: CliResult, message: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
  assert.match(r.stderr, /^difflux( [a-z-]+)?: [^\n]+\n$/, `exactly one line: ${JSON.stringify(r.stderr)}`);
  assert.ok(!/\bat .+:\d+:\d+/.test(r.stderr), `no stack trace: ${r.stderr}`);
}

describe("the difflux process", { concurrency: 3 }, () => {
  const { dir, cleanup } = scratch("process");
  const piped = join(dir, "piped");
  before(() => {
    mkdirSync(piped);
    writeNpy(join(dir, "xt.npy"), new Float64Array(10), [5, 2]);
    writeNpy(join(dir, "eps.npy"), new Float64Array(10), [5, 2]);
    writeFileSync(join(dir, "garbage.npy"), "this is not numpy data\n");
  });
  after(cleanup);

  it("reports a library error (a corrupt file) in one line, writing nothing, and as JSON with --json", async () => {
    const before = listing(dir);
    const r = await difflux(
      [...convert, "--xt", "garbage.npy", "--value", "eps.npy", "--out", "out.npy", "--json"],
      dir,
    );
    checkOneLineError(r, /--xt: readNpy: garbage\.npy: not a \.npy file/);
    const doc = JSON.parse(r.stdout) as { command: string; error: string; exitCode: number };
    assert.equal(doc.command, "convert", "the JSON error names the command");
    assert.match(doc.error, /--xt: readNpy: garbage\.npy/, "and the problem");
    assert.equal(doc.exitCode, 2, "and the exit code");
    assert.deepEqual(listing(dir), before, "nothing is written");
  });

  it("ends quietly when the reader of stdout goes away (no EPIPE stack trace)", async () => {
    const child = spawn(
      process.execPath,
      [BIN, ...convert, "--xt", "xt.npy", "--value", "eps.npy", "--out", join(piped, "u.npy"), "--json"],
      { cwd: dir, env: { ...process.env, DIFFLUX_DEBUG: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    // The reader closes its end before the command writes its result.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(stderr, "", `nothing on stderr: ${stderr}`);
    assert.equal(code, 0, `exit code 0 when the reader has gone, got ${code}`);
  });

  it("reports progress as lines on stderr when stderr is a pipe", async () => {
    const r = await difflux(
      ["bench-samplers", "--n", "40", "--nfe", "2,4", "--samplers", "euler", "--seeds", "2"],
      dir,
      { DIFFLUX_PROGRESS_SECONDS: "0" },
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    assert.match(r.stderr, /^benchmark 1\/4 \(25%\), \d+ s/m, `a progress line: ${r.stderr}`);
    assert.match(r.stderr, /^benchmark done: 4\/4 in \d+ s$/m, `a closing line: ${r.stderr}`);
    assert.ok(!r.stderr.includes("\r") && !r.stderr.includes("\u001b"), "no bar drawing in a pipe");
    assert.match(r.stdout, /^2-component|^3-component/, `the table on stdout: ${r.stdout}`);
  });
});
