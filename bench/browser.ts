/**
 * The playground in Debian's chromium (headless, WebGPU on SwiftShader): training steps per second in
 * the page's worker for each engine setting, and the latency of oracle interactions (Views slider,
 * Paths picker). Prints a markdown table for bench/README.md.
 *   node --import tsx bench/browser.ts [--seconds 5] [--repeats 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { servePlayground } from "../cli/commands/playground.js";
import { buildPlayground } from "../scripts/build-playground.js";
import { findChromium, launchChromium, until } from "../test/browser/chromium.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const seconds = arg("seconds", 5);
const repeats = arg("repeats", 3);
const found = findChromium();
if (!("executable" in found)) throw new Error(found.reason);
const site = mkdtempSync(join(tmpdir(), "difflux-bench-playground-"));
await buildPlayground(site);
const server = await servePlayground(site);
const browser = await launchChromium(found.executable);
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(server.url);
await page.waitForSelector("body[data-ready=true]");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

// Oracle interactions.
await page.click("#tab-views");
const slider: number[] = [];
for (let i = 0; i < 15; i++) {
  await page.fill("#kinds-t", (0.1 + 0.05 * i).toFixed(2));
  await page.dispatchEvent("#kinds-t", "input");
  slider.push(Number(await page.getAttribute("#kinds-latency", "data-ms")));
}
await page.click("#tab-paths");
const paths: number[] = [];
for (const name of [
  "cosine",
  "vp",
  "edm",
  "rectified-flow",
  "ve",
  "cosine",
  "vp",
  "edm",
  "rectified-flow",
  "ve",
]) {
  await page.selectOption("#paths-path", name);
  paths.push(Number(await page.getAttribute("#paths-latency", "data-ms")));
}

// Training throughput per engine setting (alternating blocks).
await page.click("#tab-train");
await page.fill("#train-steps", "1000000");
const settings = [
  { label: "jax-js wasm + fused wasm SIMD kernels", backend: "wasm", kernels: true },
  { label: "jax-js wasm, no kernels", backend: "wasm", kernels: false },
  { label: "auto: jax-js on WebGPU (SwiftShader) + fused wasm SIMD kernels", backend: "auto", kernels: true },
  // jax-js on WebGPU without the kernels ("webgpu", kernels false) kills the page on SwiftShader
  // ("Instance dropped in popErrorScope"), so it is not measured here.
];
const rates = new Map<string, number[]>(settings.map((s) => [s.label, []]));
const engines = new Map<string, string>();
for (let r = 0; r < repeats; r++) {
  for (const s of settings) {
    await page.selectOption("#train-backend", s.backend);
    await page.setChecked("#train-kernels", s.kernels);
    await page.click("#train-start");
    await until(
      "training to start",
      async () =>
        (await page.getAttribute("#train-status", "data-state")) === "running" &&
        (await page.textContent("#train-engine")) !== "",
      10_000,
    );
    await page.waitForTimeout(seconds * 1000);
    if ((await page.getAttribute("#train-status", "data-state")) !== "running")
      throw new Error(`${s.label}: ${await page.textContent("#train-status")}`);
    await page.click("#train-cancel");
    await until(
      "training to stop",
      async () => (await page.getAttribute("#train-status", "data-state")) !== "running",
      60_000,
    );
    const state = await page.getAttribute("#train-status", "data-state");
    if (state !== "cancelled") throw new Error(`${s.label}: ${await page.textContent("#train-status")}`);
    rates.get(s.label)!.push(Number(await page.getAttribute("#train-status", "data-steps-per-second")));
    engines.set(s.label, (await page.textContent("#train-engine")) ?? "");
    await page.$eval("#train-engine", (el) => {
      el.textContent = "";
    });
  }
}
await browser.close();
await server.close();
rmSync(site, { recursive: true, force: true });

console.log(
  `chromium ${browser.version()}; ${repeats} blocks of ${seconds} s per setting (MLP width 64, depth 3, batch 256, float32)\n`,
);
console.log("| training engine in the page's worker | engine reported | steps/s (median) | range |");
console.log("| --- | --- | ---: | ---: |");
for (const s of settings) {
  const xs = rates.get(s.label)!;
  console.log(`| ${s.label} | ${engines.get(s.label)} | ${median(xs).toFixed(0)} | ${range(xs)} |`);
}
console.log("\n| oracle interaction | median | range |");
console.log("| --- | ---: | ---: |");
console.log(
  `| Views: move the t slider (6 vector fields + density, 15 moves) | ${median(slider).toFixed(0)} ms | ${range(slider)} ms |`,
);
console.log(
  `| Paths: pick another path (3 charts + 120 × 120 heat map, 10 picks) | ${median(paths).toFixed(0)} ms | ${range(paths)} ms |`,
);
