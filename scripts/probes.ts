/**
 * The reliability probes: hostile-but-realistic inputs to the library and the command line, each in
 * its own process under /usr/bin/time (its peak resident set) with a 60 s limit. Every probe states
 * what a sound program does — refuse with a clean error, or give the right result — and is counted
 * as one of: clean (that happened), silent wrong (a wrong result, or bad input accepted), crash (a
 * raw engine error, a stack trace, a signal, an exit code other than 0, 2 (bad input) and 3 (a run
 * that failed on its numbers), or more than one line on stderr) or unbounded memory (over
 * 1 GiB, or the time limit).
 *
 *   node --import tsx scripts/probes.ts            the table (markdown) and the totals
 *   node --import tsx scripts/probes.ts --json     the same as JSON
 *
 * A library probe runs as `scripts/probes.ts --lib <id> <dir>` in the child.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = new URL("..", import.meta.url).pathname;
const BIN = join(ROOT, "cli/bin/difflux.js");
const FAULTS = join(ROOT, "test/io/faultInjection.mjs");
const LIMIT_MIB = 1024;
const TIME_LIMIT_MS = 60_000;

type Expect = "error" | "ok";
type Outcome = "clean" | "silent wrong" | "crash" | "unbounded memory";

/** A probe of the library: `body` returns "ok", or "wrong: why"; a throw is an error. */
interface LibProbe {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly expect: Expect;
  readonly body: (dir: string) => Promise<string> | string;
}

/** A probe of the command line: `setup` prepares `dir`, `args` run in it, `check` judges the result. */
interface CliProbe {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly expect: Expect;
  readonly setup?: (dir: string) => void;
  readonly args: readonly string[] | ((dir: string) => readonly string[]);
  readonly env?: Readonly<Record<string, string>>;
  /** After the run: "ok" or "wrong: why" (default "ok"). */
  readonly check?: (dir: string, r: { code: number | null; stdout: string; stderr: string }) => string;
  /** Runs before the probed command (a setup command line that must succeed). */
  readonly before?: readonly (readonly string[])[];
}

const lib = () => import("../src/node.js");
const tiny = ["--data", "moons", "--n", "200", "--batch", "16", "--width", "8", "--depth", "1"];

/** A .npy file whose header dict is `header`. */
function npy(header: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(`${header}\n`);
  const v2 = text.length > 0xffff;
  const prefix = v2 ? 12 : 10;
  const out = new Uint8Array(prefix + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, v2 ? 2 : 1, 0], 0);
  const view = new DataView(out.buffer);
  if (v2) view.setUint32(8, text.length, true);
  else view.setUint16(8, text.length, true);
  out.set(text, prefix);
  out.set(body, prefix + text.length);
  return out;
}

