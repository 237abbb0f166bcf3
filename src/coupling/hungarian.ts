/**
 * Exact minibatch optimal transport between two equal-size point clouds: the linear assignment
 * problem min_π Σᵢ C_{i,π(i)} over permutations π, solved by the Hungarian method in its
 * shortest-augmenting-path form with dual potentials (Kuhn 1955; Jonker & Volgenant 1987; the O(n²m)
 * formulation of e.g. Burkard, Dell'Amico & Martello, "Assignment Problems", §4.4).
 *
 * Invariant: dual potentials u (rows), v (columns) with reduced costs Cᵢⱼ − uᵢ − vⱼ ≥ 0 and = 0 on
 * assigned pairs. Each row is inserted by a Dijkstra-like search over reduced costs for the cheapest
 * augmenting path, updating the potentials by the path length; optimality follows from complementary
 * slackness. Costs are float64; the solution is exact up to float64 rounding of the path lengths.
 */
import { checkCost } from "./cost.js";

/** An optimal assignment: `assignment[i]` is the column matched to row i; `cost` its total. */
export interface Assignment {
  readonly assignment: Int32Array;
  readonly cost: number;
}

/**
 * Solves the linear assignment problem for an n × m cost matrix (row-major, n ≤ m): every row gets a
 * distinct column, minimizing Σᵢ cost[i, assignment[i]]. O(n²·m) time, O(m) extra memory.
 * Exact OT with uniform marginals: the plan is (1/n)·[j = assignment[i]] (Birkhoff–von Neumann).
 * Singular points: none (ties resolve to one of the optimal assignments).
 */
export function linearAssignment(cost: Float64Array, n: number, m: number = n): Assignment {
  const fn = "linearAssignment";
  checkCost(fn, cost, n, m);
  if (n > m) throw new RangeError(`${fn}: n = ${n} rows exceed m = ${m} columns; transpose the cost matrix`);
  // 1-based columns; column 0 is a virtual start column. rowOf[j] = row (1-based) assigned to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    // Insert row i: Dijkstra over columns on reduced costs.
    rowOf[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0]!;
      const base = (i0 - 1) * m - 1;
      const ui0 = u[i0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost[base + j]! - ui0 - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      // Dual update by the shortest distance found.
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // Augment along the path back to the virtual column.
    do {
      const j1 = way[j0]!;
      rowOf[j0] = rowOf[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  let total = 0;
  for (let j = 1; j <= m; j++) {
    const r = rowOf[j]!;
    if (r !== 0) {
      assignment[r - 1] = j - 1;
      total += cost[(r - 1) * m + j - 1]!;
    }
  }
  return { assignment, cost: total };
}
