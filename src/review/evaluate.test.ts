import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/rng.ts";
import { type CheckpointRow, EvaluationSchema, evaluateRule } from "./evaluate.ts";
import { defaultRule, parseRule, withOverrides } from "./rule.ts";

// The table of the product's documentation (examples/table.json).
const EXAMPLE: CheckpointRow[] = [
  { epoch: 1, quality: 0.2, diversity: 0.8, note: "mostly noise" },
  { epoch: 10, quality: 0.45, diversity: 0.72, note: "outlines appear" },
  { epoch: 30, quality: 0.68, diversity: 0.6, note: "usable but varied" },
  { epoch: 60, quality: 0.75, diversity: 0.48, note: "possible collapse" },
];
const EPOCH_90: CheckpointRow = { epoch: 90, quality: 0.8, diversity: 0.3 };

test("the example: statuses, eligibility and epoch 30 selected on quality", () => {
  const result = evaluateRule(EXAMPLE, defaultRule());
  assert.deepEqual(
    result.rows.map((r) => [r.epoch, r.status, r.eligible, r.selected]),
    [
      [1, "review", true, false],
      [10, "review", true, false],
      [30, "candidate", true, true],
      [60, "review", false, false],
    ],
  );
  assert.deepEqual(result.selection, {
    epoch: 30,
    reason: "epoch 30 has the highest quality (0.68) of the 3 checkpoints with diversity >= 0.55 (the floor)",
    eligible: [1, 10, 30],
    decidedBy: "quality:desc",
    tieBreakUsed: false,
    tiedWith: [],
    runnerUp: 10,
  });
  EvaluationSchema.parse(result);
});

test("reasons name each failed criterion with threshold, value and shortfall", () => {
  const rows = evaluateRule(EXAMPLE, defaultRule()).rows;
  assert.deepEqual(rows[0]!.reasons, [
    { criterion: "candidate.minQuality", field: "quality", threshold: 0.6, value: 0.2, shortfall: 0.4 },
  ]);
  assert.deepEqual(rows[2]!.reasons, []);
  assert.deepEqual(rows[3]!.reasons, [
    {
      criterion: "candidate.minDiversity",
      field: "diversity",
      threshold: 0.55,
      value: 0.48,
      shortfall: 0.07,
    },
    {
      criterion: "selection.diversityFloor",
      field: "diversity",
      threshold: 0.55,
      value: 0.48,
      shortfall: 0.07,
    },
  ]);
  assert.deepEqual(rows[1]!.lostTo, {
    to: 30,
    key: "quality:desc",
    value: 0.45,
    winnerValue: 0.68,
    gap: 0.23,
    tiedOn: [],
  });
  assert.equal(rows[3]!.lostTo, null, "a row under the floor did not compete");
});

test("adding epoch 90 (quality 0.80, diversity 0.30) leaves epoch 30 selected; 90 is 0.25 under the floor", () => {
  const result = evaluateRule([...EXAMPLE, EPOCH_90], defaultRule());
  assert.equal(result.selection.epoch, 30);
  const row90 = result.rows.find((r) => r.epoch === 90)!;
  assert.equal(row90.eligible, false);
  assert.deepEqual(
    row90.reasons.find((r) => r.criterion === "selection.diversityFloor"),
    {
      criterion: "selection.diversityFloor",
      field: "diversity",
      threshold: 0.55,
      value: 0.3,
      shortfall: 0.25,
    },
  );
});

test("a value exactly at a threshold passes it", () => {
  const result = evaluateRule([{ epoch: 5, quality: 0.6, diversity: 0.55 }], defaultRule());
  assert.equal(result.rows[0]!.status, "candidate");
  assert.equal(result.selection.epoch, 5);
  assert.equal(result.selection.reason, "epoch 5 is the only checkpoint with diversity >= 0.55 (the floor)");
  assert.equal(result.selection.decidedBy, null);
});

test("a quality tie goes to the higher diversity", () => {
  const result = evaluateRule(
    [
      { epoch: 20, quality: 0.7, diversity: 0.58 },
      { epoch: 30, quality: 0.7, diversity: 0.6 },
      { epoch: 40, quality: 0.65, diversity: 0.9 },
    ],
    defaultRule(),
  );
  assert.equal(result.selection.epoch, 30);
  assert.equal(result.selection.decidedBy, "diversity:desc");
  assert.equal(result.selection.tieBreakUsed, true);
  assert.deepEqual(result.selection.tiedWith, [20]);
  assert.equal(
    result.selection.reason,
    "epochs 20 and 30 tie on quality 0.70; the tie-break diversity:desc picks epoch 30 (diversity 0.60 against 0.58 for epoch 20)",
  );
  assert.deepEqual(result.rows[0]!.lostTo?.tiedOn, ["quality:desc"]);
});