/** gzip of an .npy of `mib` MiB of float32 zeros (shape [mib·2¹⁸, 2]), ≈ 1000× smaller. */
function npyBomb(mib: number): Uint8Array {
  const rows = mib * 2 ** 17;
  const head = npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, 2), }`);
  return gzipSync(Buffer.concat([head, new Uint8Array(rows * 8)]), { level: 9 });
}

/** A safetensors file with header text `header` and a declared header length. */
function safetensors(header: string, length = BigInt(header.length)): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(text, 8);
  return out;
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((n) => [n, sha(join(dir, n))]));

function foreignFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "notes.txt"), "my notes");
  writeFileSync(join(dir, "loss.csv"), "step,loss\n1,0.5\n");
  writeFileSync(join(dir, "train.json"), "{}");
  writeFileSync(join(dir, "weights-7.safetensors"), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, "..", `${dir.split("/").pop()}.sha`), JSON.stringify(snapshot(dir)));
}

function foreignKept(dir: string): string {
  const before = readFileSync(join(dir, "..", `${dir.split("/").pop()}.sha`), "utf8");
  return JSON.stringify(snapshot(dir)) === before ? "ok" : "wrong: the folder's files changed";
}

/** The first rows of an .npy file as text. */
const head = async (file: string, rows: number) => {
  const { readNpy } = await lib();
  const a = readNpy(file);
  return Array.from(a.data.subarray(0, rows * (a.shape[1] ?? 1)));
};

const LIB: readonly LibProbe[] = [
  {
    id: "saveCheckpoint-foreign",
    group: "files difflux did not write",
    name: "saveCheckpoint into a folder with notes.txt, loss.csv, train.json, weights-7.safetensors",
    expect: "error",
    body: async (dir) => {
      const L = await lib();
      const out = join(dir, "f");
      foreignFolder(out);
      const model = L.mlpConfig({ dim: 2, width: 4, depth: 1 });
      const optimizer = L.optimizerConfig({ lr: 1e-3 });
      try {
        L.saveCheckpoint(out, {
          meta: {
            path: { kind: "affine", schedule: { family: "linear", sigmaMin: 0 } },
            kind: "velocity",
            schedule: null,
          },
          model,
          optimizer,
          dtype: "float32",
          adaptive: null,
          state: L.initTrainState(model, optimizer, new L.Rng(1, 1)),
          rng: new L.Rng(1).getState(),
        });
      } catch (err) {
        if (foreignKept(out) !== "ok") return "wrong: refused, but the files changed";
        throw err;
      }
      return "ok";
    },
  },
  {
    id: "mixture-nan-mean",
    group: "silent NaN",
    name: "gaussianMixture with a NaN mean",
    expect: "error",
    body: async () => {
      (await lib()).gaussianMixture({ weights: [1], means: [[Number.NaN]], covariances: 1 });
      return "ok";
    },
  },
  {
    id: "mixture-inf-mean",
    group: "silent NaN",
    name: "gaussianMixture with an infinite mean",
    expect: "error",
    body: async () => {
      (await lib()).gaussianMixture({ weights: [1], means: [[Number.POSITIVE_INFINITY]], covariances: 1 });
      return "ok";
    },
  },
  {
    id: "mixture-far-posterior",
    group: "silent NaN",
    name: "posteriorMean and score of a mixture at |x| = 1e154 and 1e300",
    expect: "ok",
    body: async () => {
      const L = await lib();
      const m = L.gaussianMixture({ weights: [0.5, 0.5], means: [[-1], [1]], covariances: 0.1 });
      const on = m.on(L.affinePath(L.linearSchedule()));
      const xs = Float64Array.of(1e154, -1e154, 1e300);
      const ok = [...on.posteriorMean(0.5, xs), ...on.score(0.5, xs)].every((v) => !Number.isNaN(v));
      return ok ? "ok" : "wrong: NaN";
    },
  },
  ...(["dpmSolverMultistep", "unipc"] as const).map(
    (sampler): LibProbe => ({
      id: `bridge-sigma0-${sampler}`,
      group: "silent NaN",
      name: `${sampler} on a bridge of brownianMotion({ sigma: 0 }), evidence covariance 0.1`,
      expect: "error",
      body: async () => {
        const L = await lib();
        const p = L.bridgePath(
          new L.DiffusionModelComponents({
            linearSde: L.brownianMotion({ sigma: 0, dim: 2 }),
            t0: 0,
            priorAtT0: L.gaussian({ mean: [0.5, 0], cov: [1, 2] }),
            t1: 1,
            evidenceCov: 0.1,
          }),
        );
        const model = L.gaussianMixture({ weights: [1], means: [[1, 1]], covariances: 0.1 }).denoiser(p);
        const r = await L.sample(model, { sampler: L[sampler](), steps: 8, seed: 1, batch: 3 });
        return r.x.every(Number.isFinite) ? "ok" : "wrong: NaN samples";
      },
    }),
  ),
  ...(["NaN", "1.5", "-0.5"] as const).map(
    (t): LibProbe => ({
      id: `network-t-${t}`,
      group: "silent NaN",
      name: `networkModel(…).predict at t = ${t}`,
      expect: "error",
      body: async () => {
        const L = await lib();
        const config = L.mlpConfig({ dim: 2, width: 4, depth: 1 });
        const params = L.initMlpParams(config, new L.Rng(1));
        const m = L.networkModel(params, config, L.affinePath(L.linearSchedule()), "velocity");
        const y = await m.predict(new Float64Array(2), Number(t), { batch: 1, dim: 2 });
        return Array.from(y).every(Number.isFinite) ? "ok" : "wrong: NaN prediction";
      },
    }),
  ),
  ...([1e7, 1e9] as const).map(
    (n): LibProbe => ({
      id: `grid-${n}`,
      group: "uncatchable or raw failures",
      name: `uniformTimeGrid(path, ${n.toExponential(0)})`,
      expect: "error",
      body: async () => {
        const L = await lib();
        L.uniformTimeGrid(L.affinePath(L.linearSchedule()), n);
        return "ok";
      },
    }),
  ),
  {
    id: "npy-deep",
    group: "uncatchable or raw failures",
    name: "an .npy header nested 1e6 deep",
    expect: "error",
    body: async (dir) => {
      const file = join(dir, "deep.npy");
      writeFileSync(file, npy(`{'descr': ${"[".repeat(1e6)}`));
      (await lib()).readNpy(file);
      return "ok";
    },
  },
  {
    id: "spec-deep",
    group: "uncatchable or raw failures",
    name: "a schedule spec of 3000 nested shifts",
    expect: "error",
    body: async () => {
      let spec: unknown = { family: "linear", sigmaMin: 0 };
      for (let k = 0; k < 3000; k++) spec = { family: "shifted", shift: 1.1, exponent: 1, base: spec };
      (await lib()).scheduleFromSpec(spec as never);
      return "ok";
    },
  },
  {
    id: "dim-negative",
    group: "uncatchable or raw failures",
    name: "sample with dim: -1",
    expect: "error",
    body: async () => {
      const L = await lib();
      const m = L.gaussianMixture({ weights: [1], means: [[0]], covariances: 1 });
      await L.sample(m.denoiser(L.affinePath(L.linearSchedule())), {
        sampler: L.euler(),
        steps: 2,
        seed: 1,
        batch: 2,
        dim: -1,
      });
      return "ok";
    },
  },
  {
    id: "safetensors-4gib-header",
    group: "unbounded memory",
    name: "safetensors whose header claims 4 GiB",
    expect: "error",
    body: async () => {
      const { decodeSafetensors } = await import("../src/io/safetensors.js");
      decodeSafetensors(safetensors("{}", 2n ** 32n), "x.safetensors");
      return "ok";
    },
  },
  {
    id: "safetensors-deep",
    group: "uncatchable or raw failures",
    name: "a safetensors header nested 1e6 deep",
    expect: "error",
    body: async () => {
      const { decodeSafetensors } = await import("../src/io/safetensors.js");
      decodeSafetensors(safetensors(`{"a":${"[".repeat(1e6)}`), "x.safetensors");
      return "ok";
    },
  },
  {
    id: "npy-huge-shape",
    group: "unbounded memory",
    name: "an .npy declaring shape (2^40, 2) with no data",
    expect: "error",
    body: async () => {
      (await lib()).parseNpy(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${2 ** 40}, 2), }`));
      return "ok";
    },
  },
  {
    id: "idx-huge-dims",
    group: "unbounded memory",
    name: "an IDX file of 3 dims of 2^32 − 1",
    expect: "error",
    body: async () => {
      const bytes = new Uint8Array(4 + 12);
      bytes.set([0, 0, 0x08, 3]);
      const v = new DataView(bytes.buffer);
      for (let k = 0; k < 3; k++) v.setUint32(4 + 4 * k, 2 ** 32 - 1);
      (await lib()).parseIdx(bytes);
      return "ok";
    },
  },
  {
    id: "csv-fullwidth",
    group: "leftovers and guesses",
    name: "a CSV whose first row is numbers in full-width digits",
    expect: "error",
    body: async () => {
      (await lib()).parseCsv("１,２\n3,4\n");
      return "ok";
    },
  },
  {
    id: "record-escape",
    group: "files difflux did not write",
    name: "a run record listing ../victim.txt, then a clean-up",
    expect: "error",
    body: async (dir) => {
      const L = await lib();
      const out = join(dir, "r");
      mkdirSync(out);
      writeFileSync(join(dir, "victim.txt"), "keep");
      writeFileSync(
        join(out, L.RUN_RECORD_NAME),
        JSON.stringify({
          format: "difflux-run",
          version: 1,
          command: "x",
          created: "now",
          files: ["../victim.txt"],
        }),
      );
      let error: unknown = null;
      try {
        L.RunFolder.open(out, "x").clear();
      } catch (err) {
        error = err;
      }
      if (!existsSync(join(dir, "victim.txt"))) return "wrong: the victim was deleted";
      if (error !== null) throw error;
      return "ok";
    },
  },
  {
    id: "stale-temp",
    group: "leftovers and guesses",
    name: "a killed write's temporary (dead pid) is removed by the next write there",
    expect: "ok",
    body: async (dir) => {
      const L = await lib();
      const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
      const tmp = join(dir, `.out.npy.difflux-${r.stdout.toString()}-0.tmp`);
      writeFileSync(tmp, new Uint8Array(1 << 20));
      L.writeFileAtomic(join(dir, "other.txt"), "x");
      return existsSync(tmp) ? "wrong: the stale temporary stays" : "ok";
    },
  },
];

