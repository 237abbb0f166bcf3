"""The class-conditional U-Net of models/fashion-unet and the small classifier that measures it.

Shared by train.py (training and export) and peer.py (PyTorch running the same network in the
benchmarks). Convention of the network (models/fashion-unet/README.md):
  inputs   sample (B, 1, 28, 28) float32 in [-1, 1] scale, timestep (B,) float32, class_labels (B,) int64;
  output   the noise ε (B, 1, 28, 28);
  path     diffusers' DDPM table: 1000 steps, linear betas 1e-4 … 0.02 (alphas_cumprod = Π(1 − β));
  timestep the (fractional) table index k, larger = noisier; class 10 = "no class" (guidance's
           unconditional branch).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

NUM_CLASSES = 10
NULL_CLASS = NUM_CLASSES  # the label of the unconditional branch
NUM_TRAIN_STEPS = 1000
BETA_START = 1e-4
BETA_END = 0.02


def alphas_cumprod() -> torch.Tensor:
    """ᾱ_k = Π_{j≤k} (1 − β_j) for diffusers' "linear" betas, in float64."""
    betas = torch.linspace(BETA_START, BETA_END, NUM_TRAIN_STEPS, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


def timestep_embedding(k: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the (fractional) timestep: [cos(k·ω_i), sin(k·ω_i)], ω_i = 10000^(−i/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    angles = k.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv, plus the (time, class) embedding as a per-channel shift, twice; residual."""

    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """A U-Net on 2×2 patches: the 28×28 image is folded into 4 channels at 14×14 (pixel unshuffle),
    processed at 14×14 (width c1) and 7×7 (width c2) with one skip connection, and unfolded again."""

    def __init__(self, ch=(32, 64), emb: int = 128):
        super().__init__()
        c1, c2 = ch
        self.temb_dim = emb // 2
        self.time_mlp = nn.Sequential(nn.Linear(self.temb_dim, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_emb = nn.Embedding(NUM_CLASSES + 1, emb)
        self.stem = nn.Conv2d(4, c1, 3, padding=1)
        self.down = ResBlock(c1, c1, emb)
        self.pool = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.mid1 = ResBlock(c2, c2, emb)
        self.mid2 = ResBlock(c2, c2, emb)
        self.up = nn.Conv2d(c2, c1, 3, padding=1)
        self.dec = ResBlock(2 * c1, c1, emb)
        self.out_norm = nn.GroupNorm(8, c1)
        self.out = nn.Conv2d(c1, 4, 3, padding=1)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, class_labels: torch.Tensor) -> torch.Tensor:
        e = self.time_mlp(timestep_embedding(timestep, self.temb_dim)) + self.class_emb(class_labels)
        e = F.silu(e)
        h1 = self.down(self.stem(F.pixel_unshuffle(sample, 2)), e)  # 14×14
        h = self.mid2(self.mid1(self.pool(h1), e), e)  # 7×7
        h = self.up(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.dec(torch.cat([h, h1], dim=1), e)
        return F.pixel_shuffle(self.out(F.silu(self.out_norm(h))), 2)


class Classifier(nn.Module):
    """A small CNN for Fashion-MNIST: logits, and its 64 penultimate features (for Fréchet statistics)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)
        self.fc = nn.Linear(64 * 3 * 3, 64)
        self.head = nn.Linear(64, NUM_CLASSES)

    def forward(self, image: torch.Tensor):
        h = F.max_pool2d(F.relu(self.conv1(image)), 2)  # 14
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # 7
        h = F.max_pool2d(F.relu(self.conv3(h)), 2)  # 3
        features = F.relu(self.fc(h.flatten(1)))
        return self.head(features), features
