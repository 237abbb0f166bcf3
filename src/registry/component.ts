/**
 * Named components: the one place where a sampler, grid, path, weighting, time density, coupling or
 * kind gets the name people type. A choice is written `NAME` or `NAME:key=value,key=value`
 * (`dpm-solver:order=3`, `min-snr:gamma=5`, `DPMSolverMultistepScheduler:use_karras_sigmas=true`).
 *
 * Names match after `nameKey` folding (case, spaces, "-" and "_" ignored: `euler-ancestral`,
 * `euler_ancestral`, `eulerAncestral` and "Euler Ancestral" are one name), so a registry refuses two
 * entries whose names fold alike. Parameter keys fold the same way. Besides its canonical name an entry
 * may have plain synonyms (same parameters) and a registry may have aliases: names from other tools
 * with their own parameter vocabulary, each resolved to a canonical choice (for samplers, also a grid).
 * `format` writes the canonical text of a choice, which `parse` reads back to the same choice.
 */

/** A parameter value as written after `key=`. */
export type ParamValue = number | boolean | string;

/** The type of a parameter; the component's constructor checks ranges. */
export type ParamType =
  | { readonly type: "number" }
  | { readonly type: "integer" }
  | { readonly type: "boolean" }
  | { readonly type: "choice"; readonly values: readonly string[] }
  /** true, false or a positive integer n (the samplers' lowerOrderFinal: { belowSteps: n }). */
  | { readonly type: "booleanOrInteger" };

/** A named parameter: its type and a few words for help and docs. */
export type ParamSpec = ParamType & { readonly description: string };