/**
 * A run of 40 steps killed at `fault` (faultInjection.mjs), then resumed by `resume`: the weights and
 * loss history must equal an uninterrupted run's, and no temporary may be left.
 */
function killedRun(id: string, name: string, fault: string, resume: readonly string[]): CliProbe {
  const run = [...tiny, "--steps", "40", "--checkpoint-every", "10"];
  return {
    id,
    group: "interrupted training",
    name,
    expect: "ok",
    before: [["train", ...run, "--out", "whole"]],
    setup: (dir) => {
      const env = { ...process.env, DIFFLUX_FAULT: fault };
      spawnSync(process.execPath, ["--import", FAULTS, BIN, "train", ...run, "--out", "r"], {
        cwd: dir,
        env,
      });
    },
    args: resume,
    check: (dir) => {
      const same = (f: string) => readFileSync(join(dir, "r", f)).equals(readFileSync(join(dir, "whole", f)));
      if (!same("weights-40.safetensors")) return "wrong: weights differ from the uninterrupted run";
      if (!same("loss.csv")) return "wrong: loss history differs";
      return readdirSync(join(dir, "r")).some((n) => n.endsWith(".tmp"))
        ? "wrong: a temporary is left"
        : "ok";
    },
  };
}

const CLI: readonly CliProbe[] = [
  {
    id: "train-foreign",
    group: "files difflux did not write",
    name: "train --out a folder with notes.txt, loss.csv, train.json, weights-7.safetensors",
    expect: "error",
    setup: (dir) => foreignFolder(join(dir, "d")),
    args: ["train", ...tiny, "--steps", "20", "--out", "d"],
    check: (dir) => foreignKept(join(dir, "d")),
  },
  {
    id: "demo-foreign",
    group: "files difflux did not write",
    name: "demo --out the same folder",
    expect: "error",
    setup: (dir) => foreignFolder(join(dir, "d")),
    args: ["demo", "--quick", "--steps", "20", "--out", "d"],
    check: (dir) => foreignKept(join(dir, "d")),
  },
  {
    id: "train-user-file-in-run",
    group: "files difflux did not write",
    name: "a user's weights-3.safetensors dropped into a run folder, then the run resumed",
    expect: "ok",
    before: [["train", ...tiny, "--steps", "10", "--checkpoint-every", "5", "--out", "r"]],
    setup: (dir) => writeFileSync(join(dir, "r", "weights-3.safetensors"), "mine"),
    args: ["train", "--out", "r", "--steps", "20"],
    check: (dir) =>
      readFileSync(join(dir, "r", "weights-3.safetensors"), "utf8") === "mine"
        ? "ok"
        : "wrong: the user's file changed",
  },
  {
    id: "convert-gzip-bomb",
    group: "unbounded memory",
    name: "convert --xt a 512 MiB .npy gzipped to ≈ 0.5 MiB",
    expect: "error",
    setup: (dir) => {
      writeFileSync(join(dir, "bomb.npy"), npyBomb(512));
      writeFileSync(
        join(dir, "eps.npy"),
        npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }`, new Uint8Array(16)),
      );
    },
    args: [
      "convert",
      "--path",
      "vp",
      "--t",
      "0.3",
      "--from",
      "noise",
      "--to",
      "velocity",
      "--xt",
      "bomb.npy",
      "--value",
      "eps.npy",
      "--out",
      "o.npy",
    ],
  },
  {
    id: "train-gzip-bomb",
    group: "unbounded memory",
    name: "train --data the same bomb",
    expect: "error",
    setup: (dir) => writeFileSync(join(dir, "bomb.npy"), npyBomb(512)),
    args: ["train", "--data", "bomb.npy", "--out", "r", "--steps", "2"],
  },
  ...(
    [
      ["zero-xt", "convert --xt a symlink to /dev/zero", "/dev/zero", "xt"],
      ["zero-data", "train --data a symlink to /dev/zero", "/dev/zero", "data"],
      ["urandom-data", "train --data a symlink to /dev/urandom", "/dev/urandom", "data"],
    ] as const
  ).map(
    ([id, name, target, where]): CliProbe => ({
      id,
      group: "unbounded memory",
      name,
      expect: "error",
      setup: (dir) => {
        symlinkSync(target, join(dir, "dev.npy"));
        writeFileSync(
          join(dir, "eps.npy"),
          npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }`, new Uint8Array(16)),
        );
      },
      args:
        where === "xt"
          ? [
              "convert",
              "--path",
              "vp",
              "--t",
              "0.3",
              "--from",
              "noise",
              "--to",
              "velocity",
              "--xt",
              "dev.npy",
              "--value",
              "eps.npy",
              "--out",
              "o.npy",
            ]
          : ["train", "--data", "dev.npy", "--out", "r", "--steps", "2"],
    }),
  ),
  {
    id: "fifo-data",
    group: "unbounded memory",
    name: "train --data a FIFO without a writer",
    expect: "error",
    setup: (dir) => execFileSync("mkfifo", [join(dir, "fifo.csv")]),
    args: ["train", "--data", "fifo.csv", "--out", "r", "--steps", "2"],
  },
  {
    id: "sparse-16gib-data",
    group: "unbounded memory",
    name: "train --data a sparse 16 GiB file",
    expect: "error",
    setup: (dir) => {
      closeSync(openSync(join(dir, "huge.csv"), "w"));
      truncateSync(join(dir, "huge.csv"), 16 * 2 ** 30);
    },
    args: ["train", "--data", "huge.csv", "--out", "r", "--steps", "2"],
  },
  {
    id: "zero-config",
    group: "unbounded memory",
    name: "train --config a symlink to /dev/zero",
    expect: "error",
    setup: (dir) => symlinkSync("/dev/zero", join(dir, "c.json")),
    args: ["train", "--config", "c.json"],
  },
  {
    id: "zero-weights",
    group: "unbounded memory",
    name: "sample --ckpt a checkpoint whose weights file is a symlink to /dev/zero",
    expect: "error",
    before: [["train", ...tiny, "--steps", "5", "--out", "r"]],
    setup: (dir) => {
      rmSync(join(dir, "r", "weights-5.safetensors"));
      symlinkSync("/dev/zero", join(dir, "r", "weights-5.safetensors"));
    },
    args: ["sample", "--ckpt", "r", "--n", "4", "--out", "s.npy"],
  },
  {
    id: "zero-record",
    group: "unbounded memory",
    name: "train --out a run whose train.json is a symlink to /dev/zero",
    expect: "error",
    before: [["train", ...tiny, "--steps", "5", "--out", "r"]],
    setup: (dir) => {
      rmSync(join(dir, "r", "train.json"));
      symlinkSync("/dev/zero", join(dir, "r", "train.json"));
    },
    args: ["train", "--out", "r", "--steps", "10"],
  },
  {
    id: "dopri-batch",
    group: "batch dependence",
    name: "sample --sampler dopri: the first 10 rows of --n 10 and --n 1000",
    expect: "ok",
    before: [
      ["train", ...tiny, "--steps", "30", "--out", "r"],
      ["sample", "--ckpt", "r", "--sampler", "dopri", "--n", "10", "--out", "a.npy"],
    ],
    args: ["sample", "--ckpt", "r", "--sampler", "dopri", "--n", "1000", "--out", "b.npy"],
    check: () => "deferred",
  },
  {
    id: "network-batch",
    group: "batch dependence",
    name: "sample (width 256, depth 3): the first 107 rows of --n 107 and --n 108",
    expect: "ok",
    before: [
      ["train", "--data", "moons", "--n", "200", "--batch", "16", "--steps", "3", "--out", "r"],
      ["sample", "--ckpt", "r", "--n", "107", "--steps", "4", "--out", "a.npy"],
    ],
    args: ["sample", "--ckpt", "r", "--n", "108", "--steps", "4", "--out", "b.npy"],
    check: () => "deferred",
  },
  {
    id: "long-name",
    group: "uncatchable or raw failures",
    name: "convert --out a valid 244-character name",
    expect: "ok",
    setup: (dir) => {
      const e = npy(`{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }`, new Uint8Array(16));
      writeFileSync(join(dir, "xt.npy"), e);
      writeFileSync(join(dir, "eps.npy"), e);
    },
    args: [
      "convert",
      "--path",
      "vp",
      "--t",
      "0.3",
      "--from",
      "noise",
      "--to",
      "velocity",
      "--xt",
      "xt.npy",
      "--value",
      "eps.npy",
      "--out",
      `${"o".repeat(240)}.npy`,
    ],
    check: (dir) => (existsSync(join(dir, `${"o".repeat(240)}.npy`)) ? "ok" : "wrong: not written"),
  },
  ...(["0x10", "0b101", "1_000"] as const).map(
    (n): CliProbe => ({
      id: `n-${n}`,
      group: "leftovers and guesses",
      name: `sample --n ${n}`,
      expect: "error",
      before: [["train", ...tiny, "--steps", "3", "--out", "r"]],
      args: ["sample", "--ckpt", "r", "--n", n, "--out", "s.npy"],
      check: (_dir, r) =>
        r.code !== 2 || r.stderr.includes("--n") ? "ok" : "wrong: the option is not named",
    }),
  ),
  {
    id: "train-two-writers",
    group: "two writers",
    name: "train on a folder another live train holds",
    expect: "error",
    before: [["train", ...tiny, "--steps", "3", "--out", "r"]],
    setup: (dir) => {
      // A live process (this one's parent shell would do; use a sleeping child) holds the lock.
      const child = spawnSync("sh", ["-c", "sleep 30 >/dev/null 2>&1 & echo $!"]);
      const pid = Number(child.stdout.toString().trim());
      writeFileSync(
        join(dir, "r", ".difflux.lock"),
        JSON.stringify({
          pid,
          host: require_hostname(),
          token: "t",
          since: new Date().toISOString(),
          command: "difflux train",
        }),
      );
      writeFileSync(join(dir, "sleeper.pid"), String(pid));
    },
    args: ["train", "--out", "r", "--steps", "6"],
    check: (dir, r) => {
      try {
        process.kill(Number(readFileSync(join(dir, "sleeper.pid"), "utf8")), "SIGKILL");
      } catch {
        // gone already
      }
      return /in use by pid/.test(r.stderr) ? "ok" : "wrong: not named";
    },
  },
  {
    id: "train-stale-lock",
    group: "two writers",
    name: "train on a run whose lock holder was killed (stale lock)",
    expect: "ok",
    before: [["train", ...tiny, "--steps", "3", "--out", "r"]],
    setup: (dir) => {
      const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
      writeFileSync(
        join(dir, "r", ".difflux.lock"),
        JSON.stringify({
          pid: Number(r.stdout),
          host: require_hostname(),
          token: "t",
          since: "then",
          command: "difflux train",
        }),
      );
    },
    args: ["train", "--out", "r", "--steps", "6"],
  },
  killedRun(
    "train-kill-first-checkpoint",
    "train SIGKILLed right after its first checkpoint, then train --out DIR",
    "rename:11",
    ["train", "--out", "r"],
  ),
  killedRun(
    "train-kill-mid-write",
    "train SIGKILLed halfway through a write, then train --resume DIR",
    "write:14",
    ["train", "--resume", "r"],
  ),
  {
    id: "train-resume-conflict",
    group: "interrupted training",
    name: "train --out a run with an explicit --width that disagrees with its train.json",
    expect: "error",
    before: [["train", ...tiny, "--steps", "3", "--out", "r"]],
    args: ["train", "--out", "r", "--steps", "6", "--width", "9"],
    check: (_dir, r) => (/--width was 8, now 9/.test(r.stderr) ? "ok" : "wrong: the option is not named"),
  },
  {
    id: "sample-nan-weights",
    group: "silent NaN",
    name: "sample --ckpt a checkpoint whose weights hold NaN (hash updated)",
    expect: "error",
    before: [["train", ...tiny, "--steps", "3", "--out", "r"]],
    setup: (dir) => {
      const cfgPath = join(dir, "r", "config.json");
      const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
      const wPath = join(dir, "r", cfg.weights.file);
      const bytes = new Uint8Array(readFileSync(wPath));
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
        string,
        { dtype: string; data_offsets: [number, number] }
      >;
      // The first weight of the EMA copy the sampler uses.
      const [start] = header["ema.layers.0.weight"]!.data_offsets;
      new DataView(bytes.buffer).setFloat32(8 + n + start, Number.NaN, true);
      writeFileSync(wPath, bytes);
      cfg.weights.sha256 = createHash("sha256").update(bytes).digest("hex");
      writeFileSync(cfgPath, JSON.stringify(cfg));
    },
    args: ["sample", "--ckpt", "r", "--n", "4", "--out", "s.npy"],
  },
  {
    id: "train-lr-huge",
    group: "silent NaN",
    name: "train --lr 1e30 --clip 0",
    expect: "error",
    args: ["train", ...tiny, "--steps", "50", "--lr", "1e30", "--clip", "0", "--out", "r"],
  },
];

