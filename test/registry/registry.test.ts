/**
 * The registry of named components: name folding, the `NAME:key=value` syntax, canonical text that
 * reads back to the same choice (a property over every entry and random parameters), every entry
 * and alias building, the specs the components carry rebuilding them, errors that name the fix, and
 * docs/sampler-names.md being generated from it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { samplerNamesMarkdown } from "../../scripts/sampler-names.js";
import {
  type Choice,
  nameKey,
  type ParamSpec,
  type ParamValue,
  Registry,
} from "../../src/registry/component.js";
import { couplingFromSpec } from "../../src/registry/couplings.js";
import { adaptiveTrainingOf, timeDensityFromSpec, weightingFromSpec } from "../../src/registry/losses.js";
import { registry, samplerByName } from "../../src/registry/registry.js";
import { SAMPLER_NAMES_THAT_ARE_CANONICAL } from "../../src/registry/samplerNames.js";
import { affinePath } from "../../src/path/affine.js";
import { vpSchedule } from "../../src/schedule/vp.js";
import { karrasGrid } from "../../src/sampler/grid.js";

const FAMILIES = Object.entries(registry) as [string, Registry<unknown, never>][];

/** An arbitrary value of a parameter type, as a choice holds it. */
function arbitraryValue(p: ParamSpec): fc.Arbitrary<ParamValue> {
  switch (p.type) {
    case "number":
      return fc.oneof(
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        fc.constantFrom(-0, Infinity, -Infinity, 1e-300),
      );
    case "integer":
      return fc.integer({ min: -50, max: 50 });
    case "boolean":
      return fc.boolean();
    case "choice":
      return fc.constantFrom(...p.values);
    case "booleanOrInteger":
      return fc.oneof(fc.boolean(), fc.integer({ min: 1, max: 100 }));
  }
}

describe("registry names", () => {
  it("folds case, spaces, hyphens and underscores, for names and parameter keys", () => {
    assert.equal(nameKey("DPM++ 2M Karras"), "dpm++2mkarras", "UI name");
    for (const name of ["euler-ancestral", "euler_ancestral", "eulerAncestral", "Euler Ancestral"]) {
      assert.deepEqual(registry.samplers.parse(name), { name: "euler-ancestral", params: {} }, name);
    }
    assert.deepEqual(
      registry.samplers.parse("dpm-solver:lower_order_final=false,Order=3"),
      { name: "dpm-solver", params: { order: 3, lowerOrderFinal: false } },
      "parameter keys fold too, and come back in the entry's order",
    );
    assert.deepEqual(
      registry.samplers.parse("dopri5:rtol=1e-3"),
      { name: "dopri", params: { rtol: 1e-3 } },
      "synonym",
    );
    assert.deepEqual(registry.paths.parse("linear"), { name: "rectified-flow", params: {} }, "path synonym");
  });

  it("every canonical name, synonym and alias of every family is unique once folded (the constructor checks)", () => {
    assert.throws(
      () =>
        new Registry("thing", [
          { name: "min-snr", summary: "", params: {}, build: () => 1 },
          { name: "minSnr", summary: "", params: {}, build: () => 2 },
        ]),
      /Registry\(thing\): the name "minSnr" is taken twice/,
    );
    assert.throws(
      () => new Registry("thing", [{ name: "a:b", summary: "", params: {}, build: () => 1 }]),
      /"a:b" is not a usable name/,
    );
    for (const [family, r] of FAMILIES) {
      const keys = r.entries
        .flatMap((e) => [e.name, ...(e.synonyms ?? [])])
        .concat(r.aliases.map((a) => a.name));
      assert.equal(new Set(keys.map(nameKey)).size, keys.length, `${family}: folded names are unique`);
    }
  });

  it("names of other tools that fold to a canonical name are that name (docs list them as such)", () => {
    for (const [, name, canonical] of SAMPLER_NAMES_THAT_ARE_CANONICAL) {
      assert.equal(registry.samplers.entry(name)?.name, canonical, `${name} is ${canonical}`);
    }
  });

  it("the canonical text of any choice reads back to the same choice (every entry, random parameters)", () => {
    for (const [family, r] of FAMILIES) {
      for (const entry of r.entries) {
        const params = fc.record(
          Object.fromEntries(Object.entries(entry.params).map(([k, p]) => [k, arbitraryValue(p)])),
          { requiredKeys: [] },
        );
        fc.assert(
          fc.property(params, (p) => {
            const choice: Choice = { name: entry.name, params: p as Record<string, ParamValue> };
            const text = r.format(choice);
            const back = r.parse(text);
            assert.deepEqual(back, r.check(choice), `${family}: ${text}`);
            assert.equal(r.format(back), text, `${family}: ${text} is canonical`);
          }),
          { numRuns: 25, seed: 7 },
        );
      }
    }
  });

  it("every entry builds with its defaults, and every alias resolves to entries with known parameters", () => {
    const path = affinePath(vpSchedule());
    for (const e of registry.samplers.entries) {
      const s = registry.samplers.build(e.name, undefined);
      assert.equal(typeof s.step, "function", `${e.name} is a sampler`);
    }
    for (const e of registry.grids.entries) {
      const g = registry.grids.build(e.name, { path, steps: 5 });
      assert.ok(g.times.length >= 5, `${e.name} is a grid of 5 steps`);
    }
    for (const e of registry.paths.entries)
      assert.ok(registry.paths.build(e.name, undefined).schedule, e.name);
    for (const e of registry.kinds.entries)
      assert.equal(registry.kinds.build(e.name, undefined), e.name, e.name);
    for (const a of registry.samplers.aliases) {
      for (const text of [a.name, ...(a.examples ?? [])]) {
        const r = registry.samplers.resolve(text);
        assert.deepEqual(registry.samplers.check(r.choice), r.choice, `${text}: a checked canonical choice`);
        if (r.grid !== undefined) registry.grids.build(r.grid, { path, steps: 4 });
        assert.equal(typeof samplerByName(text).sampler.step, "function", `${text} builds`);
      }
    }
  });

  it("samplerByName returns the grid a name implies as a grid function on any path", () => {
    const path = affinePath(vpSchedule());
    const named = samplerByName("DPM++ 2M Karras");
    assert.ok(named.grid !== undefined, "the name implies a grid");
    assert.deepEqual(named.grid(path, 7).times, karrasGrid(path, 7).times, "the Karras grid");
    assert.equal(samplerByName("heun").grid, undefined, "a canonical name implies none");
  });

  it("errors name the function or flag, the problem and the fix", () => {
    const r = registry.samplers;
    assert.throws(
      () => r.parse("eular", "--sampler"),
      /^RangeError: --sampler: must be one of euler, heun, .*; got "eular" — did you mean euler\?$/,
    );
    assert.throws(
      () => r.parse("dpm-solver:order=x"),
      /registry\.samplers\.parse: dpm-solver:order needs an integer, got "order=x" — e\.g\. dpm-solver:order=1/,
    );
    assert.throws(() => r.parse("rk4:order=4"), /rk4 takes no parameters; got "order=4"/);
    assert.throws(() => r.parse("euler:variable=tau"), /euler:variable needs t or sigma, got "variable=tau"/);
    assert.throws(() => r.parse("ddim:eta=1,eta=0"), /ddim:eta is given twice/);
    assert.throws(() => r.parse("dpm-solver:lowerOrderFinal=0"), /needs true, false or a positive integer/);
    assert.throws(
      () => r.parse("DPMSolverMultistepScheduler:algorithm_type=dpmsolver"),
      /DPMSolverMultistepScheduler:algorithm_type needs dpmsolver\+\+ or sde-dpmsolver\+\+/,
    );
    assert.throws(
      () => r.check({ name: "ddim", params: { eta: "x" } }),
      /ddim does not take eta = "x" \(a number\)/,
    );
    // A constructor's range check still applies (the registry checks types only).
    assert.throws(() => r.build("dpm-solver:order=5", undefined), /dpmSolverMultistep: order/);
  });
});

