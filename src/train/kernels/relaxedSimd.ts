/**
 * Node 20's V8 (11.3) accepts WebAssembly relaxed SIMD only behind `--experimental-wasm-relaxed-simd`;
 * Node ≥ 22 has it on. The training kernels use it for fused multiply-adds in their matrix products
 * (MlpKernelOptions.fma), so a Node program that wants them on Node 20 turns the flag on here, before
 * its first kernel compiles. The flag only widens what WebAssembly validation accepts.
 */
import { setFlagsFromString } from "node:v8";
import { globalWasm, hasRelaxedSimd } from "../../math/wasm.js";

/**
 * Makes WebAssembly relaxed SIMD available in this Node process where a V8 flag is all it takes
 * (Node 20); returns whether it is available now. Call it before creating kernels or training.
 */
export function enableRelaxedSimd(): boolean {
  const wasm = globalWasm();
  if (wasm === null) return false;
  if (hasRelaxedSimd(wasm)) return true;
  setFlagsFromString("--experimental-wasm-relaxed-simd");
  return hasRelaxedSimd(wasm);
}
