/**
 * A persistent PyTorch process as the peer of the training and forward-pass benchmarks: Debian's
 * python3-torch through /usr/bin/python3, on one thread (`torch.set_num_threads(1)` and one OpenBLAS
 * thread; Debian's torch calls the system BLAS, which is OpenBLAS once libopenblas0-pthread is
 * installed and the slow reference BLAS otherwise — the version string says which). It builds the same network
 * as difflux's MLP (Linear layers on [xₜ, sin, cos] time features), the same weighted MSE and Adam,
 * and times blocks of training steps or of forward passes (`torch.no_grad()`) on request, so a
 * benchmark can alternate blocks between the two sides.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
import { median, PYTHON } from "./peer.js";

/** One network/batch configuration. */
export interface TorchCase {
  readonly activation: "silu" | "relu" | "gelu" | "tanh";
  readonly width: number;
  readonly depth: number;
  readonly batch: number;
  readonly dim: number;
  readonly timeFeatures: number;
}

/** Times `calls` calls of fn: wall-clock and CPU (this process, all threads) ms per call. */
export function timeBlock(fn: () => void, calls: number): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  const wall = (performance.now() - start) / calls;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 / calls };
}

const SCRIPT = `
import sys, time, torch
torch.manual_seed(0)
acts = {"silu": torch.nn.SiLU, "relu": torch.nn.ReLU, "gelu": lambda: torch.nn.GELU(approximate="tanh"), "tanh": torch.nn.Tanh}
class Net(torch.nn.Module):
    def __init__(self, act, D, E, W, depth):
        super().__init__()
        half = E // 2
        self.register_buffer("freqs", 1000.0 * 10000.0 ** (-torch.arange(half, dtype=torch.float32) / half))
        sizes = [D + E] + [W] * depth
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b), acts[act]()]
        self.layers = torch.nn.Sequential(*layers, torch.nn.Linear(W, D))
    def forward(self, x, t):
        a = t[:, None] * self.freqs[None, :]
        return self.layers(torch.cat([x, a.sin(), a.cos()], 1))
cases = {}
def setup(key, act, B, D, E, W, depth):
    net = Net(act, D, E, W, depth)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = (torch.randn(B, D), torch.rand(B), torch.randn(B, D), torch.ones(B))
    cases[key] = (net, opt, data, B * D)
def step(net, opt, data, n):
    x, t, y, w = data
    opt.zero_grad(set_to_none=True)
    r = net(x, t) - y
    loss = (w * (r * r).sum(1)).sum() / n
    loss.backward()
    opt.step()
    return loss.item()
def forward(net, data):
    with torch.no_grad():
        return net(data[0], data[1]).sum().item()
torch.randn(8, 8) @ torch.randn(8, 8)  # loads the BLAS
blas = "OpenBLAS" if "openblas" in open("/proc/self/maps").read() else "reference BLAS"
print("ready " + torch.__version__ + " " + blas, flush=True)
for line in sys.stdin:
    kind, threads, act, B, D, E, W, depth, n = line.split()
    torch.set_num_threads(int(threads))
    key = (act, B, D, E, W, depth)
    if key not in cases:
        setup(key, act, int(B), int(D), int(E), int(W), int(depth))
        net, opt, data, m = cases[key]
        for _ in range(3): step(net, opt, data, m); forward(net, data)
    net, opt, data, m = cases[key]
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(int(n)):
        if kind == "step": step(net, opt, data, m)
        else: forward(net, data)
    print((time.perf_counter() - start) * 1000 / int(n), (time.process_time() - cpu) * 1000 / int(n), flush=True)
`;

/** One timed block: wall-clock ms and CPU ms (the process's, all threads) per call. */
export interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

/** The running peer. */
export interface TorchPeer {
  /** "1.13.0a0 OpenBLAS" (the torch version and the BLAS its matrix products run on). */
  readonly version: string;
  /** Threads it runs on. */
  readonly threads: number;
  /** ms per training step (Adam) over a block of n steps. */
  step(c: TorchCase, n: number): Promise<Timing>;
  /** ms per forward pass (no_grad) over a block of n passes. */
  forward(c: TorchCase, n: number): Promise<Timing>;
  close(): void;
}

/**
 * Starts the peer on `threads` threads (torch's and OpenBLAS's), or resolves to null when
 * /usr/bin/python3 or torch is missing.
 */
export async function startTorch(threads = 1): Promise<TorchPeer | null> {
  if (!existsSync(PYTHON)) return null;
  // The BLAS threads by environment: torch.set_num_threads does not reach an external OpenBLAS.
  const child = spawn(PYTHON, ["-c", SCRIPT], {
    stdio: ["pipe", "pipe", "ignore"],
    env: { ...process.env, OPENBLAS_NUM_THREADS: `${threads}`, OMP_NUM_THREADS: `${threads}` },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    return r.done ? null : (r.value as string);
  };
  const hello = await next();
  if (hello === null || !hello.startsWith("ready ")) {
    child.kill();
    return null;
  }
  const ask = async (kind: string, c: TorchCase, n: number) => {
    child.stdin.write(
      `${kind} ${threads} ${c.activation} ${c.batch} ${c.dim} ${c.timeFeatures} ${c.width} ${c.depth} ${n}\n`,
    );
    const reply = await next();
    if (reply === null) throw new Error("bench: the PyTorch peer exited");
    const [wall, cpu] = reply.split(" ").map(Number) as [number, number];
    return { wall, cpu };
  };
  return {
    version: hello.slice(6),
    threads,
    step: (c, n) => ask("step", c, n),
    forward: (c, n) => ask("forward", c, n),
    close: () => child.stdin.end(),
  };
}

/** The 1-minute load average now (the machine is shared; it says how noisy a run was). */
export function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const spread = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;

/**
 * Table cells for one side against the peer, blocks paired by index: wall median (range), wall
 * ratio median (range), CPU median, CPU ratio median ("—" without a peer).
 */
export function row(times: readonly Timing[], peer: readonly Timing[]): string {
  const wall = times.map((t) => t.wall);
  const cpu = times.map((t) => t.cpu);
  if (peer.length === 0) return `${spread(wall)} | — | ${fmt(median(cpu))} | —`;
  const wallRatio = times.map((t, b) => t.wall / peer[b]!.wall);
  const cpuRatio = times.map((t, b) => t.cpu / peer[b]!.cpu);
  const r = (x: number) => `${x.toFixed(2)}×`;
  return `${spread(wall)} | ${r(median(wallRatio))} (${r(Math.min(...wallRatio))}–${r(Math.max(...wallRatio))}) | ${fmt(median(cpu))} | ${r(median(cpuRatio))}`;
}

/** Prints the comparison table: one row per side (label, its blocks), then the peer's row if any. */
export function printTable(
  unit: "step" | "call",
  sides: readonly { readonly label: string }[],
  times: readonly (readonly Timing[])[],
  peer: readonly Timing[],
  peerLabel: string | null,
): void {
  console.log(
    `| side | wall ms per ${unit}, median (range) | wall ratio to PyTorch, median (range) | CPU ms per ${unit}, median | CPU ratio, median |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  sides.forEach((side, i) => {
    console.log(`| ${side.label} | ${row(times[i]!, peer)} |`);
  });
  if (peerLabel !== null) console.log(`| ${peerLabel} | ${row(peer, peer)} |`);
}
