/**
 * Crafted hostile inputs against every file reader: gzip bombs, huge / negative / truncated headers,
 * deep nesting, symlinks to devices, pipes, sockets and directories. Each case must end in an Error
 * that names the reader, within seconds (10 s: a device read to the end or an unbounded inflate would
 * take minutes; the bound leaves room for a loaded machine, where a bomb's 64 MiB inflate took 1.5 s),
 * and with the process's peak memory bounded (memory.ts).
 * Then fast-check mutates valid files byte by byte: every outcome is a value or a named Error.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { encodeIdx, encodeNpy, formatCsv, parseCsv, parseIdx, parseNpy } from "../../src/index.js";
import { gunzipIfNeeded, INPUT_LIMITS, readFileBytes } from "../../src/io/fileBytes.js";
import { readCsv, readIdx, readNpy, scheduleFromSpec, sdeFromSpec } from "../../src/node.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { Rng } from "../../src/random/rng.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint.js";
import { loadDataFile } from "../../src/train/datasets/file.js";
import { mlpConfig } from "../../src/train/mlp.js";
import { optimizerConfig } from "../../src/train/optim.js";
import { initTrainState } from "../../src/train/state.js";
import { type MemoryCase, runBounded } from "./memory.js";

const root = mkdtempSync(join(tmpdir(), "difflux-fuzz-files-"));
const at = (name: string) => join(root, name);
let server: Server | undefined;
after(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A .npy file from a header dict text (v1 when it fits 65535 bytes, else v2), without alignment. */
function npyWithHeader(header: string, version: 1 | 2 = header.length + 1 > 0xffff ? 2 : 1): Uint8Array {
  const text = new TextEncoder().encode(`${header}\n`);
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0], 0);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  return out;
}

/** Safetensors bytes with a given header text and `data` bytes after it. */
function safetensorsWithHeader(header: string, data = 0, length?: bigint): Uint8Array {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length + data);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

/** A multi-member gzip stream: `members` copies of gzip(1 MiB of zeros) — 1 KiB each, 1 MiB inflated. */
function gzipBomb(members: number, head: Uint8Array = new Uint8Array(0)): Uint8Array {
  const first = gzipSync(Buffer.concat([head, new Uint8Array(2 ** 20)]), { level: 9 });
  const rest = gzipSync(new Uint8Array(2 ** 20), { level: 9 });
  const out = new Uint8Array(first.length + (members - 1) * rest.length);
  out.set(first, 0);
  for (let k = 1; k < members; k++) out.set(rest, first.length + (k - 1) * rest.length);
  return out;
}

/** Asserts `body` throws an Error whose message matches `pattern`, within `ms` milliseconds. */
function refuses(body: () => unknown, pattern: RegExp, ms = 10_000): void {
  const t0 = performance.now();
  assert.throws(body, (err: unknown) => {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /Maximum call stack|Invalid typed array length|allocation failed/);
    return true;
  });
  const took = performance.now() - t0;
  assert.ok(took < ms, `refused only after ${took.toFixed(0)} ms (bound ${ms} ms)`);
}

const special: { name: string; path: string }[] = [];

before(async () => {
  symlinkSync("/dev/zero", at("zero.npy"));
  symlinkSync("/dev/zero", at("zero.csv"));
  symlinkSync("/dev/zero", at("zero-idx3-ubyte"));
  symlinkSync("/dev/urandom", at("random.npy"));
  special.push({ name: "a symlink to /dev/zero", path: at("zero.npy") });
  special.push({ name: "a symlink to /dev/urandom", path: at("random.npy") });
  special.push({ name: "/dev/null", path: "/dev/null" });
  mkdirSync(at("folder.npy"));
  special.push({ name: "a directory", path: at("folder.npy") });
  try {
    execFileSync("mkfifo", [at("fifo.npy")]);
    special.push({ name: "a FIFO without a writer", path: at("fifo.npy") });
  } catch {
    // mkfifo missing: the other special files still run.
  }
  const socket = at("socket.npy");
  server = createServer();
  await new Promise<void>((resolve) => server!.listen(socket, resolve));
  special.push({ name: "a unix socket", path: socket });
});

