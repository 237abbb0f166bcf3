/**
 * What the command line reads and writes stays bounded and clean: a --config, --data or run record
 * that is a device, or a file beyond the input limit, is one line with exit code 2 and nothing
 * written; numbers are decimal only (`--n 0x10` names --n); outputs go through the library's
 * temporary names (a 244-character output name works, nothing hidden is left behind). Train and demo
 * folders: refused when they hold files difflux did not write, every byte kept.
 */
import assert from "node:assert/strict";
import { closeSync, openSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { foreignFolder } from "../io/fixtures.js";
import { diffluxInProcess, listing, scratch } from "./cli.js";

const tiny = [
  "--data",
  "moons",
  "--n",
  "100",
  "--batch",
  "8",
  "--width",
  "4",
  "--depth",
  "1",
  "--steps",
  "3",
];

function refused(r: { code: number; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, message, `stderr names the problem: ${r.stderr}`);
  assert.match(r.stderr, /^difflux [a-z-]+: [^\n]+\n$/, `exactly one line: ${JSON.stringify(r.stderr)}`);
}

describe("the command line's file reads and writes", () => {
  const { dir, cleanup } = scratch("clifiles");
  after(cleanup);

  it("refuses devices and oversized files as --config and --data, writing nothing", async () => {
    symlinkSync("/dev/zero", join(dir, "zero.json"));
    symlinkSync("/dev/zero", join(dir, "zero.csv"));
    // A sparse 16 GiB file: nothing is allocated on disk, and nothing may be read.
    const fd = openSync(join(dir, "huge.csv"), "w");
    closeSync(fd);
    await import("node:fs").then((fs) => fs.truncateSync(join(dir, "huge.csv"), 16 * 2 ** 30));
    const before = listing(dir);
    refused(
      await diffluxInProcess(["train", "--config", "zero.json"], dir),
      /--config: cannot read zero\.json: it is a character device, not a regular file/,
    );
    refused(
      await diffluxInProcess(["train", ...tiny.slice(2), "--data", "zero.csv", "--out", "r"], dir),
      /--data: .*cannot read zero\.csv: it is a character device, not a regular file/,
    );
    refused(
      await diffluxInProcess(["train", ...tiny.slice(2), "--data", "huge.csv", "--out", "r"], dir),
      /--data: .*cannot read huge\.csv: it is larger than the input limit of \d+ bytes/,
    );
    assert.deepEqual(listing(dir), before, "nothing is written");
  });

  it("reads numbers in decimal notation only, naming the option", async () => {
    for (const text of ["0x10", "0b101", "0o17", "1_000", "Infinity"]) {
      refused(
        await diffluxInProcess(["train", ...tiny, "--seed", text, "--out", "r"], dir),
        new RegExp(`--seed: must be an integer ≥ 0, got "${text}"`),
      );
    }
    const ok = await diffluxInProcess(
      ["train", ...tiny.slice(0, -2), "--steps", "3e0", "--lr", ".5e-3", "--out", "decimal", "--json"],
      dir,
    );
    assert.equal(ok.code, 0, `decimal and scientific notation are numbers: ${ok.stderr}`);
    assert.equal((JSON.parse(ok.stdout) as { steps: number }).steps, 3);
  });

  it("writes a 244-character output name through the library's temporary names, leaving nothing hidden", async () => {
    const name = `${"s".repeat(240)}.npy`;
    const r = await diffluxInProcess(
      ["sample", "--ckpt", "decimal", "--n", "4", "--steps", "2", "--out", name],
      dir,
    );
    assert.equal(r.code, 0, `a long output name is written: ${r.stderr}`);
    assert.ok(readFileSync(join(dir, name)).length > 0, "the samples are there");
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith(".")),
      [],
      "no temporary left behind",
    );
  });

  it("train --resume DIR takes the run's options from its train.json; a folder without a run, or another --out, is refused", async () => {
    refused(
      await diffluxInProcess(["train", "--resume", "nowhere"], dir),
      /--resume: nowhere holds no difflux train run \(no train\.json\)/,
    );
    refused(
      await diffluxInProcess(["train", "--resume", "decimal", "--out", "elsewhere"], dir),
      /--resume: decimal and --out elsewhere name different folders/,
    );
    refused(await diffluxInProcess(["train", "--steps", "5"], dir), /--out is required/);
    refused(
      await diffluxInProcess(
        ["train", "--resume", "decimal", "--steps", "5", "--no-normalize", "--lr", "0.01"],
        dir,
      ),
      /--out: decimal holds a run started with other options \(--lr was 0\.0005, now 0\.01; --no-normalize was not given, now given\)/,
    );
    const r = await diffluxInProcess(["train", "--resume", "decimal", "--steps", "5", "--json"], dir);
    assert.equal(r.code, 0, `resumed: ${r.stderr}`);
    const summary = JSON.parse(r.stdout) as { resumedFrom: number; steps: number; data: { points: number } };
    assert.deepEqual(
      [summary.resumedFrom, summary.steps, summary.data.points],
      [3, 5, 100],
      "from step 3 to 5 on the recorded 100 points",
    );
    const record = JSON.parse(readFileSync(join(dir, "decimal", "train.json"), "utf8")) as {
      options: Record<string, unknown>;
    };
    assert.deepEqual(
      [record.options.steps, record.options.lr],
      [5, 0.0005],
      "the record keeps the run's options",
    );
  });

  it("train and demo refuse a folder holding files difflux did not write, keeping every byte", async () => {
    const snapshot = foreignFolder(join(dir, "mine"));
    const before = snapshot();
    refused(
      await diffluxInProcess(["train", ...tiny, "--out", "mine"], dir),
      /--out: mine holds files difflux did not write \(.*weights-7\.safetensors.*\); choose a new or empty folder/,
    );
    refused(
      await diffluxInProcess(["demo", "--quick", "--out", "mine"], dir),
      /--out: mine holds files difflux did not write/,
    );
    assert.deepEqual(snapshot(), before, "every file as it was");
  });
});
