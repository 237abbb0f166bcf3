/**
 * The difflux playground: five views of one Gaussian probability path, each on the exact
 * Gaussian-mixture oracle (and a network trained in the page), built on the library's public API.
 */
import { byId } from "./common.js";
import { setupKinds } from "./views/kinds.js";
import { setupLikelihood } from "./views/likelihood.js";
import { setupPaths } from "./views/paths.js";
import { setupSamplers } from "./views/samplers.js";
import { setupTrain } from "./views/train.js";

const VIEWS = ["paths", "views", "samplers", "train", "likelihood"] as const;
type View = (typeof VIEWS)[number];

const updatePaths = setupPaths();
const updateKinds = setupKinds();
const samplers = setupSamplers();
setupTrain();
setupLikelihood();

/** Each view's first drawing, run when it is first shown (canvases need their laid-out size). */
const firstShow: Record<View, (() => unknown) | undefined> = {
  paths: updatePaths,
  views: updateKinds,
  samplers: () => samplers.update(),
  train: undefined,
  likelihood: undefined,
};

function show(view: View): void {
  for (const v of VIEWS) {
    byId(`view-${v}`).hidden = v !== view;
    byId(`tab-${v}`).setAttribute("aria-selected", String(v === view));
  }
  if (view !== "samplers") samplers.cancel();
  const first = firstShow[view];
  firstShow[view] = undefined;
  first?.();
  if (location.hash !== `#${view}`) history.replaceState(null, "", `#${view}`);
}

for (const v of VIEWS) byId(`tab-${v}`).addEventListener("click", () => show(v));
const initial = location.hash.slice(1) as View;
show(VIEWS.includes(initial) ? initial : "paths");
document.body.dataset.ready = "true";
