// Rendering the chart specs of specs.ts to standalone SVG in Node, for the static report: Vega-Lite is
// compiled to Vega, and a headless Vega view (renderer "none": no canvas needed) writes the SVG.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { GraphError } from "../util/errors.ts";

/** Render a Vega-Lite spec to an SVG document string (self-contained: no scripts, fonts or links). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // compile and parse first, so that a malformed spec reports what was wrong with it
  let runtime: ReturnType<typeof parse>;
  try {
    runtime = parse(compile(spec).spec);
  } catch (error) {
    throw new GraphError(
      `chart spec "${spec.description ?? "untitled"}" does not compile: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  // a view without a renderer still lays out the scenegraph; finalize releases its timers and listeners
  const view = new View(runtime, { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
