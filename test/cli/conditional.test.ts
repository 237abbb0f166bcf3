/**
 * Class-conditional models on the command line: `train --labels` (a CSV column, a label file, the
 * digits' labels) with `--label-dropout`, `sample --class --guidance` on the checkpoint, and
 * `sample --onnx` (with its time convention, or a diffusers scheduler config) on the committed
 * Fashion-MNIST U-Net writing a PNG grid; bad combinations end with one line and exit code 2.
 * Runs in-process.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { diffluxInProcess, scratch } from "./cli.js";

const UNET = new URL("../../models/fashion-unet/unet.onnx", import.meta.url).pathname;
const SCHEDULER = new URL("../../models/fashion-unet/scheduler_config.json", import.meta.url).pathname;
const TINY = ["--batch", "32", "--width", "16", "--depth", "1", "--steps", "10"];

/** The width and height of a PNG file (its IHDR chunk). */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  assert.equal(bytes.toString("latin1", 1, 4), "PNG", `${file} is a PNG`);
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe("difflux train --labels and sample --class", () => {
  const { dir, cleanup } = scratch("cond");
  after(cleanup);
  before(() => {
    // Two classes in 2-D; the label column sits between the coordinates.
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 2 === 0 ? -2 : 2},${i % 2},${(i % 5) / 5}`);
    writeFileSync(join(dir, "points.csv"), `x,class,y\n${rows.join("\n")}\n`);
    writeFileSync(join(dir, "labels.csv"), `${Array.from({ length: 40 }, (_, i) => i % 3).join("\n")}\n`);
  });

  it("takes the labels from a CSV column (dropping it from the data) and records classes and dropout", async () => {
    const r = await diffluxInProcess(
      [
        "train",
        "--data",
        "points.csv",
        "--labels",
        "class",
        "--label-dropout",
        "0.2",
        ...TINY,
        "--out",
        "csv",
      ],
      dir,
    );
    assert.equal(r.code, 0, `stderr: ${r.stderr}`);
    assert.match(r.stdout, /on 40 points of dimension 2/, "the label column is not a data column");
    const config = JSON.parse(readFileSync(join(dir, "csv", "config.json"), "utf8"));
    assert.equal(config.model.classes, 2, "classes = max label + 1");
    assert.equal(config.labelDropout, 0.2, "the dropout is in the checkpoint");
    const s = await diffluxInProcess(
      [
        "sample",
        "--ckpt",
        "csv",
        "--class",
        "1",
        "--guidance",
        "2",
        "--n",
        "8",
        "--steps",
        "4",
        "--out",
        "s.npy",
        "--json",
      ],
      dir,
    );
    assert.equal(s.code, 0, `sample: stderr: ${s.stderr}`);
    const out = JSON.parse(s.stdout);
    assert.equal(out.class, 1, "the class is reported");
    assert.equal(out.guidance, 2, "and the guidance scale");
  });

  it("takes the labels from a file with one label per row, or from the digits' label column", async () => {
    const a = await diffluxInProcess(
      ["train", "--data", "points.csv", "--labels", "labels.csv", ...TINY, "--out", "file"],
      dir,
    );
    assert.equal(a.code, 0, `stderr: ${a.stderr}`);
    assert.equal(
      JSON.parse(readFileSync(join(dir, "file", "config.json"), "utf8")).model.classes,
      3,
      "3 classes",
    );
    const b = await diffluxInProcess(
      [
        "train",
        "--data",
        "digits",
        "--n",
        "64",
        "--labels",
        "label",
        "--label-dropout",
        "0.1",
        ...TINY,
        "--out",
        "digits",
      ],
      dir,
    );
    assert.equal(b.code, 0, `stderr: ${b.stderr}`);
    const s = await diffluxInProcess(
      [
        "sample",
        "--ckpt",
        "digits",
        "--class",
        "3",
        "--guidance",
        "3",
        "--n",
        "6",
        "--steps",
        "2",
        "--out",
        "d.png",
      ],
      dir,
    );
    assert.equal(s.code, 0, `sample: stderr: ${s.stderr}`);
    // 6 images in 3 columns × 2 rows, 8×8 pixels enlarged 3× to 24, 2 pixels apart.
    assert.deepEqual(pngSize(join(dir, "d.png")), [3 * 24 + 4, 2 * 24 + 2], "an image grid");
  });

  it("ends with one line and exit code 2 on labels or classes that do not fit", async () => {
    const cases: [string[], RegExp][] = [
      [["train", "--data", "moons", "--labels", "label", ...TINY, "--out", "x"], /moons has no labels/],
      [
        ["train", "--data", "points.csv", "--labels", "kind", ...TINY, "--out", "x"],
        /neither a file nor a column/,
      ],
      [
        ["train", "--data", "points.csv", "--labels", "y", ...TINY, "--out", "x"],
        /labels must be class numbers/,
      ],
      [["train", "--data", "moons", "--label-dropout", "0.1", ...TINY, "--out", "x"], /needs --labels/],
      [["sample", "--ckpt", "csv", "--class", "2", "--out", "x.npy"], /knows classes 0 … 1/],
      [["sample", "--ckpt", "csv", "--guidance", "2", "--out", "x.npy"], /--guidance needs --class/],
      [
        ["sample", "--ckpt", "file", "--class", "1", "--guidance", "2", "--out", "x.npy"],
        /--label-dropout 0/,
      ],
      [["sample", "--ckpt", "csv", "--kind", "noise", "--out", "x.npy"], /--kind describe an ONNX model/],
      [["sample", "--out", "x.npy"], /exactly one of --ckpt .* or --onnx/],
      [["sample", "--ckpt", "csv", "--out", "x.png"], /needs image-shaped samples/],
    ];
    for (const [args, message] of cases) {
      const r = await diffluxInProcess(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: exit code (stderr ${r.stderr})`);
      assert.match(r.stderr, message, `${args.join(" ")}: message`);
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: one line`);
    }
  });
});

describe("difflux sample --onnx", () => {
  const { dir, cleanup } = scratch("onnx");
  after(cleanup);

  it("samples the committed U-Net for a class with guidance into a PNG grid, by time convention or by scheduler config", async () => {
    const a = await diffluxInProcess(
      ["sample", "--onnx", UNET, "--kind", "noise", "--time-input", "train-step", "--path", "ddpm"].concat(
        ["--null-label", "10", "--class", "3", "--guidance", "4", "--sampler", "dpm-solver", "--steps", "3"],
        ["--n", "4", "--out", "grid.png"],
      ),
      dir,
    );
    assert.equal(a.code, 0, `stderr: ${a.stderr}`);
    assert.deepEqual(pngSize(join(dir, "grid.png")), [2 * 28 + 2, 2 * 28 + 2], "2 × 2 images of 28 × 28");
    const b = await diffluxInProcess(
      [
        "sample",
        "--onnx",
        UNET,
        "--scheduler-config",
        SCHEDULER,
        "--null-label",
        "10",
        "--class",
        "7",
      ].concat(["--guidance", "2", "--steps", "3", "--n", "2", "--out", "s.npy", "--json"]),
      dir,
    );
    assert.equal(b.code, 0, `stderr: ${b.stderr}`);
    const out = JSON.parse(b.stdout);
    assert.equal(out.sampler, "DDIMScheduler", "the scheduler config's sampler");
    assert.equal(out.dim, 784, "1 × 28 × 28 per sample");
  });

  it("ends with one line and exit code 2 when the ONNX options do not describe the model", async () => {
    const cases: [string[], RegExp][] = [
      [["sample", "--onnx", UNET, "--out", "x.npy"], /needs --kind, --time-input and --path/],
      [
        ["sample", "--onnx", UNET, "--scheduler-config", SCHEDULER, "--sampler", "euler", "--out", "x.npy"],
        /drop --sampler/,
      ],
      [
        [
          "sample",
          "--onnx",
          UNET,
          "--kind",
          "noise",
          "--time-input",
          "time",
          "--path",
          "ddpm",
          "--inputs",
          "a,b",
          "--out",
          "x.npy",
        ],
        /"a" is not an input of the model/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await diffluxInProcess(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: exit code (stderr ${r.stderr})`);
      assert.match(r.stderr, message, `${args.join(" ")}: message`);
    }
  });
});
