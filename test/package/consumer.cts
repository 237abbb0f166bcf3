/**
 * A TypeScript CommonJS consumer: `import … = require(…)` of the ES module entries, which TypeScript
 * accepts under module nodenext (require of ES modules, Node ≥ 20.19).
 */
import difflux = require("difflux");
import node = require("difflux/node");
import extend = require("difflux/extend");

export const level: difflux.NoiseLevel = difflux.cosineSchedule().at(0.5);
export const half: number = extend.erf(0.5);
export const engine: Promise<node.Engine> = node.jaxEngine();