describe("crafted files", () => {
  test("every reader refuses devices, pipes, sockets and directories before reading a byte", () => {
    assert.ok(special.length >= 5, "the special files were created");
    for (const { name, path } of special) {
      refuses(() => readNpy(path), /^readNpy: cannot read .*(not a regular file|directory|socket)/);
      refuses(() => readCsv(path), /^readCsv: cannot read /);
      refuses(() => readIdx(path), /^readIdx: cannot read /);
      refuses(() => readFileBytes("reader", path), /^reader: cannot read /);
      assert.ok(name.length > 0, "case named");
    }
    refuses(() => loadDataFile(at("zero.csv")), /^loadDataFile: cannot read .*character device/);
    refuses(() => loadDataFile(at("zero-idx3-ubyte")), /^loadDataFile: cannot read .*character device/);
  });

  test("a checkpoint whose weights file is a symlink to /dev/zero fails at once", () => {
    const dir = at("ckpt");
    const model = mlpConfig({ dim: 2, width: 4, depth: 1, timeEmbedding: { dim: 2 } });
    const optimizer = optimizerConfig({ kind: "adamw", lr: 1e-3 });
    saveCheckpoint(dir, {
      meta: {
        path: { kind: "affine", schedule: { family: "linear", sigmaMin: 0 } },
        kind: "velocity",
        schedule: { family: "linear", sigmaMin: 0 },
      },
      model,
      optimizer,
      dtype: "float32",
      adaptive: null,
      state: initTrainState(model, optimizer, new Rng(1, 1)),
      rng: new Rng(1).getState(),
    });
    const weights = join(dir, "weights-0.safetensors");
    rmSync(weights);
    symlinkSync("/dev/zero", weights);
    refuses(() => loadCheckpoint(dir), /^loadCheckpoint: cannot read .*character device/);
  });

  test("gzip data inflates only up to its bound: the ratio above the floor, the absolute limit always", () => {
    const bomb = gzipBomb(40); // ≈ 40 KiB → 40 MiB
    const small = { maxBytes: 2 ** 20, maxInflatedBytes: 2 ** 24, maxRatio: 100, ratioFloorBytes: 2 ** 20 };
    refuses(() => gunzipIfNeeded("readNpy", "b.npy.gz", bomb, small), /over 100 × its \d+ compressed bytes/);
    const capped = { ...small, maxRatio: 1e6 };
    refuses(
      () => gunzipIfNeeded("readNpy", "b.npy.gz", bomb, capped),
      /more than 16777216 bytes, the input limit/,
    );
    const fits = gunzipIfNeeded("readNpy", "b.npy.gz", gzipBomb(2), { ...small, ratioFloorBytes: 2 ** 22 });
    assert.equal(fits.length, 2 * 2 ** 20, "a stream inside every bound inflates completely");
    refuses(
      () => readFileBytes("readNpy", at("zero.npy"), small),
      /^readNpy: cannot read .*character device/,
    );
    writeFileSync(at("big.bin"), new Uint8Array(2 ** 20 + 1));
    refuses(
      () => readFileBytes("readNpy", at("big.bin"), small),
      /larger than the input limit of 1048576 bytes/,
    );
  });

  test("crafted inputs fail fast with named errors and bounded peak memory", async (t) => {
    const header = (shape: string, descr = "<f4") =>
      `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    const npyHead = npyWithHeader(header("(268435456,)", "|u1"));
    writeFileSync(at("bomb.npy.gz"), gzipBomb(300, npyHead)); // 300 KiB → 300 MiB
    writeFileSync(at("bomb-idx3-ubyte.gz"), gzipBomb(300));
    writeFileSync(at("bomb.csv.gz"), gzipBomb(300));
    writeFileSync(at("deep.npy"), npyWithHeader("(".repeat(1_000_000)));
    writeFileSync(at("deep-dict.npy"), npyWithHeader(`{'a': ${"[".repeat(100_000)}`));
    const hugeLen = npyWithHeader(header("(1,)"), 2);
    new DataView(hugeLen.buffer).setUint32(8, 0xffffffff, true);
    writeFileSync(at("huge-header.npy"), hugeLen);
    writeFileSync(at("negative.npy"), npyWithHeader(header("(-1,)")));
    writeFileSync(at("huge-shape.npy"), npyWithHeader(header("(1099511627776,)")));
    writeFileSync(at("overflow-shape.npy"), npyWithHeader(header("(1073741824, 1073741824, 1073741824)")));
    writeFileSync(at("many-dims.npy"), npyWithHeader(header(`(${"1, ".repeat(65)})`)));
    writeFileSync(at("long-number.npy"), npyWithHeader(header(`(${"9".repeat(60_000)},)`)));
    const idx = new Uint8Array(4 + 4 * 255);
    idx.set([0, 0, 0x08, 255]);
    idx.fill(0xff, 4);
    writeFileSync(at("huge-idx3-ubyte"), idx);
    writeFileSync(at("deep.safetensors"), safetensorsWithHeader(`{"a": ${"[".repeat(1_000_000)}`));
    writeFileSync(at("huge-len.safetensors"), safetensorsWithHeader("{}", 0, 2n ** 64n - 1n));
    writeFileSync(
      at("huge-shape.safetensors"),
      safetensorsWithHeader('{"w": {"dtype": "F32", "shape": [1099511627776], "data_offsets": [0, 4]}}', 4),
    );
    writeFileSync(
      at("negative.safetensors"),
      safetensorsWithHeader('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}', 4),
    );
    let shifted: unknown = { family: "linear" };
    for (let k = 0; k < 3000; k++) shifted = { family: "shifted", base: shifted, shift: 2, exponent: 1 };
    let scaled: unknown = { type: "brownianMotion", sigma: 1, dim: 1 };
    for (let k = 0; k < 3000; k++) scaled = { type: "timeScaled", base: scaled, gamma: 1 };
    const safetensorsFile = (name: string) => () =>
      decodeSafetensors(readFileBytes("decodeSafetensors", at(name)), name);

    const cases: MemoryCase[] = [
      {
        name: "npy nested 1e6 deep",
        mib: 48,
        body: () => refuses(() => readNpy(at("deep.npy")), /nests deeper than 8/),
      },
      {
        name: "npy dict nested 1e5 deep",
        mib: 48,
        body: () => refuses(() => readNpy(at("deep-dict.npy")), /nests deeper/),
      },
      {
        name: "npy header length 4 GiB",
        mib: 16,
        body: () =>
          refuses(() => readNpy(at("huge-header.npy")), /^readNpy: .*truncated: the header needs 4294967295/),
      },
      {
        name: "npy shape -1",
        mib: 16,
        body: () => refuses(() => readNpy(at("negative.npy")), /non-negative integers/),
      },
      {
        name: "npy shape 2^40",
        mib: 16,
        body: () => refuses(() => readNpy(at("huge-shape.npy")), /truncated: shape/),
      },
      {
        name: "npy shape product 2^90",
        mib: 16,
        body: () => refuses(() => readNpy(at("overflow-shape.npy")), /more than 2\^53 elements/),
      },
      {
        name: "npy 65 dimensions",
        mib: 16,
        body: () => refuses(() => readNpy(at("many-dims.npy")), /65 dimensions/),
      },
      {
        name: "npy 60 000-digit dimension",
        mib: 16,
        body: () => refuses(() => readNpy(at("long-number.npy")), /non-negative integers/),
      },
      {
        name: "idx 255 dimensions of 2^32 − 1",
        mib: 16,
        body: () => refuses(() => readIdx(at("huge-idx3-ubyte")), /^readIdx: .*more than 2\^53 elements/),
      },
      {
        name: "safetensors header nested 1e6 deep",
        mib: 48,
        body: () => refuses(safetensorsFile("deep.safetensors"), /nests deeper than 8 levels/),
      },
      {
        name: "safetensors header length 2^64 − 1",
        mib: 16,
        body: () =>
          refuses(safetensorsFile("huge-len.safetensors"), /header length field says 18446744073709551615/),
      },
      {
        name: "safetensors shape 2^40",
        mib: 16,
        body: () => refuses(safetensorsFile("huge-shape.safetensors"), /needs 4398046511104 bytes/),
      },
      {
        name: "safetensors negative offset",
        mib: 16,
        body: () => refuses(safetensorsFile("negative.safetensors"), /data_offsets \[-4,0\]/),
      },
      {
        name: "schedule spec nested 3000 deep",
        mib: 16,
        body: () =>
          refuses(() => scheduleFromSpec(shifted as never), /^scheduleFromSpec: spec nests more than 16/),
      },
      {
        name: "sde spec nested 3000 deep",
        mib: 16,
        body: () => refuses(() => sdeFromSpec(scaled as never), /^sdeFromSpec: spec nests more than 16/),
      },
      {
        name: "npy gzip bomb (300 KiB → 300 MiB)",
        mib: 256,
        body: () =>
          refuses(() => readNpy(at("bomb.npy.gz")), /^readNpy: .*inflates to more than 67108864 bytes/),
      },
      {
        name: "idx gzip bomb",
        mib: 256,
        body: () => refuses(() => readIdx(at("bomb-idx3-ubyte.gz")), /^readIdx: .*decompression bomb/),
      },
      {
        name: "csv gzip bomb",
        mib: 256,
        body: () => refuses(() => readCsv(at("bomb.csv.gz")), /^readCsv: .*decompression bomb/),
      },
    ];
    const results = await runBounded(cases);
    assert.equal(results.length, cases.length, "every case ran");
    for (const r of results)
      t.diagnostic(`${r.name}: peak +${r.riseMib.toFixed(1)} MiB, ${r.ms.toFixed(0)} ms`);
  });

  test("INPUT_LIMITS are the documented defaults", () => {
    assert.deepEqual(
      { ...INPUT_LIMITS },
      { maxBytes: 2 ** 31 - 1, maxInflatedBytes: 2 ** 30, maxRatio: 100, ratioFloorBytes: 64 * 2 ** 20 },
    );
  });
});

describe("mutated files", () => {
  const rng = new Rng(7);
  const values = rng.fillNormal(new Float32Array(12));
  const valid = {
    npy: encodeNpy(values, [3, 4]),
    idx: encodeIdx(values, [3, 4]),
    safetensors: encodeSafetensors({ w: { data: values, shape: [3, 4] } }, { step: "1" }),
    csv: new TextEncoder().encode(formatCsv(values, [3, 4], { header: ["a", "b", "c", "d"] })),
  };
  const decoders: Record<keyof typeof valid, { fn: string; decode: (b: Uint8Array) => unknown }> = {
    npy: { fn: "parseNpy", decode: (b) => parseNpy(b) },
    idx: { fn: "parseIdx", decode: (b) => parseIdx(b) },
    safetensors: { fn: "decodeSafetensors", decode: (b) => decodeSafetensors(b) },
    csv: { fn: "parseCsv", decode: (b) => parseCsv(new TextDecoder().decode(b)) },
  };
  /** A mutation: overwrite bytes, truncate, or splice in random bytes. */
  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant("set" as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  );
  const mutate = (bytes: Uint8Array, ms: readonly { kind: string; at: number; bytes?: Uint8Array }[]) => {
    let b = Uint8Array.from(bytes);
    for (const m of ms) {
      const i = m.at % (b.length + 1);
      if (m.kind === "set") b.set(m.bytes!.subarray(0, Math.max(0, b.length - i)), i);
      else if (m.kind === "cut") b = b.subarray(0, i);
      else b = Uint8Array.from([...b.subarray(0, i), ...m.bytes!, ...b.subarray(i)]);
    }
    return b;
  };
  for (const format of Object.keys(valid) as (keyof typeof valid)[]) {
    test(`every mutation of a valid ${format} file decodes or throws an Error naming ${decoders[format].fn}`, () => {
      const { fn, decode } = decoders[format];
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
          const bytes = mutate(valid[format], ms);
          try {
            decode(bytes);
          } catch (err) {
            assert.ok(err instanceof Error, `${format}: threw a non-Error ${String(err)}`);
            assert.ok(err.message.startsWith(`${fn}: `), `${format}: unnamed error "${err.message}"`);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
