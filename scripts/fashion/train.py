"""Trains the class-conditional Fashion-MNIST U-Net and its measuring classifier, and exports both to ONNX.

Run once (CI never retrains):
    nice -n 10 /usr/bin/python3 scripts/fashion/train.py            # ~4 CPU-minutes of U-Net, one thread
Data: Debian's dataset-fashion-mnist (`apt-get install -y dataset-fashion-mnist`), read from
/usr/share/datasets/fashion-mnist (Zalando Research, MIT licence). Everything is seeded.

Writes (models/fashion-unet/):
    unet.onnx            the denoiser, float32 (inputs sample, timestep, class_labels → noise)
    unet-fp16.onnx       the same network with float16 weights and float16 sample/timestep/noise
    classifier.onnx      image → (logits, features): measures the samples (accuracy, Fréchet statistics)
    reference.safetensors  stored inputs and PyTorch's outputs for the ONNX-equals-PyTorch test (F32;
                         class_labels stored as float values)
    weights.safetensors  the U-Net's EMA state_dict (what peer.py loads to run the network in PyTorch)
    training.json        configuration, loss curve, timings and the classifier's test accuracy
Intermediate checkpoints go to out/fashion/ (resumable: rerun the same command).
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unet import NULL_CLASS, NUM_TRAIN_STEPS, Classifier, UNet, alphas_cumprod  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join(ROOT, "models", "fashion-unet")
WORK = os.path.join(ROOT, "out", "fashion")


def read_idx(name: str) -> np.ndarray:
    """An IDX file (ubyte images or labels), gzip-compressed."""
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(split: str):
    """Images scaled to [-1, 1] as (N, 1, 28, 28) float32, and int64 labels."""
    images = read_idx(f"{split}-images-idx3-ubyte.gz").astype(np.float32) / 127.5 - 1.0
    labels = read_idx(f"{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(images[:, None]), torch.from_numpy(labels)


def write_safetensors(path: str, tensors: dict, metadata: dict) -> None:
    """Minimal safetensors writer (F32 / I64), atomic: header JSON, then the raw little-endian buffers."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dtype = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}[a.dtype]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def save_atomic(obj, path: str) -> None:
    torch.save(obj, path + ".tmp")
    os.replace(path + ".tmp", path)


def lr_at(step: int, args) -> float:
    """Linear warm-up, then cosine decay to lr/10."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * p)))


def train_classifier(args, train, test, log) -> Classifier:
    path = os.path.join(WORK, "classifier.pt")
    net = Classifier()
    if os.path.exists(path):
        net.load_state_dict(torch.load(path))
        return net
    g = torch.Generator().manual_seed(args.seed + 1)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    images, labels = train
    if args.classifier_limit:
        images, labels = images[: args.classifier_limit], labels[: args.classifier_limit]
    t0 = time.process_time()
    for epoch in range(args.classifier_epochs):
        perm = torch.randperm(len(images), generator=g)
        for i in range(0, len(images), 128):
            idx = perm[i : i + 128]
            logits, _ = net(images[idx])
            loss = F.cross_entropy(logits, labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        log(f"classifier epoch {epoch + 1}: loss {loss.item():.3f}")
    log(f"classifier trained in {time.process_time() - t0:.0f} CPU-s")
    save_atomic(net.state_dict(), path)
    return net


def evaluate_classifier(net: Classifier, test) -> float:
    net.eval()
    images, labels = test
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            logits, _ = net(images[i : i + 1000])
            correct += (logits.argmax(1) == labels[i : i + 1000]).sum().item()
    return correct / len(images)


def train_unet(args, train, log):
    path = os.path.join(WORK, "unet.pt")
    net = UNet(tuple(args.channels))
    ema = UNet(tuple(args.channels))
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=0.0)
    step, losses, cpu = 0, [], 0.0
    g = torch.Generator().manual_seed(args.seed)
    if os.path.exists(path):
        ck = torch.load(path)
        net.load_state_dict(ck["net"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        g.set_state(ck["rng"])
        step, losses, cpu = ck["step"], ck["losses"], ck["cpu"]
        log(f"resumed at step {step}")
    abar = alphas_cumprod().float()
    images, labels = train
    n = len(images)
    running = []
    t0 = time.process_time()
    while step < args.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args)
        idx = torch.randint(0, n, (args.batch,), generator=g)
        x0, y = images[idx], labels[idx].clone()
        drop = torch.rand(args.batch, generator=g) < args.label_dropout
        y[drop] = NULL_CLASS
        k = torch.randint(0, NUM_TRAIN_STEPS, (args.batch,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        a = abar[k][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(net(xt, k.float(), y), eps)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), net.parameters()):
                pe.mul_(decay).add_(p, alpha=1 - decay)
        running.append(loss.item())
        step += 1
        if step % 100 == 0 or step == args.steps:
            losses.append([step, float(np.mean(running))])
            running = []
        if step % 250 == 0 or step == args.steps:
            spent = cpu + time.process_time() - t0
            log(f"step {step}/{args.steps} loss {losses[-1][1]:.4f} ({spent:.0f} CPU-s)")
            save_atomic(
                {"net": net.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "rng": g.get_state(),
                 "step": step, "losses": losses, "cpu": spent},
                path,
            )
    cpu += time.process_time() - t0
    ema.eval()
    return ema, losses, cpu


def export_unet(net: UNet, path: str) -> None:
    net.eval()
    b = 2
    example = (torch.zeros(b, 1, 28, 28), torch.zeros(b), torch.zeros(b, dtype=torch.int64))
    torch.onnx.export(
        net,
        example,
        path + ".tmp",
        input_names=["sample", "timestep", "class_labels"],
        output_names=["noise"],
        dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "class_labels": {0: "batch"}, "noise": {0: "batch"}},
        opset_version=17,
    )
    os.replace(path + ".tmp", path)


def to_float16(src: str, dst: str) -> None:
    """float16 weights and float16 sample/timestep/noise; arithmetic stays float32 through Cast nodes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(src)
    graph = model.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_f16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
    for inp in graph.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            inp.type.tensor_type.elem_type = TensorProto.FLOAT16
            inner = inp.name + "_f32"
            for node in graph.node:
                for i, name in enumerate(node.input):
                    if name == inp.name:
                        node.input[i] = inner
            casts.append(helper.make_node("Cast", [inp.name], [inner], to=TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    for out in graph.output:
        inner = out.name + "_f32"
        for node in nodes:
            for i, name in enumerate(node.output):
                if name == out.name:
                    node.output[i] = inner
        out.type.tensor_type.elem_type = TensorProto.FLOAT16
        nodes.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT16))
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, dst + ".tmp")
    os.replace(dst + ".tmp", dst)