function require_hostname(): string {
  return execFileSync("hostname").toString().trim();
}

interface Row {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly peakMib: number;
  readonly detail: string;
}

const RAW =
  /Maximum call stack|Invalid typed array length|invalid table size|allocation failed|FATAL ERROR|heap out of memory/;

/** Runs `argv` under /usr/bin/time; returns the exit, output and peak RSS. */
function timed(argv: readonly string[], cwd: string, env: Record<string, string | undefined> = process.env) {
  const rss = join(cwd, ".peak");
  const r = spawnSync("/usr/bin/time", ["-q", "-f", "%M", "-o", rss, ...argv], {
    cwd,
    env,
    timeout: TIME_LIMIT_MS,
    maxBuffer: 64 * 2 ** 20,
  });
  const peakKib = existsSync(rss) ? Number(readFileSync(rss, "utf8").trim().split("\n").pop()) : Number.NaN;
  rmSync(rss, { force: true });
  const stdout = r.stdout?.toString() ?? "";
  const stderr = r.stderr?.toString() ?? "";
  // /usr/bin/time reports a signal as "Command terminated by signal N" and exits 128 + N.
  const signaled = r.signal !== null || /Command terminated by signal/.test(stderr);
  return {
    code: r.status,
    signaled,
    timedOut: r.error !== undefined,
    stdout,
    stderr,
    peakMib: peakKib / 1024,
  };
}

