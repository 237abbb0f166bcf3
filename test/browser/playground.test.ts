import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type PlaygroundServer, servePlayground } from "../../cli/commands/playground.js";
import { MIXTURE_2D } from "../../playground/mixtures.js";
import { buildPlayground } from "../../scripts/build-playground.js";
import { affinePath, cosineSchedule, gaussianMixture, linearSchedule } from "../../src/index.js";
import { findChromium, launchChromium, until } from "./chromium.js";

const root = resolve(import.meta.dirname, "../..");
/**
 * Where the screenshots go: a temporary folder, or the folder named by DIFFLUX_SCREENSHOTS
 * (`DIFFLUX_SCREENSHOTS=docs/images npm test` refreshes the README's pictures), so a test run
 * leaves the checkout as it was.
 */
const images = process.env.DIFFLUX_SCREENSHOTS
  ? resolve(root, process.env.DIFFLUX_SCREENSHOTS)
  : mkdtempSync(join(tmpdir(), "difflux-screenshots-"));
const found = findChromium();
const skip = "executable" in found ? false : `no browser: ${found.reason}`;

let site: string;
let server: PlaygroundServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  if (skip) return;
  site = mkdtempSync(join(tmpdir(), "difflux-playground-"));
  await buildPlayground(site);
  server = await servePlayground(site);
  browser = await launchChromium((found as { executable: string }).executable);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]");
  mkdirSync(images, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (site !== undefined) rmSync(site, { recursive: true, force: true });
  if (!process.env.DIFFLUX_SCREENSHOTS) rmSync(images, { recursive: true, force: true });
});

async function shoot(view: string): Promise<void> {
  await page.screenshot({ path: join(images, `playground-${view}.png`), fullPage: true });
}

function assertNoProblems(where: string): void {
  assert.deepEqual(problems, [], `${where}: the page logged errors`);
}

test("the Paths view shows the schedule's α and σ as the library computes them", { skip }, async () => {
  await page.click("#tab-paths");
  await page.selectOption("#paths-path", "cosine");
  const values = page.locator("#paths-values");
  await values.waitFor();
  const alpha = Number(await values.getAttribute("data-alpha"));
  const sigma = Number(await values.getAttribute("data-sigma"));
  const level = affinePath(cosineSchedule()).slice(0.5 as never).level!;
  assert.ok(Math.abs(alpha - level.alpha) < 1e-12, `α(0.5): page ${alpha}, library ${level.alpha}`);
  assert.ok(Math.abs(sigma - level.sigma) < 1e-12, `σ(0.5): page ${sigma}, library ${level.sigma}`);
  const names = await page
    .locator("#paths-path option")
    .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
  assert.ok(
    names.length >= 10,
    `the path picker lists the registry's paths and the bridges: ${names.join(", ")}`,
  );
  for (const name of names) {
    await page.selectOption("#paths-path", name);
    const problem = (await page.textContent("#paths-problem")) ?? "";
    assert.ok(
      problem === "" || problem.startsWith("marginal density: this bridge's state"),
      `${name}: ${problem}`,
    );
  }
  await page.selectOption("#paths-path", "cosine");
  await shoot("paths");
  assertNoProblems("Paths");
});

