/**
 * Minibatch couplings of data and noise by name (src/coupling), and their rebuilding from the JSON
 * specs they carry (`coupling.spec`; the spec name `exactOt` folds to `exact-ot`).
 */
import {
  type Coupling,
  type CouplingSpec,
  exactOtCoupling,
  independentCoupling,
  sinkhornCoupling,
} from "../coupling/coupling.js";
import { type Entry, type ParamValue, Registry } from "./component.js";

/** Sinkhorn's regularization when none is given (cost units; moons-scale data). */
const DEFAULT_SINKHORN_REG = 0.05;

/** Every coupling entry, in help order. */
export const COUPLING_ENTRIES: readonly Entry<Coupling, void>[] = [
  {
    name: "independent",
    summary: "independent pairs (plain flow matching)",
    params: {},
    build: () => independentCoupling(),
  },
  {
    name: "exact-ot",
    synonyms: ["ot-cfm"],
    summary: "exact optimal-transport pairing per batch (OT-CFM, Tong et al. 2023)",
    params: {},
    build: () => exactOtCoupling(),
  },
  {
    name: "sinkhorn",
    summary: `entropic OT pairing, default reg = ${DEFAULT_SINKHORN_REG}`,
    params: {
      reg: { type: "number", description: `entropic regularization > 0 (default ${DEFAULT_SINKHORN_REG})` },
      tol: { type: "number", description: "marginal tolerance (default 1e-9)" },
      maxIterations: { type: "integer", description: "iteration cap (default 10000)" },
    },
    build: (p) =>
      sinkhornCoupling({
        reg: (p.reg as number | undefined) ?? DEFAULT_SINKHORN_REG,
        tol: p.tol as number | undefined,
        maxIterations: p.maxIterations as number | undefined,
      }),
  },
];

/** The coupling registry. */
export const couplingRegistry = new Registry<Coupling>("coupling", COUPLING_ENTRIES);

/** Rebuilds a coupling from its `spec` (inverse of `coupling.spec`); unknown names list the known ones. */
export function couplingFromSpec(spec: CouplingSpec): Coupling {
  const params: Record<string, ParamValue> = {};
  if (spec !== null && typeof spec === "object")
    for (const [k, v] of Object.entries(spec)) if (k !== "name") params[k] = v as ParamValue;
  return couplingRegistry.build(
    couplingRegistry.check({ name: spec?.name, params }, "couplingFromSpec: spec"),
    undefined,
  );
}