function classify(
  expect: Expect,
  r: ReturnType<typeof timed>,
  verdict: { error: string | null; result: string },
): { outcome: Outcome; detail: string } {
  if (r.timedOut) return { outcome: "unbounded memory", detail: `over ${TIME_LIMIT_MS / 1000} s` };
  if (r.peakMib > LIMIT_MIB)
    return { outcome: "unbounded memory", detail: `peak ${r.peakMib.toFixed(0)} MiB` };
  if (r.signaled || RAW.test(r.stderr) || RAW.test(verdict.error ?? ""))
    return { outcome: "crash", detail: (verdict.error ?? r.stderr).slice(0, 160) };
  if (verdict.error !== null)
    return expect === "error"
      ? verdict.result === "ok"
        ? { outcome: "clean", detail: verdict.error.slice(0, 160) }
        : { outcome: "silent wrong", detail: verdict.result }
      : { outcome: "silent wrong", detail: `refused valid input: ${verdict.error.slice(0, 140)}` };
  if (expect === "error") return { outcome: "silent wrong", detail: `accepted: ${verdict.result}` };
  return verdict.result === "ok"
    ? { outcome: "clean", detail: "right result" }
    : { outcome: "silent wrong", detail: verdict.result };
}

async function runLib(p: LibProbe, dir: string): Promise<Row> {
  const r = timed(
    [process.execPath, "--import", "tsx", join(ROOT, "scripts/probes.ts"), "--lib", p.id, dir],
    ROOT,
  );
  let verdict = { error: null as string | null, result: "no result" };
  try {
    const line = r.stdout.trim().split("\n").pop() ?? "";
    const out = JSON.parse(line) as { error?: string; result?: string };
    verdict = { error: out.error ?? null, result: out.result ?? "ok" };
  } catch {
    verdict = { error: r.stderr.trim().split("\n").slice(-3).join(" "), result: "crash" };
    if (!RAW.test(verdict.error ?? "") && !r.signaled) verdict.error = `no verdict: ${verdict.error}`;
  }
  const c = classify(p.expect, r, verdict);
  const crashNoVerdict = verdict.result === "crash" && c.outcome !== "unbounded memory";
  return {
    ...p,
    ...(crashNoVerdict ? { outcome: "crash" as const, detail: verdict.error ?? "" } : c),
    peakMib: r.peakMib,
  };
}

