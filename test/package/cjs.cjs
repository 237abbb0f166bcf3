/**
 * Consumer of the installed package from CommonJS: `require` of the ES module entries (Node ≥ 20.19
 * loads synchronous ES modules through require).
 */
const assert = require("node:assert/strict");
const core = require("difflux");
const node = require("difflux/node");
const extend = require("difflux/extend");

const level = core.cosineSchedule().at(0.4);
const data = core.noiseToData(new Float64Array([0.5]), new Float64Array([0.3]), level);
const expected = (0.3 - level.sigma * 0.5) / level.alpha;
assert.ok(Math.abs(data[0] - expected) <= 1e-15, `noiseToData = ${data[0]}, closed form ${expected}`);
assert.equal(node.noiseToData, core.noiseToData, "require gives the same module instance as the core entry");
assert.ok(Math.abs(extend.erf(1) - 0.8427007929497149) <= 2e-16, `erf(1) = ${extend.erf(1)}`);
assert.equal(typeof node.jaxEngine, "function", "difflux/node exports jaxEngine");
assert.equal(require("difflux/package.json").name, "difflux", "package.json is exported");
console.log("cjs: ok");
