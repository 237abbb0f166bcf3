/**
 * `difflux train` goes through the library's recipe machinery: continuous data is standardised and
 * the network preconditioned (both stored in the checkpoint, undone by `sample` and `likelihood`),
 * recipes that cannot train are refused up front (exit 2), a run that diverges stops with one line
 * and exit 3 keeping only finite checkpoints, `sample` refuses to write non-finite samples (exit 3),
 * and the DDPM time density and weightings are reachable by name. Runs in-process.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { diffluxInProcess, scratch } from "./cli.js";

const tiny = ["--n", "400", "--batch", "32", "--width", "16", "--depth", "1"];

/** `train` on 400 moons points with a tiny network, then `options` (words separated by spaces). */
const trainMoons = (options: string) => ["train", "--data", "moons", ...tiny, ...options.split(" ")];

/** One line on stderr, no stack trace. */
function assertOneLine(stderr: string, what: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(stderr)}`);
  assert.ok(!/\n\s+at /.test(stderr), `${what}: no stack trace`);
}

describe("difflux train and the recipe machinery", () => {
  const { dir, cleanup } = scratch("recipes");
  after(cleanup);

  it("stops a run whose learning rate blows up the weights with one line and exit code 3, writing nothing", async () => {
    const r = await diffluxInProcess(trainMoons("--steps 20 --lr 1e30 --clip 0 --out blown"), dir);
    assert.equal(r.code, 3, `exit code 3 (a run that failed), stderr: ${r.stderr}`);
    assertOneLine(r.stderr, "the divergence");
    assert.match(r.stderr, /at step \d+ of rectified-flow \/ velocity/, "names the step and the recipe");
    assert.match(r.stderr, /learning rate/, "names the likely cause");
    assert.match(r.stderr, /no checkpoint was written/, "says what is kept");
    assert.ok(!existsSync(join(dir, "blown")), "no run directory (nothing non-finite) is left");
    const json = await diffluxInProcess(trainMoons("--steps 5 --lr 1e30 --clip 0 --out blown --json"), dir);
    assert.equal(json.code, 3, "exit 3 with --json too");
    assert.equal((JSON.parse(json.stdout) as { exitCode: number }).exitCode, 3, "the JSON error says exit 3");
  });

  it("keeps the last finite checkpoint when a run diverges after saving, and sample never writes its NaN", async () => {
    // lr 1e6 without clipping: step 1 is finite (and saved), step 2's gradient overflows float32.
    const blown = await diffluxInProcess(
      trainMoons("--steps 10 --lr 1e6 --clip 0 --checkpoint-every 1 --out kept"),
      dir,
    );
    assert.equal(blown.code, 3, `exit 3: ${blown.stderr}`);
    assertOneLine(blown.stderr, "the divergence");
    assert.match(blown.stderr, /at step 2 of /, "names the step");
    assert.match(
      blown.stderr,
      /kept keeps the last finite checkpoint \(step 1\)/,
      "names the kept checkpoint",
    );
    const config = JSON.parse(readFileSync(join(dir, "kept", "config.json"), "utf8")) as {
      weights: { file: string };
    };
    assert.equal(config.weights.file, "weights-1.safetensors", "the checkpoint is step 1's");
    // Step 1's weights (moved by ~1e6) are finite but their predictions are not.
    const s = await diffluxInProcess(["sample", "--ckpt", "kept", "--n", "20", "--out", "kept.csv"], dir);
    assert.equal(s.code, 3, `sampling a model with non-finite predictions fails with exit 3: ${s.stderr}`);
    assertOneLine(s.stderr, "the sampling failure");
    assert.ok(!existsSync(join(dir, "kept.csv")), "no sample file");
  });

  it("refuses a recipe the library cannot train with exit code 2, the reason and the command-line fix", async () => {
    const r = await diffluxInProcess(trainMoons("--steps 5 --path ve --predict score --out ve"), dir);
    assert.equal(r.code, 2, `exit code 2: ${r.stderr}`);
    assertOneLine(r.stderr, "the refusal");
    assert.match(r.stderr, /score on ve\(/, "names the recipe");
    assert.match(r.stderr, /--weighting edm:sigmaData=1/, "gives the fix as an option");
    assert.ok(!existsSync(join(dir, "ve")), "nothing written");
  });

  it("reaches the DDPM integer-timestep density and the ε-loss weightings by name", async () => {
    const ddpm = "--steps 5 --path ddpm --predict noise --time-density ddpm-timestep";
    const truncated = await diffluxInProcess(
      trainMoons(`${ddpm} --weighting truncated-snr-on-noise:max=5 --out ddpm --json`),
      dir,
    );
    assert.equal(truncated.code, 0, `truncated SNR on ε trains: ${truncated.stderr}`);
    const snr = await diffluxInProcess(trainMoons(`${ddpm} --weighting snr-on-noise --out snr`), dir);
    // The untruncated SNR weights the network's error by up to 1e4 near the data: refused with its reason.
    assert.equal(snr.code, 2, `snr-on-noise is parsed and judged: ${snr.stderr}`);
    assert.match(snr.stderr, /snrOnNoise weighting and the ddpmTimestep time density/, "the recipe by name");
  });

  it("standardises data at scale 10: samples come back at scale 10 and log p matches the Gaussian's closed form", async () => {
    // 4000 rows of N((30, −5), diag(10², 10²)) from a fixed stream (Box–Muller on a LCG).
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state + 0.5) / 2 ** 32;
    };
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const rows = ["x,y"];
    for (let i = 0; i < 4000; i++) rows.push(`${30 + 10 * normal()},${-5 + 10 * normal()}`);
    writeFileSync(join(dir, "gauss.csv"), `${rows.join("\n")}\n`);
    const train = await diffluxInProcess(
      [
        "train",
        "--data",
        "gauss.csv",
        "--batch",
        "64",
        "--width",
        "16",
        "--depth",
        "1",
        "--steps",
        "60",
        "--out",
        "gauss",
      ],
      dir,
    );
    assert.equal(train.code, 0, `training: ${train.stderr}`);
    const config = JSON.parse(readFileSync(join(dir, "gauss", "config.json"), "utf8")) as {
      parameterization: { kind: string; sigmaData: number };
      standardization: { mean: number[]; scale: number[] };
    };
    assert.deepEqual(config.parameterization, { kind: "preconditioned", sigmaData: 1 }, "preconditioned");
    assert.ok(
      config.standardization.scale.every((s) => Math.abs(s - 10) < 0.5),
      `scales ≈ 10: ${config.standardization.scale}`,
    );

    const s = await diffluxInProcess(["sample", "--ckpt", "gauss", "--n", "500", "--out", "g.csv"], dir);
    assert.equal(s.code, 0, `sampling: ${s.stderr}`);
    const xs = readFileSync(join(dir, "g.csv"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(",").map(Number));
    const mean = xs.reduce((a, r) => a + r[0]!, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, r) => a + (r[0]! - mean) ** 2, 0) / xs.length);
    assert.ok(
      Math.abs(mean - 30) < 2 && Math.abs(sd - 10) < 1.5,
      `samples in data units: mean ${mean}, sd ${sd}`,
    );

    // The optimal preconditioned network for standard-normal z is F = 0, so even a briefly trained
    // one gives log p_z ≈ −log(2π) − |z|²/2; in data units log p_x = log p_z − log(s₁s₂).
    const lik = await diffluxInProcess(
      ["likelihood", "--ckpt", "gauss", "--data", "gauss.csv", "--n", "40", "--out", "logp.csv", "--json"],
      dir,
      { lines: true, seconds: 0 },
    );
    assert.equal(lik.code, 0, `likelihood: ${lik.stderr}`);
    const summary = JSON.parse(lik.stdout) as { nfePerPoint: number; standardized: boolean };
    assert.ok(summary.standardized && summary.nfePerPoint > 0, `reports NFE per point: ${lik.stdout}`);
    assert.match(lik.stderr, /^likelihood \d+\/40 \(\d+%\)/m, "progress lines inside the chunk when piped");
    const logp = readFileSync(join(dir, "logp.csv"), "utf8").trim().split("\n").slice(1).map(Number);
    const [m, sc] = [config.standardization.mean, config.standardization.scale];
    const x = new Float64Array(rows.slice(1, 41).flatMap((l) => l.split(",").map(Number)));
    let error = 0;
    logp.forEach((got, i) => {
      const z = [(x[2 * i]! - m[0]!) / sc[0]!, (x[2 * i + 1]! - m[1]!) / sc[1]!];
      const exact = -Math.log(2 * Math.PI) - (z[0]! ** 2 + z[1]! ** 2) / 2 - Math.log(sc[0]! * sc[1]!);
      assert.ok(Math.abs(got - exact) < 0.3, `row ${i}: log p ${got} vs the Gaussian's ${exact}`);
      error += Math.abs(got - exact) / logp.length;
    });
    assert.ok(error < 0.1, `mean |log p − closed form| ${error} nats`);
    // The command's numbers are the library's log p_z of the standardised rows plus the log-det.
    const lib = await import("../../src/node.js");
    const { model, standardization } = lib.checkpointModel(lib.loadCheckpoint(join(dir, "gauss")));
    const z = lib.standardize(x, standardization!);
    const direct = await lib.logLikelihood(model, z, { dim: 2 });
    model.dispose();
    const logDet = lib.standardizationLogDet(standardization!);
    assert.ok(Math.abs(logDet + Math.log(sc[0]! * sc[1]!)) < 1e-12, `log-det −log(s₁s₂): ${logDet}`);
    logp.forEach((got, i) => {
      const want = direct.logLikelihood[i]! + logDet;
      assert.ok(Math.abs(got - want) < 1e-9, `row ${i}: ${got} = log p_z + log-det = ${want}`);
    });
  });

  it("refuses to write non-finite samples (exit 3) and writes nothing", async () => {
    // A standardisation whose inverse overflows float64 makes every sample infinite.
    const file = join(dir, "gauss", "config.json");
    const config = JSON.parse(readFileSync(file, "utf8")) as {
      standardization: { mean: number[]; scale: number[] };
    };
    writeFileSync(
      file,
      JSON.stringify({ ...config, standardization: { mean: [1.7e308, 1.7e308], scale: [1.7e308, 1.7e308] } }),
    );
    const r = await diffluxInProcess(["sample", "--ckpt", "gauss", "--n", "50", "--out", "bad.csv"], dir);
    assert.equal(r.code, 3, `exit 3: ${r.stderr}`);
    assertOneLine(r.stderr, "the refusal");
    assert.match(r.stderr, /not finite/, "says the samples are not finite");
    assert.ok(!existsSync(join(dir, "bad.csv")), "no sample file");
  });
});