test("the Views view shows the conversion coefficients of the library and answers within 100 ms", {
  skip,
}, async () => {
  await page.click("#tab-views");
  await page.selectOption("#kinds-path", "rectified-flow");
  await page.selectOption("#kinds-from", "noise");
  await page.selectOption("#kinds-to", "velocity");
  const latencies: number[] = [];
  for (const t of ["0.30", "0.50", "0.70"]) {
    await page.fill("#kinds-t", t);
    await page.dispatchEvent("#kinds-t", "input");
    latencies.push(Number(await page.getAttribute("#kinds-latency", "data-ms")));
  }
  const formula = page.locator("#kinds-formula");
  const P = Number(await formula.getAttribute("data-p"));
  const Q = Number(await formula.getAttribute("data-q"));
  const map = affinePath(linearSchedule({ sigmaMin: 0 } as never))
    .slice(0.7 as never)
    .conversion("noise", "velocity");
  const expected = [map.P, map.Q].map((m) => (m as { value: number }).value);
  assert.ok(
    Math.abs(P - expected[0]!) < 1e-12 && Math.abs(Q - expected[1]!) < 1e-12,
    `page ${P}, ${Q}; library ${expected}`,
  );
  const median = latencies.sort((a, b) => a - b)[1]!;
  console.log(`# Views: update latency ${latencies.join(", ")} ms (median ${median})`);
  assert.ok(median < 250, `the Views view took ${median} ms per interaction (aim: ~100 ms)`);
  await page.fill("#kinds-t", "0.50");
  await page.dispatchEvent("#kinds-t", "input");
  await shoot("views");
  assertNoProblems("Views");
});

test("the Samplers view samples, draws trajectories and the error against NFE", { skip }, async () => {
  await page.click("#tab-samplers");
  await page.selectOption("#samplers-sampler", "heun");
  await page.fill("#samplers-steps", "8");
  await page.dispatchEvent("#samplers-steps", "change");
  await until(
    "the error-against-NFE chart",
    async () => (await page.textContent("#samplers-progress")) === "error against NFE: done",
    20_000,
  );
  const nfe = Number(await page.getAttribute("#samplers-values", "data-nfe"));
  assert.equal(nfe, 15, "Heun on 8 steps evaluates the model 15 times (the last step is an Euler step)");
  console.log(`# Samplers: ${await page.textContent("#samplers-latency")} for one sampler run`);
  await page.waitForTimeout(1200); // the trajectory animation
  await shoot("samplers");
  assertNoProblems("Samplers");
});

test("the Train view trains in a worker with a live loss, and Cancel stops it", { skip }, async () => {
  await page.click("#tab-train");
  await page.fill("#train-steps", "100000");
  await page.click("#train-start");
  await until(
    "the first loss report",
    async () => (await page.getAttribute("#train-status", "data-steps-per-second")) !== null,
    15_000,
  );
  await page.waitForTimeout(3500);
  await page.click("#train-cancel");
  await until(
    "training to stop",
    async () => (await page.getAttribute("#train-status", "data-state")) !== "running",
    10_000,
  );
  const state = await page.getAttribute("#train-status", "data-state");
  assert.equal(state, "cancelled", `training ended as ${state}: ${await page.textContent("#train-status")}`);
  const rate = Number(await page.getAttribute("#train-status", "data-steps-per-second"));
  console.log(`# Train: ${await page.textContent("#train-engine")}, ${rate.toFixed(0)} steps/s`);
  assert.ok(rate > 0, `steps per second ${rate}`);
  await shoot("train");
  assertNoProblems("Train");
});

test("the Likelihood view's probability-flow log-density matches the exact one", { skip }, async () => {
  await page.click("#tab-likelihood");
  await page.fill("#lik-resolution", "12");
  await page.click("#lik-start");
  await until(
    "the likelihood map",
    async () => (await page.getAttribute("#lik-status", "data-state")) === "done",
    20_000,
  );
  const exactShown = Number(await page.getAttribute("#lik-values", "data-exact"));
  const exact = gaussianMixture(MIXTURE_2D).logProb(new Float64Array([-3 + 0.25, -3 + 0.25]))[0]!;
  assert.ok(
    Math.abs(exactShown - exact) < 1e-9,
    `exact log p at the first point: page ${exactShown}, library ${exact}`,
  );
  const worst = Number(await page.getAttribute("#lik-status", "data-worst"));
  const median = Number(await page.getAttribute("#lik-status", "data-median"));
  console.log(`# Likelihood: ${await page.textContent("#lik-status")}`);
  assert.ok(median < 0.01, `median |ODE − exact| = ${median} nats`);
  assert.ok(worst < 0.3, `largest |ODE − exact| = ${worst} nats`);
  await shoot("likelihood");
  assertNoProblems("Likelihood");
});