test("a tie on quality and diversity goes to the earlier epoch, or the later one when the rule says so", () => {
  const rows: CheckpointRow[] = [
    { epoch: 40, quality: 0.68, diversity: 0.6 },
    { epoch: 30, quality: 0.68, diversity: 0.6 },
    { epoch: 20, quality: 0.68, diversity: 0.58 },
  ];
  const earlier = evaluateRule(rows, defaultRule());
  assert.equal(earlier.selection.epoch, 30);
  assert.equal(earlier.selection.decidedBy, "epoch:asc");
  assert.deepEqual(earlier.selection.tiedWith, [20, 40]);
  assert.equal(
    earlier.selection.reason,
    "epochs 20, 30 and 40 tie on quality 0.68; the tie-break diversity:desc leaves epochs 30 and 40 " +
      "(diversity 0.60 against 0.58 for epoch 20), then epoch:asc picks epoch 30 (epoch 30 against 40)",
  );
  const later = evaluateRule(
    rows,
    parseRule({ selection: { tieBreak: ["diversity:desc", "epoch:desc"] } }, "r"),
  );
  assert.equal(later.selection.epoch, 40);
  const epochFirst = evaluateRule(
    rows,
    parseRule({ selection: { tieBreak: ["epoch:asc", "diversity:desc"] } }, "r"),
  );
  assert.equal(epochFirst.selection.epoch, 20, "epoch before diversity: the earliest of the quality tie");
});

test("selection needs only the floor: with a lower floor a non-candidate can be selected", () => {
  const result = evaluateRule(EXAMPLE, withOverrides(defaultRule(), { diversityFloor: 0.45 }));
  assert.equal(result.selection.epoch, 60);
  const row60 = result.rows.find((r) => r.epoch === 60)!;
  assert.equal(row60.status, "review");
  assert.equal(row60.selected, true);
  assert.deepEqual(
    row60.reasons.map((r) => r.criterion),
    ["candidate.minDiversity"],
  );
});

test("custom thresholds change status; maximizing diversity changes the choice", () => {
  const strict = evaluateRule(EXAMPLE, withOverrides(defaultRule(), { minQuality: 0.7 }));
  assert.equal(strict.rows.find((r) => r.epoch === 30)!.status, "review");
  assert.equal(strict.selection.epoch, 30, "selection does not depend on candidate status");
  const diverse = evaluateRule(
    EXAMPLE,
    parseRule({ selection: { maximize: "diversity", tieBreak: ["quality:desc", "epoch:asc"] } }, "r"),
  );
  assert.equal(diverse.selection.epoch, 1);
  assert.equal(diverse.selection.decidedBy, "diversity:desc");
});

test("no row at or above the floor: no selection, with the closest row named", () => {
  const result = evaluateRule([EXAMPLE[3]!, EPOCH_90], defaultRule());
  assert.equal(result.selection.epoch, null);
  assert.equal(
    result.selection.reason,
    "no checkpoint has diversity >= 0.55 (the floor); the highest is 0.48 at epoch 60",
  );
  assert.ok(result.rows.every((r) => !r.selected && r.lostTo === null));
  assert.equal(evaluateRule([], defaultRule()).selection.reason, "the table has no checkpoints");
});

test("the result does not depend on row order", () => {
  const rows = [...EXAMPLE, EPOCH_90, { epoch: 45, quality: 0.68, diversity: 0.6 }];
  const reference = evaluateRule(rows, defaultRule());
  const rng = new Rng(3);
  for (let trial = 0; trial < 5; trial++) {
    const shuffled = Array.from(rng.permutation(rows.length), (i) => rows[i]!);
    assert.deepEqual(evaluateRule(shuffled, defaultRule()), reference);
  }
});

test("trends: the example is one trade-off run crossing the floor at 60, a collapse pattern", () => {
  const result = evaluateRule(EXAMPLE, defaultRule());
  assert.deepEqual(result.trends, [
    {
      kind: "trade-off",
      fromEpoch: 1,
      toEpoch: 60,
      quality: { from: 0.2, to: 0.75 },
      diversity: { from: 0.8, to: 0.48 },
      collapse: true,
      floorCrossedAt: 60,
    },
  ]);
  assert.deepEqual(
    result.rows.map((r) => r.pattern),
    ["noise", "noise", "balanced", "repetition"],
  );
});

test("trends: runs split where the direction changes; a trade-off above the floor is not a collapse", () => {
  const result = evaluateRule(
    [
      { epoch: 0, quality: 0.1, diversity: 0.3 },
      { epoch: 5, quality: 0.3, diversity: 0.9 },
      { epoch: 10, quality: 0.5, diversity: 0.8 },
      { epoch: 15, quality: 0.6, diversity: 0.7 },
      { epoch: 20, quality: 0.6, diversity: 0.7 },
    ],
    defaultRule(),
  );
  assert.deepEqual(
    result.trends.map((t) => [t.kind, t.fromEpoch, t.toEpoch, t.collapse]),
    [
      ["improving", 0, 5, false],
      ["trade-off", 5, 15, false],
      ["flat", 15, 20, false],
    ],
  );
  assert.equal(result.rows[0]!.pattern, "weak");
});

test("rows that break the preconditions are refused", () => {
  assert.throws(() => evaluateRule([EXAMPLE[0]!, EXAMPLE[0]!], defaultRule()), {
    name: "InputError",
    message: "checkpoint row 2 (epoch 1): duplicate epoch 1",
  });
  assert.throws(() => evaluateRule([{ epoch: 1, quality: Number.NaN, diversity: 0.5 }], defaultRule()), {
    name: "InputError",
    message: "checkpoint row 1 (epoch 1): quality must be a number in [0, 1], got NaN",
  });
  assert.throws(() => evaluateRule([{ epoch: 1.5, quality: 0.5, diversity: 0.5 }], defaultRule()), /integer/);
});