def export_classifier(net: Classifier, path: str) -> None:
    net.eval()
    torch.onnx.export(
        net,
        (torch.zeros(2, 1, 28, 28),),
        path + ".tmp",
        input_names=["image"],
        output_names=["logits", "features"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
        opset_version=17,
    )
    os.replace(path + ".tmp", path)


def main() -> None:
    global OUT, WORK
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--label-dropout", type=float, default=0.1)
    p.add_argument("--channels", type=int, nargs=2, default=[32, 64])
    p.add_argument("--classifier-epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=OUT, help="where the model files go")
    p.add_argument("--work", default=WORK, help="where the resumable checkpoints go")
    p.add_argument("--classifier-limit", type=int, default=0, help="train the classifier on this many images (0: all)")
    args = p.parse_args()
    OUT, WORK = args.out, args.work
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(OUT, exist_ok=True)

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    train, test = load("train"), load("t10k")
    classifier = train_classifier(args, train, test, log)
    scored = os.path.join(WORK, "classifier.json")
    if os.path.exists(scored):
        accuracy = json.load(open(scored))["accuracy"]
    else:
        accuracy = evaluate_classifier(classifier, test)
        with open(scored, "w") as f:
            json.dump({"accuracy": accuracy}, f)
    log(f"classifier test accuracy {accuracy:.4f}")
    unet, losses, cpu = train_unet(args, train, log)

    export_unet(unet, os.path.join(OUT, "unet.onnx"))
    to_float16(os.path.join(OUT, "unet.onnx"), os.path.join(OUT, "unet-fp16.onnx"))
    export_classifier(classifier, os.path.join(OUT, "classifier.onnx"))
    write_safetensors(
        os.path.join(OUT, "weights.safetensors"),
        {k: v.detach().numpy().astype(np.float32) for k, v in unet.state_dict().items()},
        {"format": "pt", "channels": json.dumps(args.channels)},
    )

    # Stored inputs and PyTorch's outputs (the ONNX-equals-PyTorch fixture).
    g = torch.Generator().manual_seed(12345)
    sample = torch.randn(4, 1, 28, 28, generator=g)
    timestep = torch.tensor([0.0, 250.5, 600.0, 999.0])
    class_labels = torch.tensor([0, 3, 9, NULL_CLASS], dtype=torch.int64)
    with torch.no_grad():
        noise = unet(sample, timestep, class_labels)
        logits, features = classifier(sample)
    write_safetensors(
        os.path.join(OUT, "reference.safetensors"),
        {"sample": sample.numpy(), "timestep": timestep.numpy(), "class_labels": class_labels.float().numpy(),
         "noise": noise.numpy(), "logits": logits.numpy(), "features": features.numpy()},
        {"torch": torch.__version__},
    )
    info = {
        "data": "Fashion-MNIST (Zalando Research, MIT), Debian package dataset-fashion-mnist",
        "torch": torch.__version__,
        "args": {**vars(args), "out": os.path.relpath(args.out, ROOT), "work": os.path.relpath(args.work, ROOT)},
        "parameters": sum(q.numel() for q in unet.parameters()),
        "unetCpuSeconds": round(cpu, 1),
        "classifierTestAccuracy": accuracy,
        "loss": losses,
    }
    with open(os.path.join(OUT, "training.json.tmp"), "w") as f:
        json.dump(info, f, indent=1)
    os.replace(os.path.join(OUT, "training.json.tmp"), os.path.join(OUT, "training.json"))
    log("done")


if __name__ == "__main__":
    main()
