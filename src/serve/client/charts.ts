// Interactive charts: the Vega-Lite specs of src/charts/specs.ts (the same ones the static report renders
// to SVG) compiled in the page and drawn as SVG. This module holds vega and vega-lite, most of the
// script's bytes, and is loaded on demand after the filmstrip is on screen.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { FOCUS_PARAM } from "../../charts/specs.ts";

export interface ChartHandle {
  /** Move the focused-epoch marker without re-rendering. */
  setFocus(epoch: number): void;
  destroy(): void;
}

/** Draw `spec` into `el`; clicking a mark that carries an epoch calls `onPick` with it. */
export async function mountChart(
  el: HTMLElement,
  spec: TopLevelSpec,
  onPick?: (epoch: number) => void,
): Promise<ChartHandle> {
  const view = new View(parse(compile(spec).spec), { renderer: "svg", container: el, hover: true });
  if (onPick) {
    view.addEventListener("click", (_event, item) => {
      const datum: unknown = item?.datum;
      if (
        datum !== null &&
        typeof datum === "object" &&
        "epoch" in datum &&
        typeof datum.epoch === "number"
      ) {
        onPick(Math.round(datum.epoch));
      }
    });
  }
  await view.runAsync();
  return {
    setFocus: (epoch) => {
      view.signal(FOCUS_PARAM, epoch);
      void view.runAsync();
    },
    destroy: () => view.finalize(),
  };
}
