/**
 * difflux/onnx: diffusion and flow models exported to ONNX, run by ONNX Runtime (onnxruntime-node in
 * Node, onnxruntime-web in the browser) as difflux `Model`s. The runtime is an optional peer
 * dependency: pass its module (`import * as ort from "onnxruntime-node"`); this entry never imports it.
 */
export {
  type OnnxModel,
  type OnnxModelOptions,
  type OnnxRuntimeLike,
  type OnnxSessionLike,
  type OnnxTensorLike,
  type OnnxTensorType,
  type OnnxTimeInput,
  type OnnxValueMetadataLike,
  loadOnnxModel,
  onnxModel,
} from "./model.js";