describe("component specs", () => {
  it("every weighting, time density and coupling rebuilds from the spec it carries (spec names fold to the registry's)", () => {
    for (const e of registry.weightings.entries) {
      const w = registry.weightings.build(e.name, undefined);
      assert.deepEqual(weightingFromSpec(w.spec).spec, w.spec, `${e.name}`);
      assert.equal(nameKey(w.spec.name), nameKey(e.name), `${e.name}: the spec name folds to the entry's`);
    }
    for (const e of registry.timeDensities.entries) {
      const d = registry.timeDensities.build(e.name, undefined);
      assert.deepEqual(timeDensityFromSpec(d.spec).spec, d.spec, `${e.name}`);
      assert.equal(nameKey(d.spec.name), nameKey(e.name), `${e.name}: the spec name folds to the entry's`);
    }
    for (const e of registry.couplings.entries) {
      const c = registry.couplings.build(e.name, undefined);
      assert.deepEqual(couplingFromSpec(c.spec).spec, c.spec, `${e.name}`);
      assert.equal(nameKey(c.spec.name), nameKey(e.name), `${e.name}: the spec name folds to the entry's`);
    }
  });

  it("a learned weighting gives the trainer its bins and learning rate; a fixed one gives none", () => {
    assert.deepEqual(adaptiveTrainingOf(registry.weightings.parse("adaptive:bins=8,lr=0.5")), {
      bins: 8,
      learningRate: 0.5,
    });
    assert.deepEqual(adaptiveTrainingOf(registry.weightings.parse("adaptive")), {
      bins: undefined,
      learningRate: undefined,
    });
    assert.equal(adaptiveTrainingOf(registry.weightings.parse("min-snr:gamma=5")), null);
  });
});

describe("docs/sampler-names.md", () => {
  it("is the table generated from the registry (run scripts/sampler-names.ts after changing a name)", () => {
    const committed = readFileSync(new URL("../../docs/sampler-names.md", import.meta.url), "utf8");
    assert.equal(committed, samplerNamesMarkdown(), "docs/sampler-names.md is up to date");
  });
});
