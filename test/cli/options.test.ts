/**
 * The options every command shares: `--config FILE` (JSON; command-line flags win; an unknown or
 * ill-typed key is an error naming the file), `--print-config` (prints what `--config` reads back),
 * `--json` errors as one JSON document, sampler names that imply a grid, and progress as lines.
 * In-process.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type CliResult, diffluxInProcess, listing, scratch } from "./cli.js";

function oneLineError(r: CliResult, command: string, message: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
  assert.match(
    r.stderr,
    new RegExp(`^difflux ${command}: [^\\n]+\\n$`),
    `exactly one line on stderr: ${JSON.stringify(r.stderr)}`,
  );
}

const printed = (r: CliResult) => {
  assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe("difflux --config and --print-config", () => {
  const { dir, cleanup } = scratch("options");
  after(cleanup);
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const train = ["train", "--data", "moons", "--out", "runs/x"];

  it("reads option values from the file, lets command-line flags win, and prints a file that reads back the same", async () => {
    write("a.json", JSON.stringify({ steps: 123, timeDensity: "logit-normal:std=2", lr: "0.01", batch: 64 }));
    const a = printed(
      await diffluxInProcess([...train, "--config", "a.json", "--batch", "32", "--print-config"], dir),
    );
    assert.equal(a.steps, 123, "a number from the file");
    assert.equal(a.lr, 0.01, "a number given as text in the file");
    assert.equal(a.timeDensity, "logit-normal:std=2", "a component in its canonical text");
    assert.equal(a.batch, 32, "the command line wins over the file");
    assert.equal(a.weighting, "uniform", "defaults fill the rest");
    write("b.json", JSON.stringify(a));
    const b = printed(await diffluxInProcess(["train", "--config", "b.json", "--print-config"], dir));
    assert.deepEqual(b, a, "the printed configuration reads back to itself");
  });

  it("prints null for required options not given yet, and writes nothing", async () => {
    const before = listing(dir);
    const c = printed(await diffluxInProcess(["convert", "--t", "0.5", "--print-config"], dir));
    assert.equal(c.t, 0.5, "the given value");
    assert.equal(c.path, null, "a required option not given");
    assert.equal(c.g2, null, "an optional option not given");
    assert.deepEqual(listing(dir), before, "nothing is written");
  });

  const bad: readonly (readonly [string, string, RegExp])[] = [
    [
      "an unknown key (strict: a typo is an error, with the key meant)",
      JSON.stringify({ timeDensty: "uniform" }),
      /--config bad\.json: unknown option "timeDensty" — did you mean "timeDensity"\?/,
    ],
    [
      "a flag's spelling as the key",
      JSON.stringify({ "time-density": "uniform" }),
      /unknown option "time-density" — did you mean "timeDensity"\?/,
    ],
    [
      "a value of the wrong type, naming the file",
      JSON.stringify({ steps: "many" }),
      /--steps in bad\.json: must be an integer ≥ 1, got "many" — e\.g\. --steps 2000/,
    ],
    [
      "a component the registry does not know",
      JSON.stringify({ weighting: "min-snrr" }),
      /--weighting in bad\.json: must be one of uniform, .*; got "min-snrr" — did you mean min-snr\?/,
    ],
    ["a file that is not JSON", "{ steps: 1 }", /--config: bad\.json is not valid JSON .* — fix the file/],
    [
      "JSON that is not an object",
      "[1, 2]",
      /--config: bad\.json must hold one JSON object of option values/,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} in one line with exit code 2`, async () => {
      write("bad.json", text);
      oneLineError(await diffluxInProcess([...train, "--config", "bad.json"], dir), "train", message);
    });
  }

  it("rejects a missing config file", async () => {
    oneLineError(
      await diffluxInProcess([...train, "--config", "nope.json"], dir),
      "train",
      /--config: cannot read nope\.json: .* — check the path/,
    );
  });
});

describe("difflux --json errors", () => {
  const { dir, cleanup } = scratch("json-errors");
  after(cleanup);

  it("reports a bad value as one JSON document on stdout as well as one line on stderr", async () => {
    const r = await diffluxInProcess(
      ["sample", "--ckpt", "x", "--out", "s.npy", "--steps", "0", "--json"],
      dir,
    );
    oneLineError(r, "sample", /--steps: must be an integer in \[1, 100000\], got "0"/);
    assert.deepEqual(
      JSON.parse(r.stdout),
      { command: "sample", error: r.stderr.replace(/^difflux sample: /, "").trimEnd(), exitCode: 2 },
      "the JSON document carries the same message",
    );
  });

  it("reports an unknown flag as JSON too", async () => {
    const r = await diffluxInProcess(["eval", "--samplez", "s.npy", "--json"], dir);
    assert.equal(r.code, 2, `exit code 2: ${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { command: string; error: string };
    assert.equal(doc.command, "eval", "the command");
    assert.match(doc.error, /unknown option '--samplez'/, "the problem");
  });
});

describe("sampler names that imply a grid", () => {
  const { dir, cleanup } = scratch("names");
  after(cleanup);
  const sample = ["sample", "--ckpt", "x", "--out", "s.npy"];

  it("a UI name sets the sampler and its grid, both printed as canonical names the input accepts", async () => {
    const a = printed(
      await diffluxInProcess([...sample, "--sampler", "DPM++ 2M SDE Karras", "--print-config"], dir),
    );
    assert.deepEqual(
      [a.sampler, a.grid],
      ["dpm-solver:eta=1,lowerOrderFinal=false", "karras"],
      "canonical names",
    );
    const b = printed(
      await diffluxInProcess(
        [...sample, "--sampler", String(a.sampler), "--grid", String(a.grid), "--print-config"],
        dir,
      ),
    );
    assert.deepEqual(
      [b.sampler, b.grid],
      [a.sampler, a.grid],
      "the printed names read back to the same choice",
    );
  });

  it("a diffusers class with its config keys maps to the sampler and grid; an agreeing --grid is fine", async () => {
    const a = printed(
      await diffluxInProcess(
        [
          ...sample,
          "--sampler",
          "DPMSolverMultistepScheduler:solver_order=3,use_karras_sigmas=true",
          "--grid",
          "karras",
          "--print-config",
        ],
        dir,
      ),
    );
    assert.deepEqual(
      [a.sampler, a.grid],
      ["dpm-solver:order=3,thirdOrder=halfTaylor,lowerOrderFinal=15", "karras"],
      "diffusers' 3rd order and lower_order_final below 15 steps",
    );
  });

  it("an explicit --grid that disagrees with the name is an error naming both", async () => {
    oneLineError(
      await diffluxInProcess([...sample, "--sampler", "DPM++ 2M Karras", "--grid", "uniform"], dir),
      "sample",
      /--grid: --sampler "DPM\+\+ 2M Karras" already picks the karras grid — drop --grid, or name the sampler alone \(dpm-solver:lowerOrderFinal=false\)/,
    );
  });

  it("an unknown sampler lists the canonical names and suggests the nearest", async () => {
    oneLineError(
      await diffluxInProcess([...sample, "--sampler", "eular"], dir),
      "sample",
      /--sampler: must be one of euler, heun, .*; got "eular" — did you mean euler\?/,
    );
  });
});

describe("progress lines", () => {
  const { dir, cleanup } = scratch("progress");
  after(cleanup);

  it("training reports periodic lines with the step, share, time, eta and loss, and a closing line", async () => {
    const r = await diffluxInProcess(
      ["train", "--data", "moons", "--n", "200", "--batch", "16", "--width", "8", "--depth", "1"].concat([
        "--steps",
        "30",
        "--out",
        "run",
      ]),
      dir,
      { lines: true, seconds: 0 },
    );
    assert.equal(r.code, 0, `exit code 0: ${r.stderr}`);
    assert.match(
      r.stderr,
      /^training 10\/30 \(33%\), \d+ s, eta \d+ s, loss \d/m,
      `a progress line: ${r.stderr}`,
    );
    assert.match(r.stderr, /^training done: 30\/30 in \d+ s$/m, `a closing line: ${r.stderr}`);
    assert.match(r.stdout, /^trained 30 steps/, "the summary stays on stdout");
  });
});
