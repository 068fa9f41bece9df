// The report's charts: the shared Vega-Lite specs of src/charts/specs.ts (the dashboard draws the same
// ones interactively) filled with one run's data and rendered to SVG in Node. A chart that has no data
// (no evaluation, no loss records) is left out rather than drawn empty; the page says why.
import { renderSvg } from "../charts/render.ts";
import { lossesSpec, ruleRegion, type ScorePoint, scoresSpec, tradeoffSpec } from "../charts/specs.ts";
import type { RunData } from "./collect.ts";

export interface ReportCharts {
  /** Quality and diversity per checkpoint with bootstrap intervals; null when not evaluated. */
  scores: string | null;
  /** Training losses from metrics.jsonl; null without loss records. */
  losses: string | null;
  /** Quality against diversity with the rule's candidate region; null when not evaluated. */
  tradeoff: string | null;
}

/** The evaluated checkpoints as chart points, with the rule's verdict as status. */
export function scorePoints(data: RunData): ScorePoint[] {
  return data.checkpoints.flatMap((c) =>
    c.evaluation === null
      ? []
      : [
          {
            epoch: c.epoch,
            quality: c.evaluation.scores.quality,
            diversity: c.evaluation.scores.diversity,
            status: c.status ?? undefined,
          },
        ],
  );
}

/** Render the run's charts as standalone SVG documents, marking the selected epoch. */
export async function renderReportCharts(data: RunData): Promise<ReportCharts> {
  const points = scorePoints(data);
  const focusEpoch = data.decision?.review.selection.epoch ?? undefined;
  const options = { focusEpoch };
  const hasLosses = data.metrics.some((r) => r.key.startsWith("loss/") && r.value !== null);
  const region = data.decision === null ? undefined : ruleRegion(data.decision.review.rule);
  return {
    scores: points.length === 0 ? null : await renderSvg(scoresSpec(points, options)),
    losses: hasLosses ? await renderSvg(lossesSpec(data.metrics, options)) : null,
    tradeoff: points.length === 0 ? null : await renderSvg(tradeoffSpec(points, region, options)),
  };
}