function runCli(p: CliProbe, dir: string): Row {
  const env = { ...process.env, DIFFLUX_DEBUG: "", FORCE_COLOR: "0", ...(p.env ?? {}) };
  for (const args of p.before ?? []) {
    const b = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: TIME_LIMIT_MS });
    if (b.status !== 0) {
      return { ...p, outcome: "silent wrong", peakMib: Number.NaN, detail: `setup failed: ${b.stderr}` };
    }
  }
  p.setup?.(dir);
  const args = typeof p.args === "function" ? p.args(dir) : p.args;
  const r = timed([process.execPath, BIN, ...args], dir, env);
  const oneLine = /^difflux( [a-z-]+)?: [^\n]+\n$/.test(r.stderr.replace(/Command terminated.*\n?/, ""));
  const stack = /\n\s+at .+:\d+:\d+/.test(r.stderr);
  let result = p.check?.(dir, { code: r.code, stdout: r.stdout, stderr: r.stderr }) ?? "ok";
  if (result === "deferred") result = "ok";
  let error: string | null = null;
  // Exit 2: bad input; exit 3: a run that failed on its numbers (diverged, non-finite samples).
  if ((r.code === 2 || r.code === 3) && oneLine && !stack) error = r.stderr.trim();
  else if (r.code !== 0 || stack) {
    return {
      ...p,
      outcome: r.timedOut ? "unbounded memory" : "crash",
      peakMib: r.peakMib,
      detail: `exit ${r.code}: ${r.stderr.slice(0, 160)}`,
    };
  }
  const c = classify(p.expect, r, { error, result });
  return { ...p, ...c, peakMib: r.peakMib };
}

