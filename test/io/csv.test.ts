import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  detectCsvDelimiter,
  formatCsv,
  formatCsvNumber,
  looksLikeNonAsciiNumber,
  parseCsv,
} from "../../src/io/csv.js";
import { readCsv, writeCsv } from "../../src/io/csvFile.js";
import { EXPECTED, FIXTURES, tempDir } from "./fixtures.js";

describe("csv", () => {
  test("readCsv reads np.savetxt output with comma, semicolon and tab delimiters and optional headers", () => {
    const delimiters: Record<string, string> = {
      "savetxt.csv": ",",
      "header.csv": ",",
      "semicolon.csv": ";",
      "tab.tsv": "\t",
    };
    for (const [name, e] of Object.entries(EXPECTED.csv)) {
      const t = readCsv(join(FIXTURES, "csv", name));
      assert.deepEqual(t.shape, e.shape, name);
      assert.deepEqual(Array.from(t.data), e.values, name);
      assert.deepEqual(t.header, e.header, name);
      assert.equal(t.delimiter, delimiters[name], name);
    }
  });

  test("detectCsvDelimiter prefers tab, then semicolon, then comma", () => {
    assert.equal(detectCsvDelimiter("1\t2,5"), "\t");
    assert.equal(detectCsvDelimiter("1;2,5"), ";");
    assert.equal(detectCsvDelimiter("1,2"), ",");
    assert.equal(detectCsvDelimiter("7"), ",");
  });

  test("parseCsv skips blank and comment lines, accepts CRLF, a BOM, quotes, nan and inf", () => {
    const t = parseCsv('\ufeff# made by hand\r\n"a","b"\r\n\r\n1, -2.5e3\r\n"3",nan\r\n-inf,+Infinity\r\n');
    assert.deepEqual(t.header, ["a", "b"]);
    assert.deepEqual(t.shape, [3, 2]);
    assert.deepEqual(Array.from(t.data), [
      1,
      -2500,
      3,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
  });

  test("parseCsv reads a header-only file as a table with no rows", () => {
    const t = parseCsv("x,y,z\n");
    assert.deepEqual(t.shape, [0, 3]);
    assert.equal(t.data.length, 0);
  });

  test("parseCsv takes a numeric-looking header only when told, and returns float32 on request", () => {
    assert.deepEqual(parseCsv("1,2\n3,4\n").shape, [2, 2]);
    const t = parseCsv("1,2\n3,4\n", { header: true, dtype: "float32" });
    assert.deepEqual(t.header, ["1", "2"]);
    assert.ok(t.data instanceof Float32Array);
    assert.deepEqual(Array.from(t.data), [3, 4]);
  });

  test("parseCsv reports a bad value with its line and column, not as a header", () => {
    assert.throws(
      () => parseCsv("1,2\n3,abc\n", { source: "d.csv" }),
      /^Error: parseCsv: d\.csv: line 2, column 2: 'abc' is not a number$/,
    );
    assert.throws(() => parseCsv("1,x\n3,4\n"), /line 1, column 2: 'x' is not a number/);
    assert.throws(
      () => parseCsv("a,b\n1,\n"),
      /line 2, column 2: an empty value; fill it in or remove the row/,
    );
    assert.throws(
      () => parseCsv("1;2,5\n3;4\n"),
      /line 1, column 2: '2,5' is not a number \(use '\.' as the decimal point\)/,
    );
  });

  test("parseCsv does not guess a header from numbers in full-width digits or other non-ASCII numerals", () => {
    for (const first of ["１,２", "１２．５,ｘ", "٣,٤", "−1,２", "１e３,ｙ"]) {
      assert.throws(
        () => parseCsv(`${first}\n3,4\n`),
        /^Error: parseCsv: line 1, column 1: '.*' looks like a number in non-ASCII characters .*pass header: true if it is a header$/,
        first,
      );
      const t = parseCsv(`${first}\n3,4\n`, { header: true });
      assert.deepEqual(Array.from(t.data), [3, 4], "header: true still reads it as names");
    }
    assert.throws(
      () => parseCsv("a,b\n１,2\n"),
      /line 2, column 1: '１' is not a number in ASCII characters; write numbers/,
    );
    assert.deepEqual(
      parseCsv("x１,ｙ\n1,2\n").header,
      ["x１", "ｙ"],
      "names with a full-width digit stay names",
    );
  });

  test("looksLikeNonAsciiNumber is true exactly for non-ASCII text that folds to a number", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const ascii = String(x);
        const wide = ascii.replace(/[0-9.+\-e]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
        assert.equal(looksLikeNonAsciiNumber(ascii), false, "ASCII numbers are plain numbers");
        assert.equal(looksLikeNonAsciiNumber(wide), true, wide);
      }),
    );
    for (const f of ["abc", "ａｂｃ", "x１", "", "１,２"]) assert.equal(looksLikeNonAsciiNumber(f), false, f);
  });

  test("parseCsv reports ragged rows, header/data mismatch and empty input", () => {
    assert.throws(
      () => parseCsv("1,2\n3,4\n5\n"),
      /line 3 has 1 values but line 1 has 2; every row needs the same number/,
    );
    assert.throws(
      () => parseCsv("a,b,c\n1,2\n"),
      /the header \(line 1\) has 3 names but line 2 has 2 values/,
    );
    assert.throws(() => parseCsv("\n# only\n\n", { source: "e.csv" }), /parseCsv: e\.csv: no data/);
  });

  test("formatCsvNumber writes the fewest digits that read back exactly", () => {
    assert.equal(formatCsvNumber(Math.fround(0.1), true), "0.1");
    assert.equal(formatCsvNumber(0.1, false), "0.1");
    assert.equal(formatCsvNumber(Math.fround(0.1), false), String(Math.fround(0.1)));
    assert.equal(formatCsvNumber(Number.NaN, false), "nan");
    assert.equal(formatCsvNumber(Number.NEGATIVE_INFINITY, true), "-inf");
  });

  test("parseCsv inverts formatCsv bit for bit for float32 and float64 tables with any delimiter", () => {
    const arb = fc.record({
      f32: fc.boolean(),
      delimiter: fc.constantFrom(",", ";", "\t"),
      rows: fc.integer({ min: 1, max: 6 }),
      cols: fc.integer({ min: 1, max: 4 }),
      header: fc.boolean(),
      values: fc.array(fc.double({ noNaN: true }), { minLength: 24, maxLength: 24 }),
    });
    fc.assert(
      fc.property(arb, ({ f32, delimiter, rows, cols, header, values }) => {
        const n = rows * cols;
        const data = f32 ? new Float32Array(values.slice(0, n)) : new Float64Array(values.slice(0, n));
        const names = header ? Array.from({ length: cols }, (_, c) => `c${c}`) : undefined;
        const text = formatCsv(data, [rows, cols], { delimiter, header: names });
        const back = parseCsv(text, { dtype: f32 ? "float32" : "float64" });
        assert.deepEqual(back.shape, [rows, cols]);
        assert.deepEqual(back.header, names ?? null);
        assert.equal(back.delimiter, cols > 1 ? delimiter : ",");
        for (let k = 0; k < n; k++)
          assert.ok(Object.is(back.data[k], data[k]), `value ${k}: ${back.data[k]} vs ${data[k]}`);
      }),
    );
  });

  test("formatCsv writes higher-rank arrays as rows of the flattened trailing axes", () => {
    assert.equal(formatCsv(new Float64Array([1, 2, 3, 4]), [2, 1, 2]), "1,2\n3,4\n");
    assert.equal(formatCsv(new Float64Array([1, 2])), "1\n2\n");
    assert.throws(
      () => formatCsv(new Float64Array(2), [2], { header: ["a", "b"] }),
      /formatCsv: header has 2 names but the data has 1 columns/,
    );
  });

  test("writeCsv round-trips through a file and leaves nothing behind on a bad shape", () => {
    const { dir, done } = tempDir();
    try {
      const data = new Float64Array([0.1, 0.2, 0.3, 1e-300]);
      writeCsv(join(dir, "a.csv"), data, [2, 2], { header: ["x", "y"] });
      const t = readCsv(join(dir, "a.csv"));
      assert.deepEqual(Array.from(t.data), Array.from(data));
      assert.throws(
        () => writeCsv(join(dir, "b.csv"), data, [3, 2]),
        /writeCsv: data has 4 elements but shape \[3, 2\] needs 6/,
      );
      assert.deepEqual(readdirSync(dir), ["a.csv"]);
      writeFileSync(join(dir, "bad.csv"), "1,2\n3,oops\n");
      assert.throws(
        () => readCsv(join(dir, "bad.csv")),
        /^Error: readCsv: .*bad\.csv: line 2, column 2: 'oops' is not a number$/,
      );
    } finally {
      done();
    }
  });
});
