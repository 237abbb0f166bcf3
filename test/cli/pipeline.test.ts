/**
 * End to end, in-process: the demo on its --quick configuration; the train (with a resume) → sample →
 * eval → likelihood round trip on a tiny network, whose printed names read back as input; the
 * sampler benchmark; and bad inputs of these commands (exit code 2, one line, nothing written).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readNpy } from "../../src/node.js";
import { diffluxInProcess, listing, scratch } from "./cli.js";

const PNG = [0x89, 0x50, 0x4e, 0x47];
const isPng = (file: string) => PNG.every((b, i) => readFileSync(file)[i] === b);
const tiny = ["--data", "moons", "--n", "400", "--batch", "32", "--width", "16", "--depth", "1"];

describe("difflux pipeline", () => {
  const { dir, cleanup } = scratch("pipeline");
  after(cleanup);

  it("demo --quick writes a self-contained report, plots, metrics and the model, and a JSON summary", async () => {
    const out = join(dir, "demo");
    const r = await diffluxInProcess(["demo", "--quick", "--steps", "60", "--out", out, "--json"], dir);
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    const summary = JSON.parse(r.stdout) as {
      samplers: { sampler: string; nfe: number; slicedW2: number }[];
      floorSpread: { slicedW2: { mean: number; sd: number; values: number[] } };
      files: string[];
    };
    assert.deepEqual(
      [...new Set(summary.samplers.map((s) => s.sampler))],
      ["euler", "heun", "dpm-solver"],
      "three samplers are measured",
    );
    assert.ok(
      summary.samplers.every((s) => Number.isFinite(s.slicedW2) && s.nfe > 0),
      "every run has a finite sliced W₂",
    );
    for (const f of ["samples.png", "trajectories.png", "loss.png", "error-vs-nfe.png"]) {
      assert.ok(isPng(join(out, f)), `${f} is a PNG`);
    }
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, 4, "the report inlines the four plots");
    assert.ok(!/src="(?!data:)/.test(html), "the report loads nothing from outside");
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as {
      likelihood: { bitsPerDim: number };
    };
    assert.ok(Number.isFinite(metrics.likelihood.bitsPerDim), "metrics.json has the likelihood");
    assert.ok(existsSync(join(out, "model", "config.json")), "the trained checkpoint is kept");
    assert.ok(
      summary.files.some((f) => /model\/weights-60\.safetensors$/.test(f)) &&
        summary.files.every((f) => existsSync(f)),
      `--json lists every file written, the weights included: ${summary.files}`,
    );
    const floor = summary.floorSpread.slicedW2;
    assert.equal(floor.values.length, 3, "the floor is measured over three seeds in the quick demo");
    assert.ok(floor.sd > 0 && floor.mean > 0, `the floor's spread over seeds: ${JSON.stringify(floor)}`);
    assert.deepEqual(
      listing(dir).filter((f) => f.startsWith(".")),
      [],
      "no staging directory is left behind",
    );
  });

  it("trains (and resumes bit for bit), samples and evaluates the likelihood of a tiny model", async () => {
    const [whole, run] = [join(dir, "whole"), join(dir, "run")];
    const w = await diffluxInProcess(
      ["train", ...tiny, "--steps", "20", "--checkpoint-every", "7", "--out", whole],
      dir,
    );
    assert.equal(w.code, 0, `uninterrupted run: stderr: ${w.stderr}`);
    const first = await diffluxInProcess(
      ["train", ...tiny, "--steps", "12", "--checkpoint-every", "7", "--out", run],
      dir,
    );
    assert.equal(first.code, 0, `first part: stderr: ${first.stderr}`);
    const t = await diffluxInProcess(
      ["train", ...tiny, "--steps", "20", "--checkpoint-every", "7", "--out", run, "--json"],
      dir,
    );
    assert.equal(t.code, 0, `resumed part: stderr: ${t.stderr}`);
    const summary = JSON.parse(t.stdout) as { resumedFrom: number; steps: number; files: string[] };
    assert.deepEqual([summary.resumedFrom, summary.steps], [12, 20], "the second run resumes at step 12");
    assert.deepEqual(
      summary.files.map((f) => f.slice(run.length + 1)),
      ["config.json", "weights-20.safetensors", "train.json", "loss.csv", "loss.png"],
      "--json lists every file written, the weights included",
    );
    const weights = (d: string) => readFileSync(join(d, "weights-20.safetensors"));
    assert.ok(weights(whole).equals(weights(run)), "bit-identical weights to the uninterrupted run");
    const losses = (d: string) => readFileSync(join(d, "loss.csv"), "utf8");
    assert.equal(losses(run), losses(whole), "identical loss history");
    for (const f of ["config.json", "train.json", "loss.png"])
      assert.ok(existsSync(join(run, f)), `${f} written`);

    const s = await diffluxInProcess(
      [
        "sample",
        "--ckpt",
        run,
        "--out",
        "s.npy",
        "--n",
        "50",
        "--steps",
        "4",
        "--sampler",
        "sample_dpmpp_2m",
        "--grid",
        "karras:rho=5",
        "--path",
        "linear",
        "--plot",
        "s.png",
        "--trajectories",
        "t.png",
        "--json",
      ],
      dir,
    );
    assert.equal(s.code, 0, `sample: exit code 0 expected; stderr: ${s.stderr}`);
    const samples = readNpy(join(dir, "s.npy"));
    assert.deepEqual(samples.shape, [50, 2], "50 samples of dimension 2");
    assert.ok(samples.data.every(Number.isFinite), "the samples are finite");
    assert.ok(isPng(join(dir, "s.png")) && isPng(join(dir, "t.png")), "both plots are PNGs");
    const sampled = JSON.parse(s.stdout) as { sampler: string; grid: string; path: string; files: string[] };
    assert.deepEqual(
      [sampled.sampler, sampled.grid, sampled.path],
      ["dpm-solver:lowerOrderFinal=false", "karras:rho=5", "rectified-flow"],
      "the output names the canonical sampler, grid and path",
    );
    assert.deepEqual(sampled.files, ["s.npy", "s.png", "t.png"], "--json lists every file written");
    // Every name the command printed is accepted as input, and names the same choice.
    const again_ = await diffluxInProcess(
      ["sample", "--ckpt", run, "--out", "s2.npy", "--n", "50", "--steps", "4"].concat([
        "--sampler",
        sampled.sampler,
        "--grid",
        sampled.grid,
        "--path",
        sampled.path,
        "--json",
      ]),
      dir,
    );
    assert.equal(again_.code, 0, `the printed names are accepted: ${again_.stderr}`);
    const resampled = JSON.parse(again_.stdout) as { sampler: string; grid: string; path: string };
    assert.deepEqual(
      [resampled.sampler, resampled.grid, resampled.path],
      [sampled.sampler, sampled.grid, sampled.path],
      "and name the same choices",
    );
    assert.ok(
      readFileSync(join(dir, "s2.npy")).equals(readFileSync(join(dir, "s.npy"))),
      "the same samples, bit for bit",
    );

    const e = await diffluxInProcess(
      ["eval", "--samples", "s.npy", "--data", "moons", "--seeds", "3", "--json"],
      dir,
    );
    assert.equal(e.code, 0, `eval: exit code 0 expected; stderr: ${e.stderr}`);
    const ev = JSON.parse(e.stdout) as {
      pointsPerSet: number;
      slicedW2: {
        samples: { mean: number; sd: number };
        floor: { mean: number; sd: number; values: number[] };
      };
      mmd2: { samples: { mean: number }; floor: { mean: number } };
    };
    assert.equal(ev.pointsPerSet, 50, "as many data points per set as samples");
    assert.equal(ev.slicedW2.floor.values.length, 3, "the floor over three seeds");
    assert.ok(ev.slicedW2.floor.sd > 0, `the floor has a spread: ${e.stdout}`);
    assert.ok(
      ev.slicedW2.samples.mean > ev.slicedW2.floor.mean,
      `a 20-step model is further from the data than the data from itself: ${e.stdout}`,
    );

    const l = await diffluxInProcess(["likelihood", "--ckpt", run, "--n", "8", "--json"], dir);
    assert.equal(l.code, 0, `likelihood: exit code 0 expected; stderr: ${l.stderr}`);
    const lik = JSON.parse(l.stdout) as {
      logLikelihood: { mean: number };
      bitsPerDim: number;
      data: { points: number };
    };
    assert.ok(
      Number.isFinite(lik.logLikelihood.mean) && Number.isFinite(lik.bitsPerDim),
      `finite log-likelihood: ${l.stdout}`,
    );
    assert.equal(lik.data.points, 8, "on the held-out points asked for");

    // A run whose loss.csv was lost gets its whole history back from the checkpoint, which holds it;
    // the resume takes every option from train.json.
    const earlier = losses(run).trim().split("\n").slice(1);
    rmSync(join(run, "loss.csv"));
    const again = await diffluxInProcess(["train", "--steps", "23", "--out", run, "--json"], dir);
    assert.equal(again.code, 0, `resumed without loss.csv: stderr: ${again.stderr}`);
    const rows = readFileSync(join(run, "loss.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",").map(Number));
    assert.deepEqual(
      rows.map(([step]) => step),
      Array.from({ length: 23 }, (_, i) => i + 1),
      "every step's loss, the earlier ones from the checkpoint",
    );
    assert.deepEqual(
      readFileSync(join(run, "loss.csv"), "utf8").trim().split("\n").slice(1, 21),
      earlier,
      "the earlier rows as they were",
    );
    const mean = rows.reduce((acc, [, loss]) => acc + loss!, 0) / rows.length;
    const { finalLoss } = JSON.parse(again.stdout) as { finalLoss: number };
    assert.ok(
      Math.abs(finalLoss - mean) <= 1e-12 * Math.abs(mean),
      `the final loss is the mean of the recorded losses: ${finalLoss} vs ${mean}`,
    );
  });
});

describe("difflux bench-samplers", () => {
  const { dir, cleanup } = scratch("bench");
  after(cleanup);

  it("measures error against NFE on the exact mixture over seeds, with a table, a CSV and a plot", async () => {
    const r = await diffluxInProcess(
      [
        "bench-samplers",
        "--nfe",
        "4,16",
        "--samplers",
        "euler,heun,ddpm",
        "--n",
        "200",
        "--seeds",
        "2",
        "--out",
        "b.csv",
        "--plot",
        "b.png",
        "--json",
      ],
      dir,
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    type Spread = { mean: number; sd: number; values: number[] };
    const report = JSON.parse(r.stdout) as {
      seeds: number[];
      floor: Spread;
      rows: { sampler: string; grid: string; nfe: number; odeError: number | null; slicedW2: Spread }[];
      files: string[];
    };
    assert.deepEqual(report.seeds, [0, 1], "two seeds from --seed");
    assert.equal(report.rows.length, 6, "two NFE budgets for three samplers");
    const heun = report.rows.filter((row) => row.sampler === "heun");
    assert.ok(
      heun[1]!.odeError! < heun[0]!.odeError! / 4,
      `Heun's ODE error falls with NFE: ${JSON.stringify(heun)}`,
    );
    assert.ok(
      report.rows.every(
        (row) =>
          row.slicedW2.values.length === 2 &&
          Math.abs(row.slicedW2.mean - (row.slicedW2.values[0]! + row.slicedW2.values[1]!) / 2) < 1e-15 &&
          row.slicedW2.sd > 0,
      ),
      "sliced W₂ is the mean of its two seeds, with a spread",
    );
    assert.ok(
      report.rows
        .filter((row) => row.sampler === "ddpm")
        .every((row) => row.odeError === null && row.slicedW2.mean > 0),
      "a stochastic sampler has no ODE error but a sliced W₂",
    );
    assert.ok(
      report.rows.every((row) => row.grid === "uniform"),
      "the grid of every row",
    );
    assert.deepEqual(report.files, ["b.csv", "b.png"], "--json lists the files written");
    assert.equal(
      readFileSync(join(dir, "b.csv"), "utf8").trim().split("\n").length,
      7,
      "header and six rows",
    );
    assert.ok(isPng(join(dir, "b.png")), "the plot is a PNG");
  });
});

describe("bad inputs of train, sample, likelihood and demo", () => {
  const { dir, cleanup } = scratch("pipeline-errors");
  after(cleanup);
  mkdirSync(join(dir, "empty"));
  mkdirSync(join(dir, "corrupt"));
  writeFileSync(join(dir, "corrupt", "config.json"), "{ not json");
  mkdirSync(join(dir, "mine"));
  writeFileSync(join(dir, "mine", "notes.txt"), "my files\n");
  writeFileSync(join(dir, "afile"), "x");
  writeFileSync(join(dir, "missing.csv"), "x,y\n1,2\n3,nan\n");

  const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
    [
      "sample from a missing checkpoint directory",
      ["sample", "--ckpt", "nope", "--out", "s.npy"],
      /--ckpt: no such directory nope — pass the --out directory of difflux train/,
    ],
    [
      "sample from a directory without a checkpoint",
      ["sample", "--ckpt", "empty", "--out", "s.npy"],
      /--ckpt: empty holds no checkpoint \(config\.json is missing\)/,
    ],
    [
      "a corrupt checkpoint",
      ["likelihood", "--ckpt", "corrupt"],
      /--ckpt: loadCheckpoint: corrupt\/config\.json is not valid JSON/,
    ],
    [
      "an unknown sampler",
      ["sample", "--ckpt", "empty", "--out", "s.npy", "--sampler", "eular"],
      /--sampler: must be one of euler, heun, .*; got "eular"/,
    ],
    [
      "train into a file",
      ["train", "--data", "moons", "--out", "afile"],
      /--out: afile is a file — pass a directory/,
    ],
    [
      "train on a file with missing values",
      ["train", "--data", "missing.csv", "--out", "r"],
      /--data: missing\.csv has a non-finite value at row 1, column 1 — remove or fill missing values/,
    ],
    [
      "train on a file that does not exist",
      ["train", "--data", "nofile.csv", "--out", "r"],
      /--data: "nofile\.csv" is neither a dataset nor an existing file/,
    ],
    [
      "demo over a directory that is not a demo output",
      ["demo", "--quick", "--out", "mine"],
      /--out: mine holds files difflux did not write \(notes\.txt\); choose a new or empty folder/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const before = listing(dir);
      const r = await diffluxInProcess(args, dir);
      assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, message, `stderr names the problem and the fix: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^difflux [a-z-]+: [^\n]+\n$/,
        `exactly one line on stderr: ${JSON.stringify(r.stderr)}`,
      );
      assert.deepEqual(listing(dir), before, "nothing is written");
    });
  }
});
