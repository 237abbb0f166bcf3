"""PyTorch running the committed Fashion-MNIST U-Net with the same sampler as difflux (bench/onnx.ts).

    /usr/bin/python3 scripts/fashion/peer.py JOB.json
JOB.json (written by bench/onnx.ts): {"noise": path of a float64 .npy (batch × 784), "labels": [...],
"scale": s, "repeats": r, "alpha": [...], "sigma": [...], "timestep": [...]} — the grid's levels
α_i, σ_i and the model's timestep k_i at every node. The sampler is DDIM (η = 0) with classifier-free
guidance, as difflux's ddim() computes it:
    ε̂ = ε_u + s·(ε_c − ε_u)   (one batched call of 2B rows),   D̂ = (x − σ_i·ε̂)/α_i,
    x_{i+1} = α_{i+1}·D̂ + σ_{i+1}·ε̂.
Prints one JSON line: median wall time (s), the model's share, and the path of the final samples.
"""
import json
import os
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet import NULL_CLASS, UNet  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_weights(path: str) -> dict:
    """A safetensors file of F32 tensors (weights.safetensors)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        a = np.frombuffer(raw, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin).reshape(info["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out, meta


def main() -> None:
    job = json.load(open(sys.argv[1]))
    torch.set_num_threads(job.get("threads", 1))
    state, meta = load_weights(os.path.join(ROOT, "models", "fashion-unet", "weights.safetensors"))
    net = UNet(tuple(json.loads(meta["channels"])))
    net.load_state_dict(state)
    net.eval()
    noise = torch.from_numpy(np.load(job["noise"])).float()
    b = noise.shape[0]
    labels = torch.tensor(job["labels"], dtype=torch.int64)
    both = torch.cat([labels, torch.full((b,), NULL_CLASS, dtype=torch.int64)])
    alpha, sigma, k = job["alpha"], job["sigma"], job["timestep"]
    s = job["scale"]
    times, model_times = [], []
    x = None
    with torch.no_grad():
        for _ in range(job["repeats"]):
            t0 = time.perf_counter()
            spent = 0.0
            x = (sigma[0] * noise).reshape(b, 1, 28, 28)
            for i in range(len(alpha) - 1):
                m0 = time.perf_counter()
                eps2 = net(torch.cat([x, x]), torch.full((2 * b,), k[i], dtype=torch.float32), both)
                spent += time.perf_counter() - m0
                eps = eps2[b:] + s * (eps2[:b] - eps2[b:])
                data = (x - sigma[i] * eps) / alpha[i]
                x = alpha[i + 1] * data + sigma[i + 1] * eps
            times.append(time.perf_counter() - t0)
            model_times.append(spent)
    order = np.argsort(times)
    mid = order[len(order) // 2]
    out = job["noise"].replace(".npy", "-torch.npy")
    np.save(out, x.reshape(b, -1).double().numpy())
    print(json.dumps({"seconds": times[mid], "modelSeconds": model_times[mid], "all": times, "samples": out,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
