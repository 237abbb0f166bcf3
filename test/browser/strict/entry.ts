/** The strict-CSP page's script: samples with the library and shows the result in the page. */
import { run } from "../../../scripts/bundles/sampling.js";

const body = (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document
  .body;
run().then(
  (rows) => {
    body.dataset.result = JSON.stringify(rows.map((r) => Array.from(r)));
  },
  (err: unknown) => {
    body.dataset.error = err instanceof Error ? err.message : String(err);
  },
);
