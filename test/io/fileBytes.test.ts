/**
 * Bounded input: readFileBytes reads regular files (also through symlinks, also kernel files that
 * report size 0) and nothing else; the gunzip bound is min(maxInflatedBytes, max(floor, ratio ×
 * compressed)); gzip data inside the bound round-trips exactly.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { gunzipIfNeeded, INPUT_LIMITS, inflateLimit, readFileBytes } from "../../src/io/fileBytes.js";

const root = mkdtempSync(join(tmpdir(), "difflux-filebytes-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("readFileBytes", () => {
  test("reads a regular file, an empty one and one behind a symlink byte for byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200_000 }), (bytes) => {
        const p = join(root, "f.bin");
        writeFileSync(p, bytes);
        assert.deepEqual(new Uint8Array(readFileBytes("f", p)), bytes);
        const link = join(root, "link.bin");
        rmSync(link, { force: true });
        symlinkSync(p, link);
        assert.deepEqual(new Uint8Array(readFileBytes("f", link)), bytes);
      }),
      { numRuns: 20 },
    );
  });

  test("reads a kernel file whose size is reported as 0 to its end", () => {
    const status = new TextDecoder().decode(readFileBytes("f", "/proc/self/status"));
    assert.match(status, /^Name:/m, "the whole file was read although fstat says 0 bytes");
  });

  test("refuses a file at maxBytes + 1 and reads one at exactly maxBytes", () => {
    const limits = { ...INPUT_LIMITS, maxBytes: 1000 };
    writeFileSync(join(root, "a"), new Uint8Array(1000));
    writeFileSync(join(root, "b"), new Uint8Array(1001));
    assert.equal(readFileBytes("f", join(root, "a"), limits).length, 1000);
    assert.throws(
      () => readFileBytes("readCsv", join(root, "b"), limits),
      /^RangeError: readCsv: cannot read .*: it is larger than the input limit of 1000 bytes; split the data/,
    );
  });

  test("names a missing file, a directory and a device with the fix", () => {
    assert.throws(
      () => readFileBytes("readNpy", join(root, "none")),
      /^Error: readNpy: cannot read .*none: no such file — check the path$/,
    );
    assert.throws(() => readFileBytes("readNpy", root), /: it is a directory — pass a file$/);
    assert.throws(
      () => readFileBytes("readNpy", "/dev/zero"),
      /: it is a character device, not a regular file — copy the data/,
    );
  });
});

describe("gunzip bounds", () => {
  test("inflateLimit is min(maxInflatedBytes, max(ratioFloorBytes, maxRatio × compressed))", () => {
    assert.equal(inflateLimit(0), 64 * 2 ** 20, "the floor for tiny inputs");
    assert.equal(inflateLimit(2 ** 20), 100 * 2 ** 20, "100 × above the floor");
    assert.equal(inflateLimit(2 ** 30), 2 ** 30, "the absolute limit");
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat({ max: 1e6 }),
        fc.nat({ max: 1e9 }),
        fc.nat({ max: 1e9 }),
        (c, ratio, floor, max) => {
          const l = { maxBytes: 1, maxRatio: ratio, ratioFloorBytes: floor, maxInflatedBytes: max };
          const v = inflateLimit(c, l);
          assert.ok(v <= max, "never above the absolute limit");
          assert.ok(v === max || v >= floor, "never below the floor unless the limit is lower");
          assert.ok(v === max || v >= ratio * c, "the ratio bound is met unless the limit is lower");
        },
      ),
    );
  });

  test("gzip data inside the bound round-trips; plain data passes through unchanged", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        assert.deepEqual(new Uint8Array(gunzipIfNeeded("f", "x", gzipSync(bytes))), bytes);
        if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) assert.equal(gunzipIfNeeded("f", "x", bytes), bytes);
      }),
      { numRuns: 50 },
    );
  });

  test("a stream one byte over the bound is refused, one at the bound is not", () => {
    const limits = { maxBytes: 2 ** 20, maxInflatedBytes: 4096, maxRatio: 1e9, ratioFloorBytes: 0 };
    assert.equal(gunzipIfNeeded("f", "x", gzipSync(new Uint8Array(4096)), limits).length, 4096);
    assert.throws(
      () => gunzipIfNeeded("readIdx", "x.gz", gzipSync(new Uint8Array(4097)), limits),
      /^RangeError: readIdx: x\.gz is gzip-compressed and inflates to more than 4096 bytes, the input limit; .*gunzip/,
    );
    assert.throws(
      () => gunzipIfNeeded("readIdx", "x.gz", gzipSync(new Uint8Array(100)).subarray(0, 15)),
      /^Error: readIdx: x\.gz is gzip-compressed but cannot be decompressed .*corrupt or truncated$/,
    );
  });
});
