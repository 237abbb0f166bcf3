/**
 * The committed Fashion-MNIST U-Net (models/fashion-unet/) as a difflux Model, shared by its tests,
 * scripts/fashion/evaluate.ts and bench/onnx.ts. The network (scripts/fashion/unet.py) predicts the
 * noise ε on diffusers' DDPM table (1000 steps, linear betas 1e-4 … 0.02) and takes the (fractional)
 * table index as `timestep` and class 10 as "no class".
 */
import { affinePath, discreteSchedule, type GaussianPath } from "../../src/index.js";
import { type OnnxModel, type OnnxRuntimeLike, loadOnnxModel } from "../../src/onnx/index.js";

/** The folder holding unet.onnx, unet-fp16.onnx, classifier.onnx and their reference outputs. */
export const FASHION_DIR = new URL("../../models/fashion-unet/", import.meta.url).pathname;

/** Fashion-MNIST's ten classes, by label. */
export const FASHION_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;

/** One image: 1 × 28 × 28 = 784 values in [−1, 1]. */
export const FASHION_DIM = 784;

/** The path the U-Net was trained on: diffusers' "linear" DDPM table of 1000 steps. */
export function fashionPath(): GaussianPath {
  return affinePath(
    discreteSchedule({
      betaSchedule: "linear",
      betaStart: 1e-4,
      betaEnd: 0.02,
      numTrainSteps: 1000,
      precision: "float64",
    }),
  );
}

/** The U-Net (`unet.onnx`, or `unet-fp16.onnx`) run by `ort` (onnxruntime-node or -web). */
export function fashionUnet(ort: OnnxRuntimeLike, file = "unet.onnx", maxBatch?: number): Promise<OnnxModel> {
  return loadOnnxModel(`${FASHION_DIR}${file}`, {
    ort,
    kind: "noise",
    path: fashionPath(),
    sample: { name: "sample" },
    time: { name: "timestep", convention: "trainStep", numTrainSteps: 1000 },
    labels: { name: "class_labels", nullLabel: 10 },
    ...(maxBatch === undefined ? {} : { maxBatch }),
  });
}
