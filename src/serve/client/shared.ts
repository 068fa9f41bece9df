// Small pieces shared by the views.
import type { CheckpointStatus } from "../../charts/specs.ts";
import { h } from "./dom.ts";

const STATUS_HELP: Record<CheckpointStatus, string> = {
  selected: "the checkpoint the rule selects",
  candidate: "meets both candidate thresholds",
  review: "misses a candidate threshold but is at or above the diversity floor",
  "below floor": "diversity below the floor: never selected",
};

export function statusBadge(status: CheckpointStatus): HTMLElement {
  return h("span", { class: `badge ${status.replace(" ", "-")}`, title: STATUS_HELP[status] }, status);
}
