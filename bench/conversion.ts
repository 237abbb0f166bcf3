/**
 * Conversion throughput (issue 2): noise → velocity and data → score on a 1e6-element Float32Array,
 * ns/element, in one run, for
 *   - difflux as called (auto: WebAssembly SIMD above SIMD_MIN_LENGTH, src/convert/simd.ts),
 *   - difflux on arrays allocated in a conversionArena (in place in WebAssembly memory, no copies),
 *   - difflux's float32 fast path (precision: "float32"), with copies and in an arena,
 *   - difflux with the JS loop forced (the fallback and small-array path),
 *   - numpy in place (np.multiply/np.add with out=, float32 scalars: numpy's best case),
 *   - numpy as usually written, p*v + q*x (allocates three temporaries per call),
 *   - a plain JS copy loop (the target's reference), the same loop as a function of its arrays, and
 *     TypedArray.prototype.set (memcpy), as references.
 * Then the crossover: JS loop vs SIMD path at lengths around SIMD_MIN_LENGTH.
 * Targets: faster than numpy in place (issue 16) with the exact default, and within 2× of the copy loop.
 *
 * Run: node --import tsx bench/conversion.ts
 */
import { combineInto, conversionArena, SIMD_MIN_LENGTH } from "../src/convert/kernel.js";
import { createSimdKernel } from "../src/convert/simd.js";
import {
  Rng,
  conversionCoefficients,
  convert,
  cosineSchedule,
  dataToScore,
  noiseToVelocity,
} from "../src/index.js";
import { median, runPython } from "./peer.js";

const n = 1_000_000;
const repeats = 31;
const rng = new Rng(0);
const value = rng.fillNormal(new Float32Array(n));
const xt = rng.fillNormal(new Float32Array(n));
const out = new Float32Array(n);
const level = cosineSchedule().at(0.3);
const [p1, q1] = conversionCoefficients("noise", "velocity", level);
const [p2, q2] = conversionCoefficients("data", "score", level);
const simd = createSimdKernel();

/**
 * Median over `repeats` blocks of the CPU time (ms) per call, blocks of ≥ 2 ms: on a shared machine
 * CPU time is what a call costs, while wall-clock medians of ms-long calls grow with preemption.
 */
function time(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  const start = performance.now();
  fn();
  const calls = Math.max(1, Math.ceil(2 / Math.max(performance.now() - start, 1e-3)));
  const blocks: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const used = process.cpuUsage(cpu);
    blocks.push((used.user + used.system) / 1000 / calls);
  }
  return median(blocks);
}
const copy = time(() => {
  for (let i = 0; i < n; i++) out[i] = value[i]!;
});
const memcpy = time(() => out.set(value));
// The same copy as a function of its arrays, called on two pairs: the loop above is compiled for the
// arrays it captures (V8 folds their base and length), which a library function never sees.
function copyInto(from: Float32Array, to: Float32Array): void {
  for (let i = 0; i < from.length; i++) to[i] = from[i]!;
}
copyInto(xt, out);
const copyFn = time(() => copyInto(value, out));
const auto = {
  noiseVel: time(() => noiseToVelocity(value, xt, level, out)),
  dataScore: time(() => dataToScore(value, xt, level, out)),
};
const arena = conversionArena(3 * 4 * n);
const [av, ax, ao] = [arena.float32(n), arena.float32(n), arena.float32(n)];
av.set(value);
ax.set(xt);
const inArena = {
  noiseVel: time(() => noiseToVelocity(av, ax, level, ao)),
  dataScore: time(() => dataToScore(av, ax, level, ao)),
};
const fast = {
  noiseVel: time(() => convert(value, "noise", "velocity", xt, level, { out, precision: "float32" })),
  dataScore: time(() => convert(value, "data", "score", xt, level, { out, precision: "float32" })),
};
const fastInArena = {
  noiseVel: time(() => convert(av, "noise", "velocity", ax, level, { out: ao, precision: "float32" })),
  dataScore: time(() => convert(av, "data", "score", ax, level, { out: ao, precision: "float32" })),
};
const js = {
  noiseVel: time(() => combineInto(value, xt, p1, q1, out, null)),
  dataScore: time(() => combineInto(value, xt, p2, q2, out, null)),
};

