/**
 * `difflux --help` lists every command, and every command's `--help` documents its options, --json
 * and examples (exit code 0, nothing on stderr). The root help and one command's help go through the
 * spawned binary; every command's help also runs in-process.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CliResult, difflux, diffluxInProcess } from "./cli.js";

const cwd = new URL(".", import.meta.url).pathname;
const COMMANDS = ["demo", "train", "sample", "likelihood", "bench-samplers", "convert"];

function checkCommandHelp(name: string, r: CliResult): void {
  assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
  assert.equal(r.stderr, "", `nothing on stderr: ${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^Usage: difflux ${name} \\[options\\]`), "usage line");
  assert.match(r.stdout, /--json\s+print one JSON document/, "--json is documented");
  assert.match(
    r.stdout,
    new RegExp(`Examples:\\n {2}# .+\\n {2}\\$ difflux ${name}\\b`),
    "at least one example",
  );
}

describe("difflux --help", () => {
  it("lists every command and says how errors are reported (binary)", async () => {
    const root = await difflux(["--help"], cwd);
    assert.equal(root.code, 0, `exit code 0 expected; stderr: ${root.stderr}`);
    assert.equal(root.stderr, "", `nothing on stderr: ${root.stderr}`);
    const listed = [...root.stdout.matchAll(/^ {2}([a-z][a-z-]*) \[options\]/gm)].map((m) => m[1]);
    assert.deepEqual(listed, COMMANDS, "the commands, in order");
    assert.match(root.stdout, /exit code 2/, "the help says failures exit with code 2");
  });

  it("convert --help documents its options and examples (binary)", async () => {
    checkCommandHelp("convert", await difflux(["convert", "--help"], cwd));
  });

  it("prints the usage with no arguments and the version with --version", async () => {
    const bare = await diffluxInProcess([], cwd);
    assert.equal(bare.code, 0, `exit code 0 expected; stderr: ${bare.stderr}`);
    assert.match(bare.stdout, /^Usage: difflux /, "no arguments shows the usage");
    const version = await diffluxInProcess(["--version"], cwd);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/, `--version prints the version: ${version.stdout}`);
  });

  for (const name of COMMANDS) {
    it(`${name} --help shows its options, --json and examples`, async () => {
      checkCommandHelp(name, await diffluxInProcess([name, "--help"], cwd));
    });
  }
});
