/**
 * Conversion throughput (issue 2): noise → velocity and data → score on a 1e6-element Float32Array,
 * ns/element beside numpy doing the same arithmetic (p·value + q·xₜ in float32) and beside a plain
 * copy loop, in one run. Target: faster than numpy and within 2× of the copy loop.
 *
 * Run: node --import tsx bench/conversion.ts
 */
import { Rng, conversionCoefficients, cosineSchedule, dataToScore, noiseToVelocity } from "../src/index.js";
import { runPython, timeMedian } from "./peer.js";

const n = 1_000_000;
const rng = new Rng(0);
const value = rng.fillNormal(new Float32Array(n));
const xt = rng.fillNormal(new Float32Array(n));
const out = new Float32Array(n);
const level = cosineSchedule().at(0.3);

const copy = timeMedian(() => {
  for (let i = 0; i < n; i++) out[i] = value[i]!;
});
const noiseVel = timeMedian(() => noiseToVelocity(value, xt, level, out));
const dataScore = timeMedian(() => dataToScore(value, xt, level, out));
const [p1, q1] = conversionCoefficients("noise", "velocity", level);
const [p2, q2] = conversionCoefficients("data", "score", level);

interface Peer {
  noiseVel: number;
  dataScore: number;
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
def med(f, r=15):
    for _ in range(3): f()
    ts = []
    for _ in range(r):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort(); return ts[len(ts) // 2]
def conv(p, q):
    # the fastest numpy form: in-place into preallocated buffers, float32 scalars
    np.multiply(v, np.float32(p), out=out); np.multiply(x, np.float32(q), out=tmp); np.add(out, tmp, out=out)
print(json.dumps({
  "noiseVel": med(lambda: conv(${p1}, ${q1})),
  "dataScore": med(lambda: conv(${p2}, ${q2})),
  "copy": med(lambda: np.copyto(out, v)),
  "version": np.__version__,
}))
`,
  "numpy",
);

const ns = (ms: number) => ((ms * 1e6) / n).toFixed(2);
const rows = [
  ["noise → velocity", noiseVel, peer?.noiseVel],
  ["data → score", dataScore, peer?.dataScore],
  ["copy loop (reference)", copy, peer?.copy],
] as const;
console.log(`Conversion throughput, Float32Array of ${n} elements (median of 15), Node ${process.version}${peer ? `, numpy ${peer.version}` : ", numpy absent"}`);
console.log("| operation | difflux ns/elem | numpy ns/elem | numpy / difflux | difflux / copy loop |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, ms, np] of rows) {
  console.log(
    `| ${name} | ${ns(ms)} | ${np === undefined ? "—" : ns(np)} | ${np === undefined ? "—" : (np / ms).toFixed(2)} | ${(ms / copy).toFixed(2)} |`,
  );
}
