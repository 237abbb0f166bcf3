/**
 * `difflux --help` lists the commands; every command's `--help` documents its options, --json,
 * --config, --print-config and examples (exit code 0, nothing on stderr); and every option the help
 * documents parses: given its example value (and the required options), `--print-config` accepts it
 * and prints it back under its key. In-process.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { BENCH_OPTIONS } from "../../cli/commands/benchSamplers.js";
import { CONVERT_OPTIONS } from "../../cli/commands/convert.js";
import { PLAYGROUND_OPTIONS } from "../../cli/commands/playground.js";
import { DEMO_OPTIONS } from "../../cli/commands/demo.js";
import { EVAL_OPTIONS } from "../../cli/commands/eval.js";
import { LIKELIHOOD_OPTIONS } from "../../cli/commands/likelihood.js";
import { SAMPLE_OPTIONS } from "../../cli/commands/sample.js";
import { TRAIN_OPTIONS } from "../../cli/commands/train.js";
import { flagOf, type OptionTable } from "../../cli/options.js";
import { type CliResult, diffluxInProcess, listing, scratch } from "./cli.js";

const TABLES: Readonly<Record<string, OptionTable>> = {
  demo: DEMO_OPTIONS,
  train: TRAIN_OPTIONS,
  sample: SAMPLE_OPTIONS,
  likelihood: LIKELIHOOD_OPTIONS,
  eval: EVAL_OPTIONS,
  "bench-samplers": BENCH_OPTIONS,
  convert: CONVERT_OPTIONS,
  playground: PLAYGROUND_OPTIONS,
};

function checkCommandHelp(name: string, r: CliResult): void {
  assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
  assert.equal(r.stderr, "", `nothing on stderr: ${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^Usage: difflux ${name} \\[options\\]`), "usage line");
  assert.match(r.stdout, /--json\s+print one JSON document/, "--json is documented");
  assert.match(r.stdout, /--config <file\.json>\s+read option values/, "--config is documented");
  assert.match(r.stdout, /--print-config\s+print the option values/, "--print-config is documented");
  assert.match(
    r.stdout,
    new RegExp(`Examples:\\n {2}# .+\\n {2}\\$ difflux ${name}\\b`),
    "at least one example",
  );
}

/** The long flags in the Options section of a help text. */
function documentedFlags(help: string): string[] {
  const rest = help.slice(help.indexOf("Options:\n"));
  const options = rest.slice(0, rest.search(/\n\n[A-Z][^\n]*:\n/));
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
}

describe("difflux --help", () => {
  const { dir, cleanup } = scratch("help");
  after(cleanup);

  it("lists every command and says how errors are reported", async () => {
    const r = await diffluxInProcess(["--help"], dir);
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    assert.equal(r.stderr, "", `nothing on stderr: ${r.stderr}`);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z][a-z-]*) \[options\]/gm)].map((m) => m[1]);
    assert.deepEqual(listed, Object.keys(TABLES), "the commands, in order");
    assert.match(r.stdout, /exit code 2/, "the help says failures exit with code 2");
  });

  it("prints the usage with no arguments and the version with --version", async () => {
    const bare = await diffluxInProcess([], dir);
    assert.equal(bare.code, 0, `exit code 0 expected; stderr: ${bare.stderr}`);
    assert.match(bare.stdout, /^Usage: difflux /, "no arguments shows the usage");
    const version = await diffluxInProcess(["--version"], dir);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/, `--version prints the version: ${version.stdout}`);
  });

  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name} --help shows its options, --json, --config, --print-config and examples`, async () => {
      checkCommandHelp(name, await diffluxInProcess([name, "--help"], dir));
    });

    it(`every option ${name} --help documents parses and is printed back by --print-config`, async () => {
      const help = (await diffluxInProcess([name, "--help"], dir)).stdout;
      const flags = documentedFlags(help).filter(
        (f) => !["--help", "--config", "--print-config"].includes(f),
      );
      const keys = Object.keys(table);
      assert.deepEqual(
        flags,
        [...keys.map((k) => flagOf(k, table[k])), "--json"],
        "the help documents exactly the table's options, in order",
      );
      const required = keys.filter((k) => table[k]!.required).flatMap((k) => [flagOf(k), table[k]!.example]);
      const before = listing(dir);
      for (const key of [...keys, "json"]) {
        const spec = table[key];
        const flag = spec === undefined ? "--json" : flagOf(key, spec);
        const value = spec?.value === undefined ? [] : [spec.example];
        const r = await diffluxInProcess([name, ...required, flag, ...value, "--print-config"], dir);
        assert.equal(r.code, 0, `${flag} ${value.join(" ")}: exit code 0 expected; stderr: ${r.stderr}`);
        const printed = JSON.parse(r.stdout) as Record<string, unknown>;
        assert.ok(key in printed, `${flag} is printed under ${key}: ${r.stdout}`);
        if (spec === undefined) assert.equal(printed[key], true, "--json is set");
        else if (spec.value === undefined)
          assert.equal(printed[key], spec.default !== true, `${flag} is set`);
        else assert.notEqual(printed[key], null, `${flag} has its value: ${r.stdout}`);
      }
      assert.deepEqual(listing(dir), before, "--print-config writes nothing");
    });
  }
});
