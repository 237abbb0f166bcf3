/**
 * A page whose content security policy allows only its own scripts (no WebAssembly compilation, no
 * eval) still samples, and gets the numbers Node gets: the conversion kernel's SIMD path falls back to
 * JavaScript.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { type PlaygroundServer, servePlayground } from "../../cli/commands/playground.js";
import { run } from "../../scripts/bundles/sampling.js";
import { findChromium, launchChromium, until } from "./chromium.js";

const found = findChromium();
const skip = "executable" in found ? false : `no browser: ${found.reason}`;
let site: string;
let server: PlaygroundServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  site = mkdtempSync(join(tmpdir(), "difflux-strict-csp-"));
  await build({
    entryPoints: [resolve(import.meta.dirname, "strict", "entry.ts")],
    outfile: join(site, "entry.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    logLevel: "warning",
  });
  writeFileSync(
    join(site, "index.html"),
    `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><link rel="icon" href="data:,"><title>strict</title><script type="module" src="entry.mjs"></script>`,
  );
  server = await servePlayground(site);
  browser = await launchChromium((found as { executable: string }).executable, false);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (site !== undefined) rmSync(site, { recursive: true, force: true });
});

test("a page with a strict content security policy samples and matches Node", { skip }, async () => {
  const page = await browser.newPage();
  const uncaught: string[] = [];
  page.on("pageerror", (err) => uncaught.push(err.message));
  await page.goto(server.url);
  await until(
    "the page's samples",
    async () =>
      (await page.getAttribute("body", "data-result")) !== null ||
      (await page.getAttribute("body", "data-error")) !== null,
    15_000,
  );
  assert.equal(await page.getAttribute("body", "data-error"), null, "sampling threw in the page");
  assert.deepEqual(uncaught, [], "no uncaught exception");
  const shown = JSON.parse((await page.getAttribute("body", "data-result"))!) as number[][];
  const expected = (await run()).map((r) => Array.from(r));
  assert.equal(shown.length, expected.length, "as many results as in Node");
  for (const [i, row] of shown.entries()) {
    for (const [j, v] of row.entries()) {
      const want = expected[i]![j]!;
      assert.ok(
        Math.abs(v - want) <= 1e-12 * (1 + Math.abs(v)),
        `result ${i}[${j}]: page ${v}, Node ${want}`,
      );
    }
  }
});
