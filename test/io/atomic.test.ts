/**
 * Atomic writes: temporary names fit the 255-byte name limit for any destination name, a destination
 * of any valid length can be written, temporaries of dead processes are swept on the next write into
 * their directory, and nothing else is ever removed.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { MAX_NAME_BYTES, removeStaleTemps, tempPathFor, writeFileAtomic } from "../../src/io/atomic.js";
import { deadPid, scratchDirs } from "./fixtures.js";

const { fresh, done } = scratchDirs("atomic");
after(done);
const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("temporary names", () => {
  test("fit MAX_NAME_BYTES for any destination name, keep its start and never split a character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 }), (name) => {
        const tmp = basename(tempPathFor(join("dir", name.replaceAll("/", "_"))));
        assert.ok(bytes(tmp) <= MAX_NAME_BYTES, `${bytes(tmp)} bytes`);
        assert.ok(!tmp.includes("\uFFFD"), "no broken character");
        assert.match(tmp, /^\..*\.difflux-\d+-\d+\.tmp$/s);
      }),
    );
    const long = "a".repeat(250);
    assert.equal(
      bytes(basename(tempPathFor(long))),
      MAX_NAME_BYTES,
      "a long name is cut to the limit exactly",
    );
    assert.ok(basename(tempPathFor("x.npy")).startsWith(".x.npy.difflux-"), "a short name is kept whole");
  });

  test("writeFileAtomic writes destinations of 244 ASCII characters and of 255 UTF-8 bytes", () => {
    const dir = fresh();
    const ascii = `${"a".repeat(240)}.npy`;
    const utf8 = `${"é".repeat(125)}.npy`;
    assert.equal(bytes(utf8), 254);
    writeFileAtomic(join(dir, ascii), "ascii");
    writeFileAtomic(join(dir, utf8), "utf8");
    assert.equal(readFileSync(join(dir, ascii), "utf8"), "ascii");
    assert.equal(readFileSync(join(dir, utf8), "utf8"), "utf8");
    assert.deepEqual(readdirSync(dir).sort(), [ascii, utf8].sort(), "no temporary left");
  });
});

describe("stale temporaries", () => {
  test("the first write into a directory removes temporaries of dead processes and nothing else", () => {
    const dir = fresh();
    const dead = deadPid();
    const stale = [`.weights-7.safetensors.difflux-${dead}-0.tmp`, `.loss.csv.difflux-${dead}-12.tmp`];
    const kept = [
      `.x.difflux-${process.pid}-999.tmp`, // this process
      ".x.difflux-1-0.tmp", // pid 1 is alive
      `.notes.${dead}.3.tmp`, // not our pattern
      `difflux-${dead}-0.tmp`, // not hidden
      `.x.difflux-${dead}-0.tmp.bak`, // suffix differs
      "notes.txt",
    ];
    for (const n of [...stale, ...kept]) writeFileSync(join(dir, n), "x");
    mkdirSync(join(dir, `.sub.difflux-${dead}-1.tmp`)); // a directory of that name is not ours
    writeFileAtomic(join(dir, "out.json"), "{}");
    assert.deepEqual(
      readdirSync(dir).sort(),
      [...kept, "out.json", `.sub.difflux-${dead}-1.tmp`].sort(),
      "exactly the dead process's temporaries are gone",
    );
  });

  test("removeStaleTemps returns what it removed and ignores a missing directory", () => {
    const dir = fresh();
    const dead = deadPid();
    writeFileSync(join(dir, `.a.difflux-${dead}-0.tmp`), "x");
    assert.deepEqual(removeStaleTemps(dir), [`.a.difflux-${dead}-0.tmp`]);
    assert.deepEqual(removeStaleTemps(dir), []);
    assert.deepEqual(removeStaleTemps(join(dir, "missing")), []);
  });

  test("a write that fails leaves no temporary and names the destination", () => {
    const dir = fresh();
    mkdirSync(join(dir, "target"));
    assert.throws(() => writeFileAtomic(join(dir, "target"), "x"), /^Error: cannot write .*target: /);
    assert.deepEqual(readdirSync(dir), ["target"]);
  });
});
