/**
 * The plot frame: titles and labels that do not fit the figure shrink (down to 9 px, then end in
 * "…") instead of running off its edge, and logarithmic axes say so in their label.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { axisLabel, fitText } from "../../cli/plot/chart.js";
import { linePlot, scatterPlot } from "../../cli/plot/plots.js";
import { linearScale, logScale } from "../../cli/plot/scale.js";

/** The font size and text of the first bold text element (the title) of an SVG document. */
function titleOf(svg: string): { size: number; text: string } {
  const m = svg.match(/<text [^>]*font-size="([\d.]+)"[^>]*font-weight="bold"[^>]*>([^<]*)<\/text>/);
  assert.ok(m !== null, "the figure has a bold title");
  return { size: Number(m[1]), text: m[2]! };
}

describe("plot titles and labels", () => {
  it("keep their size when they fit, shrink to fit the width, and end in … below 9 px", () => {
    assert.deepEqual(fitText("samples", 600, 16, "bold"), { text: "samples", size: 16 }, "a short title");
    const long = "x".repeat(80);
    const fitted = fitText(long, 584, 16, "bold");
    assert.equal(fitted.text, long, "a long title is kept whole");
    assert.ok(fitted.size < 16 && fitted.size * 0.6 * 80 <= 584, `and shrinks to fit: ${fitted.size} px`);
    const huge = fitText("y".repeat(400), 584, 16, "bold");
    assert.equal(huge.size, 9, "never below 9 px");
    assert.ok(huge.text.endsWith("…") && huge.text.length * 0.6 * 9 <= 584 + 0.6 * 9, "cut with an ellipsis");
    assert.deepEqual(fitText("", 100, 12), { text: "", size: 12 }, "an empty label");
  });

  it("the sample plot of a long sampler name fits its title inside the figure", () => {
    const title = "samples: euler-ancestral:eta=1, karras:rho=7 grid, 20 steps (20 NFE) on the training path";
    const svg = scatterPlot({ title, sets: [{ label: "samples", points: new Float64Array([0, 0, 1, 1]) }] });
    const width = Number(svg.match(/<svg [^>]*width="(\d+)"/)?.[1]);
    const t = titleOf(svg);
    assert.equal(t.text, title, "the whole title is kept");
    assert.ok(t.size * 0.6 * title.length <= width - 16, `title ${t.size} px in a ${width} px figure`);
  });

  it("log axes are labelled as log scale, linear ones are not, and a label saying log is left alone", () => {
    assert.equal(axisLabel("NFE", logScale([1, 100], [0, 100])), "NFE (log scale)");
    assert.equal(axisLabel("NFE", linearScale([1, 100], [0, 100])), "NFE");
    assert.equal(axisLabel("log σ", logScale([1, 100], [0, 100])), "log σ");
    const svg = linePlot({
      title: "error vs NFE",
      xLabel: "function evaluations (NFE)",
      yLabel: "sliced W₂",
      xLog: true,
      yLog: false,
      series: [{ label: "euler", x: [4, 8, 16], y: [0.3, 0.2, 0.1] }],
    });
    assert.ok(svg.includes(">function evaluations (NFE) (log scale)<"), "the x label says log scale");
    assert.ok(svg.includes(">sliced W₂<"), "the linear y label does not");
  });
});
