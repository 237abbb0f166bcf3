/**
 * Runs the benchmarks one after another (each in its own process, so none warms up another's JIT) and
 * prints their markdown tables, which are what bench/README.md records.
 *
 * Run: npm run bench [-- name …]   (names: conversion bridge samplers likelihood coupling train quality onnx;
 * `recipes`, the recipe matrix, runs only when named: it trains ~50 networks, about an hour)
 */
import { spawnSync } from "node:child_process";

const ALL = [
  "conversion",
  "bridge",
  "samplers",
  "likelihood",
  "coupling",
  "train",
  "quality",
  "onnx",
] as const;
/** Benchmarks run only when named. */
const ON_REQUEST = ["recipes"] as const;
const requested = process.argv.slice(2);
const known: readonly string[] = [...ALL, ...ON_REQUEST];
const unknown = requested.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(", ")}; choose from ${known.join(", ")}\n`);
  process.exit(2);
}
const names = requested.length > 0 ? requested : [...ALL];
let failed = 0;
for (const name of names) {
  process.stdout.write(`\n# bench/${name}.ts\n\n`);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", new URL(`./${name}.ts`, import.meta.url).pathname],
    {
      stdio: "inherit",
    },
  );
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench: ${name} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
