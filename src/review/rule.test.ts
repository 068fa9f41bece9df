import assert from "node:assert/strict";
import { test } from "node:test";
import { InputError } from "../util/errors.ts";
import {
  canonicalJson,
  defaultRule,
  describeRule,
  formatScore,
  parseRule,
  RULE_DEFAULTS,
  ruleHash,
  withOverrides,
} from "./rule.ts";

test("the default rule is RULE_DEFAULTS, resolved", () => {
  assert.deepEqual(defaultRule(), RULE_DEFAULTS);
  assert.deepEqual(parseRule({}, "rule.json"), defaultRule());
});

test("a partial rule file takes the defaults for what it leaves out", () => {
  const rule = parseRule({ selection: { diversityFloor: 0.4 } }, "rule.json");
  assert.equal(rule.selection.diversityFloor, 0.4);
  assert.equal(rule.selection.maximize, "quality");
  assert.deepEqual(rule.selection.tieBreak, ["diversity:desc", "epoch:asc"]);
  assert.deepEqual(rule.candidate, RULE_DEFAULTS.candidate);
});

test("the hash is 12 hex digits, the same for equal rules whatever their key order or origin", () => {
  const fromDefaults = ruleHash(defaultRule());
  assert.match(fromDefaults, /^[0-9a-f]{12}$/);
  const reordered = parseRule(
    {
      selection: { tieBreak: ["diversity:desc", "epoch:asc"], maximize: "quality", diversityFloor: 0.55 },
      candidate: { minDiversity: 0.55, minQuality: 0.6 },
      version: 1,
    },
    "rule.json",
  );
  assert.equal(ruleHash(reordered), fromDefaults);
  assert.equal(ruleHash(withOverrides(defaultRule(), { diversityFloor: 0.55 })), fromDefaults);
});

test("the hash changes with any threshold and with the tie-break order", () => {
  const base = ruleHash(defaultRule());
  assert.notEqual(ruleHash(withOverrides(defaultRule(), { diversityFloor: 0.5 })), base);
  assert.notEqual(ruleHash(withOverrides(defaultRule(), { minQuality: 0.61 })), base);
  assert.notEqual(
    ruleHash(parseRule({ selection: { tieBreak: ["epoch:asc", "diversity:desc"] } }, "r")),
    base,
  );
});

test("canonical JSON sorts keys at every level and keeps array order", () => {
  assert.equal(canonicalJson({ b: [2, 1], a: { d: 1, c: null } }), '{"a":{"c":null,"d":1},"b":[2,1]}');
});

test("flag overrides replace only the thresholds they name", () => {
  const rule = withOverrides(defaultRule(), { minQuality: 0.7, diversityFloor: 0.45 });
  assert.equal(rule.candidate.minQuality, 0.7);
  assert.equal(rule.candidate.minDiversity, 0.55);
  assert.equal(rule.selection.diversityFloor, 0.45);
  assert.throws(() => withOverrides(defaultRule(), { minDiversity: 1.5 }, "flags"), {
    name: "InputError",
    message: "flags: field 'candidate.minDiversity' must be a number in [0, 1], got 1.5",
  });
});

test("bad rules fail with the file, the field and what was found", () => {
  const cases: [unknown, string][] = [
    [
      { candidate: { minQuality: 1.5 } },
      "r.json: field 'candidate.minQuality' must be a number in [0, 1], got 1.5",
    ],
    [
      { selection: { diversityFloor: "0.5" } },
      "r.json: field 'selection.diversityFloor' must be a number in [0, 1], got \"0.5\"",
    ],
    [
      { candidate: { minQ: 0.5 } },
      "r.json: unknown field 'candidate.minQ'; valid fields of 'candidate': minQuality, minDiversity",
    ],
    [{ floor: 0.5 }, "r.json: unknown field 'floor'; valid fields: version, candidate, selection"],
    [{ version: 2 }, "r.json: field 'version' must be 1 (the only rule version), got 2"],
    [[], "r.json: the rule must be a JSON object, got []"],
    [
      { selection: { tieBreak: ["diversity:desc"] } },
      "r.json: field 'selection.tieBreak' must include 'epoch:asc' or 'epoch:desc' so that every tie is broken, got [\"diversity:desc\"]",
    ],
    [
      { selection: { tieBreak: ["quality:asc", "epoch:asc"] } },
      "r.json: field 'selection.tieBreak' must not rank on 'quality' again (it is already maximized), got [\"quality:asc\",\"epoch:asc\"]",
    ],
    [
      { selection: { tieBreak: ["epoch:asc", "epoch:desc"] } },
      'r.json: field \'selection.tieBreak\' must name each field at most once, got ["epoch:asc","epoch:desc"]',
    ],
    [
      { selection: { maximize: "fid" } },
      "r.json: field 'selection.maximize' must be 'quality' or 'diversity', got \"fid\"",
    ],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => parseRule(value, "r.json"),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, message);
        assert.equal(error.file, "r.json");
        return true;
      },
    );
  }
});

test("scores print with two decimals, more only when two would round them", () => {
  assert.equal(formatScore(0.2), "0.20");
  assert.equal(formatScore(0.55), "0.55");
  assert.equal(formatScore(1), "1.00");
  assert.equal(formatScore(0), "0.00");
  assert.equal(formatScore(0.549), "0.549");
  assert.equal(formatScore(0.12345), "0.12345");
});

test("the rule reads as one sentence with its thresholds and tie-breaks", () => {
  assert.equal(
    describeRule(defaultRule()),
    "candidate when quality >= 0.60 and diversity >= 0.55; selected = the highest quality among " +
      "checkpoints with diversity >= 0.55 (the floor); ties go to higher diversity, then the earlier epoch",
  );
});
