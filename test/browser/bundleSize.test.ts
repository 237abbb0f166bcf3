import assert from "node:assert/strict";
import { test } from "node:test";
import { BUNDLE_ENTRIES, measure } from "../../scripts/bundle-size.js";

test("every browser bundle of the library stays within its gzip budget", async () => {
  for (const entry of BUNDLE_ENTRIES) {
    const { min, gzip } = await measure(entry);
    assert.ok(min > 1000, `${entry.name}: the bundle is suspiciously small (${min} bytes)`);
    assert.ok(
      gzip <= entry.budgetGzip,
      `${entry.name}: ${(gzip / 1024).toFixed(1)} KB gzip exceeds the budget of ${(entry.budgetGzip / 1024).toFixed(1)} KB (scripts/bundle-size.ts) — find what grew with esbuild's metafile, or raise the budget with a reason`,
    );
  }
});

test("a sampling-only bundle leaves the autodiff engine out", async () => {
  const sampling = BUNDLE_ENTRIES.find((e) => e.name === "sampling")!;
  const training = BUNDLE_ENTRIES.find((e) => e.name === "training")!;
  const [a, b] = await Promise.all([measure(sampling), measure(training)]);
  assert.ok(
    a.gzip * 3 < b.gzip,
    `sampling ${a.gzip} B gzip vs training ${b.gzip} B: jax-js seems to be bundled`,
  );
});
