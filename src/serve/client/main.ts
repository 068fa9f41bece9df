// The dashboard page: a hash router over three views (runs list, run, compare) and the live-update
// stream that refreshes the open view when training or evaluation writes new files.
import { ApiError } from "./api.ts";
import { showCompare } from "./compare-view.ts";
import { h, replace } from "./dom.ts";
import { RunView } from "./run-view.ts";
import { showRuns } from "./runs-view.ts";

const app = document.getElementById("app")!;
const liveDot = document.getElementById("live");
let events: EventSource | undefined;
let current: RunView | undefined;

/** Listen for changes; `onChange` runs once per event (events arriving during a refresh coalesce). */
function listen(url: string, name: string, onChange: (data: { parts?: string[] }) => Promise<void>): void {
  events?.close();
  const source = new EventSource(url);
  events = source;
  let busy = false;
  let queued: string[] | undefined;
  const run = async (parts: string[]) => {
    if (busy) {
      queued = [...(queued ?? []), ...parts];
      return;
    }
    busy = true;
    try {
      await onChange({ parts });
    } catch (error) {
      console.error(error);
    }
    busy = false;
    if (queued) {
      const next = queued;
      queued = undefined;
      void run(next);
    }
  };
  source.addEventListener(name, (event) => {
    const data = JSON.parse((event as MessageEvent<string>).data) as { parts?: string[] };
    void run(data.parts ?? []);
  });
  source.onopen = () => liveDot?.classList.add("on");
  source.onerror = () => liveDot?.classList.remove("on");
}

async function route(): Promise<void> {
  current?.close();
  current = undefined;
  delete document.body.dataset["filmstrip"];
  const hash = decodeURIComponent(location.hash.slice(1)) === "" ? "/" : location.hash.slice(1);
  try {
    if (hash.startsWith("/run/")) {
      const id = decodeURIComponent(hash.slice("/run/".length));
      const view = new RunView(app, id);
      current = view;
      listen(`/api/events?run=${encodeURIComponent(id)}`, "run", (data) => view.refresh(data.parts ?? []));
      await view.open();
    } else if (hash.startsWith("/compare")) {
      const ids = new URLSearchParams(hash.split("?")[1] ?? "").getAll("run");
      events?.close();
      liveDot?.classList.remove("on");
      await showCompare(app, ids);
    } else {
      listen("/api/events", "runs", () => showRuns(app));
      await showRuns(app);
    }
  } catch (error) {
    const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    replace(
      app,
      h("div", { class: "banner error", attrs: { "data-testid": "page-error" } }, message),
      h("p", {}, h("a", { attrs: { href: "#/" } }, "back to the runs")),
    );
  }
}

window.addEventListener("hashchange", () => void route());
void route();
