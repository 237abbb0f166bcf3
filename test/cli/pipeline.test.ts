/**
 * End-to-end (spawned binary): the demo on its --quick configuration, and the train (with a resume)
 * → sample → likelihood round trip on a tiny network; bad inputs of these commands (exit code 2, one
 * line, nothing written) run in-process.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readNpy } from "../../src/node.js";
import { difflux, diffluxInProcess, listing, scratch } from "./cli.js";

const PNG = [0x89, 0x50, 0x4e, 0x47];
const isPng = (file: string) => PNG.every((b, i) => readFileSync(file)[i] === b);
const tiny = ["--data", "moons", "--n", "400", "--batch", "32", "--width", "16", "--depth", "1"];

describe("difflux pipeline", { concurrency: 3 }, () => {
  const { dir, cleanup } = scratch("pipeline");
  after(cleanup);

  it("demo --quick writes a self-contained report, plots, metrics and the model, and a JSON summary", async () => {
    const out = join(dir, "demo");
    const r = await difflux(["demo", "--quick", "--steps", "60", "--out", out, "--json"], dir);
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    const summary = JSON.parse(r.stdout) as {
      samplers: { sampler: string; nfe: number; slicedW2: number }[];
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
    assert.deepEqual(
      listing(dir).filter((f) => f.startsWith(".")),
      [],
      "no staging directory is left behind",
    );
  });

  it("trains (and resumes bit for bit), samples and evaluates the likelihood of a tiny model", async () => {
    const [whole, run] = [join(dir, "whole"), join(dir, "run")];
    const w = await difflux(
      ["train", ...tiny, "--steps", "20", "--checkpoint-every", "7", "--out", whole],
      dir,
    );
    assert.equal(w.code, 0, `uninterrupted run: stderr: ${w.stderr}`);
    const first = await difflux(
      ["train", ...tiny, "--steps", "12", "--checkpoint-every", "7", "--out", run],
      dir,
    );
    assert.equal(first.code, 0, `first part: stderr: ${first.stderr}`);
    const t = await difflux(
      ["train", ...tiny, "--steps", "20", "--checkpoint-every", "7", "--out", run, "--json"],
      dir,
    );
    assert.equal(t.code, 0, `resumed part: stderr: ${t.stderr}`);
    const summary = JSON.parse(t.stdout) as { resumedFrom: number; steps: number };
    assert.deepEqual([summary.resumedFrom, summary.steps], [12, 20], "the second run resumes at step 12");
    const weights = (d: string) => readFileSync(join(d, "weights-20.safetensors"));
    assert.ok(weights(whole).equals(weights(run)), "bit-identical weights to the uninterrupted run");
    const losses = (d: string) => readFileSync(join(d, "loss.csv"), "utf8");
    assert.equal(losses(run), losses(whole), "identical loss history");
    for (const f of ["config.json", "train.json", "loss.png"])
      assert.ok(existsSync(join(run, f)), `${f} written`);

    const s = await difflux(
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
        "dpm-solver",
        "--plot",
        "s.png",
        "--trajectories",
        "t.png",
      ],
      dir,
    );
    assert.equal(s.code, 0, `sample: exit code 0 expected; stderr: ${s.stderr}`);
    const samples = readNpy(join(dir, "s.npy"));
    assert.deepEqual(samples.shape, [50, 2], "50 samples of dimension 2");
    assert.ok(samples.data.every(Number.isFinite), "the samples are finite");
    assert.ok(isPng(join(dir, "s.png")) && isPng(join(dir, "t.png")), "both plots are PNGs");

    const l = await difflux(["likelihood", "--ckpt", run, "--n", "8", "--json"], dir);
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

    // A run whose loss.csv was lost resumes with the losses of its own steps, numbered from the checkpoint.
    rmSync(join(run, "loss.csv"));
    const again = await difflux(["train", ...tiny, "--steps", "23", "--out", run, "--json"], dir);
    assert.equal(again.code, 0, `resumed without loss.csv: stderr: ${again.stderr}`);
    const rows = readFileSync(join(run, "loss.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split(",").map(Number));
    assert.deepEqual(
      rows.map(([step]) => step),
      [21, 22, 23],
      "only this run's steps, numbered from the checkpoint",
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

  it("measures error against NFE on the exact mixture, with a table, a CSV and a plot", async () => {
    const r = await difflux(
      [
        "bench-samplers",
        "--nfe",
        "4,16",
        "--samplers",
        "euler,heun,ddpm",
        "--n",
        "200",
        "--out",
        "b.csv",
        "--plot",
        "b.png",
        "--json",
      ],
      dir,
    );
    assert.equal(r.code, 0, `exit code 0 expected; stderr: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as {
      rows: { label: string; nfe: number; odeError: number | null; slicedW2: number }[];
    };
    assert.equal(report.rows.length, 6, "two NFE budgets for three samplers");
    const heun = report.rows.filter((row) => row.label === "heun");
    assert.ok(
      heun[1]!.odeError! < heun[0]!.odeError! / 4,
      `Heun's ODE error falls with NFE: ${JSON.stringify(heun)}`,
    );
    assert.ok(
      report.rows
        .filter((row) => row.label === "ddpm")
        .every((row) => row.odeError === null && row.slicedW2 > 0),
      "a stochastic sampler has no ODE error but a sliced W₂",
    );
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
      /--out: mine exists and is not the output of an earlier demo/,
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
