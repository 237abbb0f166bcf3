/**
 * Writes docs/sampler-names.md from the registry (src/registry), so the table of sampler names is
 * spelled once: `node --import tsx scripts/sampler-names.ts` (a test checks the file is current).
 */
import { writeFileSync } from "node:fs";
import type { Alias, AliasSource, ParamSpec } from "../src/registry/component.js";
import { registry } from "../src/registry/registry.js";
import { SAMPLER_NAMES_THAT_ARE_CANONICAL, UNAVAILABLE_SAMPLER_NAMES } from "../src/registry/samplerNames.js";

const SOURCES: readonly (readonly [AliasSource, string])[] = [
  ["diffusers", "diffusers"],
  ["k-diffusion", "k-diffusion"],
  ["ui", "UI (AUTOMATIC1111, ComfyUI)"],
];

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replaceAll("|", "\\|");

function paramText(name: string, p: ParamSpec): string {
  const values = p.type === "choice" ? `: ${p.values.join(" \\| ")}` : "";
  return `${code(name)}${values} — ${cell(p.description)}`;
}

/** The canonical text an alias resolves to with its own defaults, and its grid. */
function resolved(a: Alias): { sampler: string; grid: string } {
  const r = a.resolve({});
  return {
    sampler: registry.samplers.format(r.choice),
    grid: r.grid === undefined ? "" : registry.grids.format(r.grid),
  };
}

/** The markdown of docs/sampler-names.md. */
export function samplerNamesMarkdown(): string {
  const lines: string[] = [];
  const out = (s = "") => lines.push(s);
  out("# Sampler names");
  out();
  out("<!-- Generated from src/registry by scripts/sampler-names.ts; do not edit by hand. -->");
  out();
  out(
    "Every sampler has one canonical name (`dpm-solver`), written `NAME` or `NAME:key=value,key=value` " +
      "(`dpm-solver:order=3,eta=1`). The library (`registry.samplers`, `samplerByName`) and the command line " +
      "(`--sampler`, `--samplers`) also accept the names other tools use: diffusers scheduler classes with " +
      "the configuration keys that choose the algorithm and the σ spacing, k-diffusion sampling functions " +
      "(with or without `sample_`, as ComfyUI lists them) and the sampler names of the common UIs. Names " +
      'match with case, spaces, `-` and `_` ignored ("Euler Ancestral" = `euler_ancestral` = ' +
      '`euler-ancestral`), and so do parameter keys. A name that implies a grid ("DPM++ 2M Karras", ' +
      "`use_karras_sigmas=true`) picks it; an explicit `--grid` must agree. Outputs (`--json` too) print only " +
      "canonical names, which read back to the same sampler.",
  );
  out();
  out(
    "A diffusers name maps to the same algorithm and σ spacing on the model's own path; it does not " +
      "reproduce diffusers' discrete timesteps and float32 arithmetic — `fromDiffusers(scheduler, config, " +
      "steps)` does that (docs/samplers.md). k-diffusion names step in σ̃ as k-diffusion does and are " +
      "checked against k-diffusion's own runs (test/reference).",
  );
  out();
  out("## Every difflux sampler and its names elsewhere");
  out();
  out(`| difflux | ${SOURCES.map(([, t]) => t).join(" | ")} |`);
  out(`| --- | ${SOURCES.map(() => "---").join(" | ")} |`);
  for (const entry of registry.samplers.entries) {
    const names = SOURCES.map(([source]) => {
      const aliases = registry.samplers.aliases
        .filter((a) => a.source === source && a.resolve({}).choice.name === entry.name)
        .map((a) => {
          const { sampler, grid } = resolved(a);
          const extra = [sampler === entry.name ? "" : sampler.slice(entry.name.length + 1), grid].filter(
            (x) => x,
          );
          return `${code(a.name)}${extra.length > 0 ? ` (${cell(extra.join("; "))})` : ""}`;
        });
      const examples = registry.samplers.aliases
        .filter((a) => a.source === source)
        .flatMap((a) => a.examples ?? [])
        .filter((text) => registry.samplers.resolve(text).choice.name === entry.name)
        .map(code);
      const same = SAMPLER_NAMES_THAT_ARE_CANONICAL.filter(
        ([s, , c]) => s === source && c === entry.name,
      ).map(([, n]) => `${code(n)} (same name)`);
      const all = [...aliases, ...examples, ...same];
      return all.length > 0 ? all.join(", ") : "—";
    });
    out(`| ${code(entry.name)} | ${names.join(" | ")} |`);
  }
  out();
  out("## difflux samplers");
  out();
  out("| name | what | parameters |");
  out("| --- | --- | --- |");
  for (const e of registry.samplers.entries) {
    const params = Object.entries(e.params).map(([k, p]) => paramText(k, p));
    const synonyms = e.synonyms === undefined ? "" : ` (also ${e.synonyms.map(code).join(", ")})`;
    out(
      `| ${code(e.name)}${synonyms} | ${cell(e.summary)} | ${params.length > 0 ? params.join("<br>") : "—"} |`,
    );
  }
  out();
  out("## Names from other tools");
  for (const [source, title] of SOURCES) {
    out();
    out(`### ${title}`);
    out();
    out("| name | difflux sampler | grid | parameters | note |");
    out("| --- | --- | --- | --- | --- |");
    for (const a of registry.samplers.aliases.filter((x) => x.source === source)) {
      const { sampler, grid } = resolved(a);
      const params = Object.entries(a.params).map(([k, p]) => paramText(k, p));
      out(
        `| ${code(a.name)} | ${code(sampler)} | ${grid === "" ? "yours (`--grid`)" : code(grid)} | ${params.length > 0 ? params.join("<br>") : "—"} | ${cell(a.note ?? "")} |`,
      );
    }
    for (const [s, name, canonical, note] of SAMPLER_NAMES_THAT_ARE_CANONICAL) {
      if (s === source)
        out(`| ${code(name)} | ${code(canonical)} (same name) | yours (\`--grid\`) | — | ${cell(note)} |`);
    }
  }
  out();
  out("## Names with no difflux equivalent");
  out();
  for (const [source, names] of UNAVAILABLE_SAMPLER_NAMES) {
    out(`- ${SOURCES.find(([s]) => s === source)?.[1] ?? source}: ${names}`);
  }
  out();
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = new URL("../docs/sampler-names.md", import.meta.url);
  writeFileSync(file, samplerNamesMarkdown());
  process.stdout.write(`wrote ${file.pathname}\n`);
}
