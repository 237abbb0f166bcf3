/**
 * Samples as a PNG image grid (`sample --out grid.png`): each row of n × dim values is one image of
 * the per-row shape [H, W], [1, H, W] (gray) or [3, H, W] (RGB, channels first), values in [−1, 1]
 * mapped to 0 … 255 (clipped); the images are laid out row by row, `columns` per line, 2 pixels apart,
 * small images enlarged by an integer factor (nearest neighbour) to at least 28 pixels high.
 */
import { UsageError } from "../errors.js";

/** Height, width and channels of a per-row shape, or null when it is not an image. */
export function imageLayout(
  shape: readonly number[],
): { height: number; width: number; channels: 1 | 3 } | null {
  if (shape.length === 2) return { height: shape[0]!, width: shape[1]!, channels: 1 };
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 3))
    return { height: shape[1]!, width: shape[2]!, channels: shape[0] as 1 | 3 };
  return null;
}

/** The PNG bytes of the grid (file header); `shape` is the per-row shape of `x`. */
export async function imageGridPng(
  x: Float64Array,
  n: number,
  shape: readonly number[],
  columns = Math.ceil(Math.sqrt(n)),
): Promise<Uint8Array> {
  const lib = await import("difflux/node");
  const layout = imageLayout(shape);
  if (layout === null) {
    throw new UsageError(
      `--out: a .png grid needs image-shaped samples ([H, W], [1, H, W] or [3, H, W]), but each sample has shape [${shape.join(", ")}] — write .npy instead`,
    );
  }
  const { height: h, width: w, channels } = layout;
  const zoom = Math.max(1, Math.floor(28 / h));
  const [height, width] = [h * zoom, w * zoom];
  const gap = 2;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  const W = cols * width + (cols - 1) * gap;
  const H = rows * height + (rows - 1) * gap;
  const pixels = new Uint8Array(W * H * channels).fill(255);
  const per = h * w * channels;
  for (let i = 0; i < n; i++) {
    const gray = lib.toGray8(x.subarray(i * per, (i + 1) * per), -1, 1);
    const ox = (i % cols) * (width + gap);
    const oy = Math.floor(i / cols) * (height + gap);
    for (let y = 0; y < height; y++)
      for (let xx = 0; xx < width; xx++)
        for (let c = 0; c < channels; c++)
          pixels[((oy + y) * W + ox + xx) * channels + c] =
            gray[c * h * w + Math.floor(y / zoom) * w + Math.floor(xx / zoom)]!;
  }
  return lib.encodePng(pixels, W, H, channels);
}