/** The deferred checks that compare two runs' outputs. */
async function deferred(p: CliProbe, dir: string, row: Row): Promise<Row> {
  if (row.outcome !== "clean") return row;
  if (p.id === "dopri-batch" || p.id === "network-batch") {
    const rows = p.id === "dopri-batch" ? 10 : 107;
    const [a, b] = [await head(join(dir, "a.npy"), rows), await head(join(dir, "b.npy"), rows)];
    const same = a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
    return same ? row : { ...row, outcome: "silent wrong", detail: "the rows depend on the batch size" };
  }
  return row;
}

async function child(id: string, dir: string): Promise<void> {
  const p = LIB.find((q) => q.id === id);
  if (p === undefined) throw new Error(`no library probe ${id}`);
  try {
    const result = await p.body(dir);
    process.stdout.write(`${JSON.stringify({ result })}\n`);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stdout.write(`${JSON.stringify({ error: message.slice(0, 400), result: "ok" })}\n`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--lib") return child(argv[1]!, argv[2]!);
  const root = mkdtempSync(join(tmpdir(), "difflux-probes-"));
  const rows: Row[] = [];
  try {
    for (const p of LIB) {
      const dir = join(root, p.id);
      mkdirSync(dir);
      rows.push(await runLib(p, dir));
      process.stderr.write(`${rows.length}. ${p.id}: ${rows.at(-1)!.outcome}\n`);
    }
    for (const p of CLI) {
      const dir = join(root, p.id);
      mkdirSync(dir);
      rows.push(await deferred(p, dir, runCli(p, dir)));
      process.stderr.write(`${rows.length}. ${p.id}: ${rows.at(-1)!.outcome}\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const totals = Object.fromEntries(
    (["clean", "silent wrong", "crash", "unbounded memory"] as const).map((o) => [
      o,
      rows.filter((r) => r.outcome === o).length,
    ]),
  );
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ cases: rows.length, totals, rows }, null, 2)}\n`);
    return;
  }
  const lines = [
    "| # | group | probe | outcome | peak RSS (MiB) | detail |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r, i) =>
        `| ${i + 1} | ${r.group} | ${r.name.replace(/\|/g, "\\|")} | ${r.outcome} | ${Number.isFinite(r.peakMib) ? r.peakMib.toFixed(0) : "–"} | ${r.detail.replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 120)} |`,
    ),
    "",
    `cases ${rows.length}: clean ${totals.clean}, silent wrong ${totals["silent wrong"]}, crash ${totals.crash}, unbounded memory ${totals["unbounded memory"]}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
