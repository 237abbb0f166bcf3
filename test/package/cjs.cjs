/**
 * Consumer of the installed package from CommonJS: `require` of the ES module entries (Node ≥ 20.19
 * loads synchronous ES modules through require).
 */
const assert = require("node:assert/strict");
const core = require("difflux");
const node = require("difflux/node");

const level = core.cosineSchedule().at(0.4);
const data = core.noiseToData(new Float64Array([0.5]), new Float64Array([0.3]), level);
const expected = (0.3 - level.sigma * 0.5) / level.alpha;
assert.ok(Math.abs(data[0] - expected) <= 1e-15, `noiseToData = ${data[0]}, closed form ${expected}`);
assert.equal(node.noiseToData, core.noiseToData, "require gives the same module instance as the core entry");
assert.equal(typeof node.jaxEngine, "function", "difflux/node exports jaxEngine");
assert.equal(require("difflux/package.json").name, "difflux", "package.json is exported");
console.log("cjs: ok");