interface Peer {
  inPlace: { noiseVel: number; dataScore: number };
  idiomatic: { noiseVel: number; dataScore: number };
  copy: number;
  version: string;
}
const peer = runPython<Peer>(
  `
import json, time, numpy as np
n = ${n}
rng = np.random.default_rng(0)
v = rng.standard_normal(n, dtype=np.float32); x = rng.standard_normal(n, dtype=np.float32)
out = np.empty(n, dtype=np.float32); tmp = np.empty(n, dtype=np.float32)
def med(f, r=${repeats}):
    for _ in range(5): f()
    ts = []
    for _ in range(r):
        t0 = time.process_time(); f(); ts.append((time.process_time() - t0) * 1e3)
    ts.sort(); return ts[len(ts) // 2]
def in_place(p, q):
    # numpy's fastest form: in place into preallocated buffers, float32 scalars
    np.multiply(v, np.float32(p), out=out); np.multiply(x, np.float32(q), out=tmp); np.add(out, tmp, out=out)
def idiomatic(p, q):
    # what most code writes: three fresh 4 MB temporaries per call
    return p * v + q * x
print(json.dumps({
  "inPlace": {"noiseVel": med(lambda: in_place(${p1}, ${q1})), "dataScore": med(lambda: in_place(${p2}, ${q2}))},
  "idiomatic": {"noiseVel": med(lambda: idiomatic(${p1}, ${q1})), "dataScore": med(lambda: idiomatic(${p2}, ${q2}))},
  "copy": med(lambda: np.copyto(out, v)),
  "version": np.__version__,
}))
`,
  "numpy",
);

const ns = (ms: number, elements = n) => (ms * 1e6) / elements;
const f2 = (x: number) => x.toFixed(2);
const ratio = (a: number | undefined, b: number) => (a === undefined ? "—" : f2(a / b));
console.log(
  `Conversion throughput, Float32Array of ${n} elements (median of ${repeats}), Node ${process.version}, ` +
    `SIMD ${simd === null ? "unavailable" : `on from ${SIMD_MIN_LENGTH} elements`}${peer ? `, numpy ${peer.version}` : ", numpy absent"}`,
);
console.log(
  "| operation | difflux (auto) | difflux, arena | difflux float32 | difflux float32, arena | difflux JS loop | numpy in place | numpy p*v + q*x | numpy in place / difflux arena | numpy in place / difflux float32 arena | difflux / copy loop |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [name, key] of [
  ["noise → velocity", "noiseVel"],
  ["data → score", "dataScore"],
] as const) {
  const a = auto[key];
  const np = peer?.inPlace[key];
  const npi = peer?.idiomatic[key];
  console.log(
    `| ${name} | ${f2(ns(a))} | ${f2(ns(inArena[key]))} | ${f2(ns(fast[key]))} | ${f2(ns(fastInArena[key]))} | ${f2(ns(js[key]))} | ${np === undefined ? "—" : f2(ns(np))} | ${npi === undefined ? "—" : f2(ns(npi))} | ${ratio(np, inArena[key])} | ${ratio(np, fastInArena[key])} | ${f2(a / copy)} |`,
  );
}
console.log(
  `| copy loop (reference) | ${f2(ns(copy))} | | | | | ${peer ? `${f2(ns(peer.copy))} (np.copyto)` : "—"} | | | | 1.00 |`,
);
console.log(
  `| copy loop as a function (reference) | ${f2(ns(copyFn))} | | | | | | | | | ${f2(copyFn / copy)} |`,
);
console.log(`| TypedArray.set (memcpy) | ${f2(ns(memcpy))} | | | | | | | | | ${f2(memcpy / copy)} |`);

// Crossover: ns/elem of the JS loop and of the SIMD path (forced) at lengths around SIMD_MIN_LENGTH,
// each timing covering ~2e5 elements so that short arrays are measured over many calls.
if (simd !== null) {
  const lengths = [64, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096, 16384];
  const row = (T: Float32ArrayConstructor | Float64ArrayConstructor, len: number) => {
    const r = new Rng(len);
    const v = r.fillNormal(new T(len));
    const x = r.fillNormal(new T(len));
    const o = new T(len);
    const calls = Math.ceil(200_000 / len);
    const per = (force: typeof simd | null, min: number) =>
      ns(
        time(() => {
          for (let c = 0; c < calls; c++) combineInto(v, x, p1, q1, o, force, min);
        }),
        calls * len,
      );
    return [per(null, 0), per(simd, 0)] as const;
  };
  // One untimed pass first: V8 specializes the first call site's loop on the arrays it captured, which
  // would flatter whichever length runs first.
  for (const len of lengths) {
    row(Float32Array, len);
    row(Float64Array, len);
  }
  console.log("\nCrossover (ns/elem; SIMD forced at every length vs JS loop forced)");
  console.log("| length | float32 JS loop | float32 SIMD | float64 JS loop | float64 SIMD |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  for (const len of lengths) {
    const [j32, s32] = row(Float32Array, len);
    const [j64, s64] = row(Float64Array, len);
    console.log(`| ${len} | ${f2(j32)} | ${f2(s32)} | ${f2(j64)} | ${f2(s64)} |`);
  }
}
