import assert from "node:assert/strict";
import { test } from "node:test";
import { type CheckpointRow, evaluateRule } from "./evaluate.ts";
import { explain, explainSections } from "./explain.ts";
import { formatMarkdown, formatTable, formatText, ReviewResultSchema, reviewResult } from "./format.ts";
import { defaultRule, ruleHash, withOverrides } from "./rule.ts";

const EXAMPLE: CheckpointRow[] = [
  { epoch: 1, quality: 0.2, diversity: 0.8, note: "mostly noise" },
  { epoch: 10, quality: 0.45, diversity: 0.72, note: "outlines appear" },
  { epoch: 30, quality: 0.68, diversity: 0.6, note: "usable but varied" },
  { epoch: 60, quality: 0.75, diversity: 0.48, note: "possible collapse" },
];
const EPOCH_90: CheckpointRow = { epoch: 90, quality: 0.8, diversity: 0.3, failure: "repetition" };

test("the example table prints as exactly six lines", () => {
  assert.equal(
    formatTable(evaluateRule(EXAMPLE, defaultRule())),
    [
      "generation_review",
      "epoch=001 quality=0.20 diversity=0.80 status=review",
      "epoch=010 quality=0.45 diversity=0.72 status=review",
      "epoch=030 quality=0.68 diversity=0.60 status=candidate",
      "epoch=060 quality=0.75 diversity=0.48 status=review",
      "selected_epoch: 30",
    ].join("\n"),
  );
});

test("no selection prints 'selected_epoch: none' and the reason; long epochs are not cut", () => {
  const text = formatTable(evaluateRule([{ epoch: 1200, quality: 0.9, diversity: 0.549 }], defaultRule()));
  assert.equal(
    text,
    [
      "generation_review",
      "epoch=1200 quality=0.90 diversity=0.549 status=review",
      "selected_epoch: none",
      "reason: no checkpoint has diversity >= 0.55 (the floor); the highest is 0.549 at epoch 1200",
    ].join("\n"),
  );
});

test("the explanation: the selected checkpoint, each rejection with its margin, the trade-off", () => {
  const text = explain(evaluateRule([...EXAMPLE, EPOCH_90], defaultRule()));
  const lines = text.split("\n");
  assert.equal(lines[0], "Why this checkpoint");
  assert.ok(lines.includes("  epoch 30: quality 0.68, diversity 0.60, status candidate"));
  assert.ok(lines.includes("  note: usable but varied"));
  assert.ok(lines.includes("  failure: none recorded"));
  assert.ok(
    lines.includes(
      "  epoch 90: below the diversity floor: diversity 0.30 is 0.25 under the floor: a sign of repeated " +
        "outputs (also under the candidate minimum); its higher quality 0.80 does not count below the floor",
    ),
    text,
  );
  assert.ok(
    lines.includes(
      "  epoch 10: outranked on quality by epoch 30: quality 0.45 is 0.23 under 0.68; not a candidate: " +
        "quality 0.45 is 0.15 under the minimum 0.60",
    ),
  );
  assert.ok(
    lines.includes(
      "  epochs 1 -> 90: quality rose 0.20 -> 0.80 while diversity fell 0.80 -> 0.30, under the floor 0.55 " +
        "from epoch 60: a collapse pattern",
    ),
  );
  assert.ok(lines.includes("  epochs 1 and 10: low quality with high diversity: noise"));
  assert.ok(lines.includes("  epochs 60 and 90: high quality with low diversity: repeated outputs"));
  assert.ok(lines.includes(`rule ${ruleHash(defaultRule())}:`));
});

test("every rejected checkpoint appears once in the explanation", () => {
  const sections = explainSections(evaluateRule([...EXAMPLE, EPOCH_90], defaultRule()));
  const rejected = sections.find((s) => s.key === "rejected")!;
  assert.deepEqual(
    rejected.lines.map((l) => l.split(":")[0]),
    ["epoch 1", "epoch 10", "epoch 60", "epoch 90"],
  );
});

test("a selected checkpoint that is not a candidate is called provisional", () => {
  const text = explain(evaluateRule(EXAMPLE, withOverrides(defaultRule(), { diversityFloor: 0.45 })));
  assert.match(
    text,
    /not a candidate: diversity 0\.48 is 0\.07 under the minimum 0\.55; selection needs only the diversity floor, so treat this choice as provisional/,
  );
});

test("without a selection the explanation says why and what to look at", () => {
  const text = explain(evaluateRule([EXAMPLE[3]!, EPOCH_90], defaultRule()));
  assert.match(
    text,
    /\n {2}none: no checkpoint has diversity >= 0\.55 \(the floor\); the highest is 0\.48 at epoch 60\n/,
  );
  assert.match(
    text,
    /epochs 60 -> 90: quality rose 0\.75 -> 0\.80 while diversity fell 0\.48 -> 0\.30: a collapse pattern/,
  );
});

test("text with --explain is the table, a blank line, then the explanation", () => {
  const evaluation = evaluateRule(EXAMPLE, defaultRule());
  assert.equal(formatText(evaluation), formatTable(evaluation));
  assert.equal(
    formatText(evaluation, { explain: true }),
    `${formatTable(evaluation)}\n\n${explain(evaluation)}`,
  );
});

test("Markdown: a table with escaped cells, the selection and the rule with its hash", () => {
  const rows = [...EXAMPLE, { epoch: 75, quality: 0.7, diversity: 0.5, note: "a | b\nc" }];
  const md = formatMarkdown(evaluateRule(rows, defaultRule()));
  const lines = md.split("\n");
  assert.equal(lines[0], "## Checkpoint review");
  assert.ok(lines.includes("| Epoch | Quality | Diversity | Status | Selected | Note | Failure |"));
  assert.ok(lines.includes("| 30 | 0.68 | 0.60 | candidate | **selected** | usable but varied |  |"));
  assert.ok(lines.includes("| 75 | 0.70 | 0.50 | review |  | a \\| b c |  |"));
  assert.ok(md.includes("**Selected epoch: 30**: epoch 30 has the highest quality (0.68)"));
  assert.ok(md.includes(`Rule \`${ruleHash(defaultRule())}\`: candidate when quality >= 0.60`));
  assert.ok(!md.includes("Why this checkpoint"));
  const explained = formatMarkdown(evaluateRule(rows, defaultRule()), { explain: true });
  assert.ok(explained.includes("### Why this checkpoint\n\n**selected**\n\n- epoch 30: quality 0.68"));
});

test("the JSON result carries the rule, its hash, every row and the selection, and validates", () => {
  const evaluation = evaluateRule([...EXAMPLE, EPOCH_90], defaultRule());
  const result = reviewResult(evaluation, { source: "examples/table.json", toolVersion: "9.9.9" });
  const roundTrip = ReviewResultSchema.parse(JSON.parse(JSON.stringify(result)));
  assert.deepEqual(roundTrip, result);
  assert.equal(result.format, "genreview-review/1");
  assert.equal(result.ruleHash, ruleHash(result.rule));
  assert.equal(result.rows.length, 5);
  assert.equal(result.selection.epoch, 30);
  assert.equal(result.rows[4]!.failure, "repetition");
});