/** A parsed choice: the canonical name and the parameters given (typed). */
export interface Choice {
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** A resolved name: the canonical choice and, for a sampler alias that implies one, its grid. */
export interface Resolution {
  readonly choice: Choice;
  readonly grid?: Choice;
  /** The alias the text named (undefined for a canonical name or synonym). */
  readonly alias?: string;
}

/** One component: canonical name, synonyms, summary, parameters and its constructor. */
export interface Entry<T, C> {
  readonly name: string;
  /** Other names of the same thing with the same parameters (e.g. the library function's name). */
  readonly synonyms?: readonly string[];
  readonly summary: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Builds the component from checked parameters (absent ones take the constructor's defaults). */
  readonly build: (params: Readonly<Record<string, ParamValue>>, context: C) => T;
}

/** Where an alias comes from (docs group them by it). */
export type AliasSource = "diffusers" | "k-diffusion" | "ui" | "other";

/** A name from another tool, with that tool's parameters, resolved to a canonical choice. */
export interface Alias {
  readonly name: string;
  readonly source: AliasSource;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** The canonical choice (and grid) this alias means with `params`. */
  readonly resolve: (params: Readonly<Record<string, ParamValue>>) => Omit<Resolution, "alias">;
  /** A remark for the docs table (what differs, what is not reproduced). */
  readonly note?: string;
  /** Uses with parameters that resolve to another sampler (docs and tests: `sample_heun:s_churn=40`). */
  readonly examples?: readonly string[];
}

/**
 * The folded form two names must share to be the same name: lower case, without spaces, "-" and "_".
 * "DPM++ 2M Karras" → "dpm++2mkarras", "euler_ancestral" → "eulerancestral".
 */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

function describeType(p: ParamType): string {
  switch (p.type) {
    case "number":
      return "a number";
    case "integer":
      return "an integer";
    case "boolean":
      return "true or false";
    case "choice":
      return p.values.join(" or ");
    case "booleanOrInteger":
      return "true, false or a positive integer";
  }
}

function parseValue(p: ParamType, text: string): ParamValue | undefined {
  const t = text.trim();
  switch (p.type) {
    case "number":
    case "integer": {
      const x = t === "" ? Number.NaN : Number(t);
      if (!Number.isFinite(x) && !/^[+-]?inf(inity)?$/i.test(t)) return undefined;
      const value = Number.isFinite(x) ? x : t.startsWith("-") ? -Infinity : Infinity;
      return p.type === "integer" && !Number.isInteger(value) ? undefined : value;
    }
    case "boolean":
      return t === "true" ? true : t === "false" ? false : undefined;
    case "choice":
      return p.values.includes(t) ? t : undefined;
    case "booleanOrInteger": {
      if (t === "true" || t === "false") return t === "true";
      const n = Number(t);
      return t !== "" && Number.isInteger(n) && n > 0 ? n : undefined;
    }
  }
}

/** Checks a JSON value (a config file, a checkpoint record) against `p`. */
function checkValue(p: ParamType, value: unknown): ParamValue | undefined {
  if (typeof value === "string") return parseValue(p, value);
  if (typeof value === "boolean")
    return p.type === "boolean" || p.type === "booleanOrInteger" ? value : undefined;
  if (typeof value !== "number" || Number.isNaN(value)) return undefined;
  if (p.type === "number") return value;
  if (p.type === "integer") return Number.isInteger(value) ? value : undefined;
  if (p.type === "booleanOrInteger") return Number.isInteger(value) && value > 0 ? value : undefined;
  return undefined;
}

/** `{ belowSteps: n }` for an integer, the boolean itself otherwise (samplers' lowerOrderFinal). */
export function lowerOrderFinalOf(
  value: ParamValue | undefined,
): boolean | { readonly belowSteps: number } | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  return { belowSteps: Number(value) };
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const k = nameKey(word);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(k, nameKey(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * A registry of one family of components (samplers, grids, …): lookup by folded name, parsing and
 * formatting of choices, help lines and construction. `what` names the family in messages
 * ("sampler"); `label` arguments prefix error messages (the function, or a command-line flag).
 */
export class Registry<T, C = void> {
  /** The family's key in `registry` ("timeDensities" for "time density"), for default error labels. */
  readonly family: string;
  readonly #entries: readonly Entry<T, C>[];
  readonly #aliases: readonly Alias[];
  readonly #byKey = new Map<string, { entry: Entry<T, C> } | { alias: Alias }>();

  constructor(
    readonly what: string,
    entries: readonly Entry<T, C>[],
    aliases: readonly Alias[] = [],
  ) {
    const camel = what.replace(/ (\w)/g, (_, c: string) => c.toUpperCase());
    this.family = camel.endsWith("y") ? `${camel.slice(0, -1)}ies` : `${camel}s`;
    this.#entries = entries;
    this.#aliases = aliases;
    const claim = (name: string, target: { entry: Entry<T, C> } | { alias: Alias }) => {
      const key = nameKey(name);
      if (key === "" || /[:,=]/.test(name))
        throw new Error(`Registry(${what}): ${JSON.stringify(name)} is not a usable name`);
      if (this.#byKey.has(key))
        throw new Error(`Registry(${what}): the name ${JSON.stringify(name)} is taken twice`);
      this.#byKey.set(key, target);
    };
    for (const entry of entries) {
      for (const n of [entry.name, ...(entry.synonyms ?? [])]) claim(n, { entry });
    }
    for (const alias of aliases) {
      claim(alias.name, { alias });
      for (const name of Object.keys(alias.resolve({}).choice.params)) {
        if (this.entry(alias.resolve({}).choice.name)?.params[name] === undefined)
          throw new Error(`Registry(${what}): alias ${alias.name} sets the unknown parameter ${name}`);
      }
    }
  }

  /** The canonical names, in help order. */
  get names(): string[] {
    return this.#entries.map((e) => e.name);
  }

  /** Every entry, in help order. */
  get entries(): readonly Entry<T, C>[] {
    return this.#entries;
  }

  /** Every alias (names from other tools), in table order. */
  get aliases(): readonly Alias[] {
    return this.#aliases;
  }

  /** The entry named `name` (canonical name or synonym, folded), or undefined. */
  entry(name: string): Entry<T, C> | undefined {
    const hit = this.#byKey.get(nameKey(name));
    return hit !== undefined && "entry" in hit ? hit.entry : undefined;
  }

  /** True when `name` (folded) is a canonical name, synonym or alias of this registry. */
  has(name: string): boolean {
    return this.#byKey.has(nameKey(name));
  }

  /**
   * Resolves `text` (`NAME` or `NAME:key=value,…`): a canonical name or synonym gives its choice; an
   * alias gives the canonical choice it stands for (and its grid). Throws a RangeError starting with
   * `label` that names what is wrong and lists what is accepted.
   */
  resolve(text: string, label = `registry.${this.family}.resolve`): Resolution {
    if (typeof text !== "string")
      throw new TypeError(`${label}: must be a ${this.what} name (a string), got ${JSON.stringify(text)}`);
    const colon = text.indexOf(":");
    const name = (colon < 0 ? text : text.slice(0, colon)).trim();
    const rest = colon < 0 ? "" : text.slice(colon + 1);
    const hit = this.#byKey.get(nameKey(name));
    if (hit === undefined) {
      const guess = closest(name, [...this.names, ...this.#aliases.map((a) => a.name)]);
      throw new RangeError(
        `${label}: must be one of ${this.names.join(", ")}${this.#aliases.length > 0 ? " (or a name from another tool, see the docs)" : ""}; got ${JSON.stringify(name)}${guess === undefined ? "" : ` — did you mean ${guess}?`}`,
      );
    }
    const [shown, specs] =
      "entry" in hit ? [hit.entry.name, hit.entry.params] : [hit.alias.name, hit.alias.params];
    const params = this.#parseParams(label, shown, rest, specs);
    if ("entry" in hit) return { choice: { name: hit.entry.name, params: this.#ordered(hit.entry, params) } };
    const r = hit.alias.resolve(params);
    return { ...r, alias: hit.alias.name };
  }

  /** The canonical choice of `text` (see `resolve`; an alias's grid is dropped). */
  parse(text: string, label = `registry.${this.family}.parse`): Choice {
    return this.resolve(text, label).choice;
  }

  /**
   * Checks a choice given as JSON (`{ name, params }`, e.g. read back from a run record) and returns
   * it in canonical form; throws like `resolve`.
   */
  check(choice: unknown, label = `registry.${this.family}.check`): Choice {
    const c = choice as { name?: unknown; params?: unknown } | null;
    if (c === null || typeof c !== "object" || typeof c.name !== "string")
      throw new TypeError(`${label}: must be { name, params }, got ${JSON.stringify(choice)}`);
    const entry = this.entry(c.name);
    if (entry === undefined) return this.parse(c.name, label);
    const params: Record<string, ParamValue> = {};
    const given = (c.params ?? {}) as Record<string, unknown>;
    if (given === null || typeof given !== "object")
      throw new TypeError(`${label}: params must be an object, got ${JSON.stringify(c.params)}`);
    for (const [key, value] of Object.entries(given)) {
      const name = this.#paramName(entry.params, key);
      const spec = name === undefined ? undefined : entry.params[name];
      const v = spec === undefined ? undefined : checkValue(spec, value);
      if (name === undefined || v === undefined)
        throw new RangeError(
          `${label}: ${entry.name} does not take ${key} = ${JSON.stringify(value)}${name === undefined ? "" : ` (${describeType(spec!)})`}`,
        );
      params[name] = v;
    }
    return { name: entry.name, params: this.#ordered(entry, params) };
  }

  /** The canonical text of a choice: `NAME` or `NAME:key=value,…` in the entry's parameter order. */
  format(choice: Choice): string {
    const entry = this.entry(choice.name);
    const keys =
      entry === undefined ? Object.keys(choice.params) : Object.keys(this.#ordered(entry, choice.params));
    if (keys.length === 0) return entry?.name ?? choice.name;
    const text = (v: ParamValue) => (Object.is(v, -0) ? "-0" : String(v));
    return `${entry?.name ?? choice.name}:${keys.map((k) => `${k}=${text(choice.params[k]!)}`).join(",")}`;
  }

  /** Builds the component of a choice (or of a text, resolved first). */
  build(choice: Choice | string, context: C, label = `registry.${this.family}.build`): T {
    const c = typeof choice === "string" ? this.parse(choice, label) : this.check(choice, label);
    return this.entry(c.name)!.build(c.params, context);
  }

  /** Help lines: "  NAME:key=…  summary", one per entry. */
  help(): string {
    const heads = this.#entries.map((e) => {
      const keys = Object.keys(e.params);
      return keys.length > 0 ? `${e.name}:${keys.map((p) => `${p}=…`).join(",")}` : e.name;
    });
    const width = Math.min(40, Math.max(...heads.map((h) => h.length)));
    return this.#entries
      .map((e, k) => {
        const head = heads[k]!;
        return head.length > width
          ? `  ${head}\n  ${"".padEnd(width)}  ${e.summary}`
          : `  ${head.padEnd(width)}  ${e.summary}`;
      })
      .join("\n");
  }

  #paramName(specs: Readonly<Record<string, ParamSpec>>, key: string): string | undefined {
    const k = nameKey(key);
    return Object.keys(specs).find((name) => nameKey(name) === k);
  }

  #ordered(entry: Entry<T, C>, params: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const name of Object.keys(entry.params)) if (params[name] !== undefined) out[name] = params[name]!;
    return out;
  }

  #parseParams(
    label: string,
    name: string,
    rest: string,
    specs: Readonly<Record<string, ParamSpec>>,
  ): Record<string, ParamValue> {
    const keys = Object.keys(specs);
    const params: Record<string, ParamValue> = {};
    for (const part of rest.trim() === "" ? [] : rest.split(",")) {
      const eq = part.indexOf("=");
      const key = (eq < 0 ? part : part.slice(0, eq)).trim();
      const spec = this.#paramName(specs, key);
      if (spec === undefined) {
        throw new RangeError(
          keys.length === 0
            ? `${label}: ${name} takes no parameters; got ${JSON.stringify(part)}`
            : `${label}: ${name} takes ${keys.join(", ")}; got ${JSON.stringify(key)} — e.g. ${name}:${keys[0]}=${example(specs[keys[0]!]!)}`,
        );
      }
      const value = eq < 0 ? undefined : parseValue(specs[spec]!, part.slice(eq + 1));
      if (value === undefined) {
        throw new RangeError(
          `${label}: ${name}:${spec} needs ${describeType(specs[spec]!)}, got ${JSON.stringify(part)} — e.g. ${name}:${spec}=${example(specs[spec]!)}`,
        );
      }
      if (params[spec] !== undefined)
        throw new RangeError(`${label}: ${name}:${spec} is given twice in ${JSON.stringify(rest)}`);
      params[spec] = value;
    }
    return params;
  }
}

function example(p: ParamType): string {
  switch (p.type) {
    case "choice":
      return p.values[0]!;
    case "boolean":
    case "booleanOrInteger":
      return "true";
    default:
      return "1";
  }
}
