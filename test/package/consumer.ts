/**
 * A TypeScript consumer (ES module), type-checked with skipLibCheck: false under node16, nodenext and
 * bundler resolution, with lib ES2022 only (no @types/node, no DOM): the published declarations must
 * compile on their own, without any dependency's types.
 */
import {
  type FloatArray,
  type GaussianPath,
  type Model,
  type NoiseLevel,
  affinePath,
  cosineSchedule,
  noiseToData,
} from "difflux";
import { erf } from "difflux/extend";
import { type DeviceTensor, type Engine, type Checkpoint, jaxEngine, loadCheckpoint } from "difflux/node";

const path: GaussianPath = affinePath(cosineSchedule());
const level: NoiseLevel = cosineSchedule().at(0.5);
const data: Float64Array = noiseToData(new Float64Array([1]), new Float64Array([0]), level);
const engine: Promise<Engine> = jaxEngine();
export async function shapeOf(tensor: DeviceTensor): Promise<readonly number[]> {
  return (await engine).download(tensor).shape;
}
export function load(dir: string): Checkpoint {
  return loadCheckpoint(dir);
}
export type Prediction = Model["predict"];
export const values: FloatArray[] = [data];
export const half: number = erf(0.5);
export { path };
