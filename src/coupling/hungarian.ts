/**
 * Exact minibatch optimal transport between two point clouds: the linear assignment problem
 * min_π Σᵢ C_{i,π(i)} over injections π of rows into columns (n ≤ m), solved by the Hungarian method in
 * Jonker & Volgenant's shortest-augmenting-path form (Kuhn 1955; Jonker & Volgenant 1987, "A shortest
 * augmenting path algorithm for dense and sparse linear assignment problems").
 *
 * Duals: column prices v and implicit row prices uᵢ = C_{i,col(i)} − v_{col(i)}. Invariant: every
 * assigned row's column minimizes its reduced cost Cᵢⱼ − vⱼ (so reduced costs Cᵢⱼ − uᵢ − vⱼ ≥ 0, = 0 on
 * assigned pairs), and unassigned columns keep vⱼ = 0 when n < m. Phases:
 *   1. start: vⱼ = minᵢ Cᵢⱼ (square problems), and every row takes its cheapest reduced column if free;
 *   2. augmenting row reduction (square problems, two passes; see `augmentingRowReduction`);
 *   3. for each row still free, Dijkstra over columns on reduced costs to the nearest free column,
 *      prices of the scanned columns raised by their distance deficit, and augmentation along the path.
 * Optimality follows from complementary slackness. Costs are float64; the result is exact up to the
 * rounding of path lengths. O(n²·m) worst case.
 */
import { checkCost } from "./cost.js";

/** An optimal assignment: `assignment[i]` is the column matched to row i; `cost` its total. */
export interface Assignment {
  readonly assignment: Int32Array;
  readonly cost: number;
}

/**
 * Solves the linear assignment problem for an n × m cost matrix (row-major, n ≤ m): every row gets a
 * distinct column, minimizing Σᵢ cost[i, assignment[i]] (file header). Exact OT with uniform
 * marginals is the plan (1/n)·[j = assignment[i]] (Birkhoff–von Neumann). Singular points: none
 * (ties resolve to one of the optimal assignments).
 */
export function linearAssignment(cost: Float64Array, n: number, m: number = n): Assignment {
  const fn = "linearAssignment";
  checkCost(fn, cost, n, m);
  if (n > m) throw new RangeError(`${fn}: n = ${n} rows exceed m = ${m} columns; transpose the cost matrix`);
  const v = new Float64Array(m);
  const rowOf = new Int32Array(m).fill(-1);
  const colOf = new Int32Array(n).fill(-1);
  // 1. Start. With n < m a column may stay unmatched, which needs vⱼ = 0 there: prices start at 0.
  if (n === m) {
    v.fill(Number.POSITIVE_INFINITY);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) v[j] = Math.min(v[j]!, cost[i * m + j]!);
  }
  let free: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * m;
    let best = Number.POSITIVE_INFINITY;
    let arg = 0;
    for (let j = 0; j < m; j++) {
      const reduced = cost[base + j]! - v[j]!;
      if (reduced < best || (reduced === best && rowOf[arg]! >= 0 && rowOf[j]! < 0)) {
        best = reduced;
        arg = j;
      }
    }
    if (rowOf[arg]! < 0) {
      rowOf[arg] = i;
      colOf[i] = arg;
    } else {
      free.push(i);
    }
  }
  // 2. Augmenting row reduction.
  if (n === m && free.length > 0) free = augmentingRowReduction(cost, n, v, rowOf, colOf, free);
  // 3. Shortest augmenting paths.
  const dist = new Float64Array(m);
  const pred = new Int32Array(m);
  const scanned = new Uint8Array(m);
  const order = new Int32Array(m);
  for (const start of free) {
    const base = start * m;
    let next = -1;
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j < m; j++) {
      dist[j] = cost[base + j]! - v[j]!;
      pred[j] = start;
      if (dist[j]! < best) {
        best = dist[j]!;
        next = j;
      }
    }
    scanned.fill(0);
    let count = 0;
    let mu = best;
    let end = -1;
    for (;;) {
      // Scan the closest column; stop at a free one.
      const j = next;
      mu = dist[j]!;
      scanned[j] = 1;
      order[count++] = j;
      const i = rowOf[j]!;
      if (i < 0) {
        end = j;
        break;
      }
      // Relax through its row i (reduced costs against uᵢ = Cᵢⱼ − vⱼ), tracking the next closest column.
      const bi = i * m;
      const h = cost[bi + j]! - v[j]! - mu;
      best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < m; k++) {
        if (scanned[k]) continue;
        const d = cost[bi + k]! - v[k]! - h;
        if (d < dist[k]!) {
          dist[k] = d;
          pred[k] = i;
        }
        if (dist[k]! < best) {
          best = dist[k]!;
          next = k;
        }
      }
    }
    // Price update: scanned columns get their deficit, which makes the new path tight.
    for (let k = 0; k < count; k++) {
      const j = order[k]!;
      v[j]! += dist[j]! - mu;
    }
    // Augment along the predecessors back to the start row.
    let j = end;
    for (;;) {
      const i = pred[j]!;
      const previous = colOf[i]!;
      rowOf[j] = i;
      colOf[i] = j;
      if (i === start) break;
      j = previous;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * m + colOf[i]!]!;
  return { assignment: colOf, cost: total };
}

/**
 * Jonker & Volgenant's augmenting row reduction (1987, two passes) for a square problem: each free
 * row takes the column of its smallest reduced cost Cᵢⱼ − vⱼ, lowering vⱼ by the gap to its second
 * smallest so that the column stays its minimum, and evicts the previous owner (re-queued at once when
 * the gap was positive). Keeps the invariant of the file header. Updates v, rowOf and colOf; returns
 * the rows still free. At most 8·n immediate re-queues per pass.
 */
function augmentingRowReduction(
  cost: Float64Array,
  n: number,
  v: Float64Array,
  rowOf: Int32Array,
  colOf: Int32Array,
  pending: readonly number[],
): number[] {
  let free = [...pending];
  for (let pass = 0; pass < 2 && free.length > 0; pass++) {
    const queue = free;
    const next: number[] = [];
    let budget = 8 * n;
    let k = 0;
    while (k < queue.length) {
      const i = queue[k++]!;
      const base = i * n;
      let m1 = Number.POSITIVE_INFINITY;
      let m2 = Number.POSITIVE_INFINITY;
      let j1 = 0;
      let j2 = -1;
      for (let j = 0; j < n; j++) {
        const r = cost[base + j]! - v[j]!;
        if (r < m2) {
          if (r < m1) {
            m2 = m1;
            j2 = j1;
            m1 = r;
            j1 = j;
          } else {
            m2 = r;
            j2 = j;
          }
        }
      }
      let evicted = rowOf[j1]!;
      if (m1 < m2) v[j1]! -= m2 - m1;
      else if (evicted >= 0 && j2 >= 0) {
        j1 = j2;
        evicted = rowOf[j2]!;
      }
      rowOf[j1] = i;
      colOf[i] = j1;
      if (evicted >= 0) {
        colOf[evicted] = -1;
        if (m1 < m2 && budget-- > 0) queue[--k] = evicted;
        else next.push(evicted);
      }
    }
    free = next;
  }
  return free;
}
