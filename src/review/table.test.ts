import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../util/errors.ts";
import type { CheckpointRow } from "./evaluate.ts";
import { detectFormat, parseTable, readTable } from "./table.ts";

const dir = mkdtempSync(join(tmpdir(), "genreview-table-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Write `text` to a temporary file named `name` and return its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const EXAMPLE: CheckpointRow[] = [
  { epoch: 1, quality: 0.2, diversity: 0.8, note: "mostly noise" },
  { epoch: 10, quality: 0.45, diversity: 0.72, note: "outlines appear" },
  { epoch: 30, quality: 0.68, diversity: 0.6, note: "usable but varied" },
  { epoch: 60, quality: 0.75, diversity: 0.48, note: "possible collapse" },
];

test("the shipped example table reads the same as JSON and as CSV", () => {
  const examples = new URL("../../examples/", import.meta.url);
  assert.deepEqual(readTable(fileURLToPath(new URL("table.json", examples))), EXAMPLE);
  assert.deepEqual(readTable(fileURLToPath(new URL("table.csv", examples))), EXAMPLE);
});

test("JSON: an array or { checkpoints: [...] }; note and failure optional, empty text is absent", () => {
  const rows = [
    { epoch: 0, quality: 0, diversity: 1, failure: "noise" },
    { epoch: 5, quality: 1, diversity: 0.5, note: "" },
  ];
  const expected = [
    { epoch: 0, quality: 0, diversity: 1, failure: "noise" },
    { epoch: 5, quality: 1, diversity: 0.5 },
  ];
  assert.deepEqual(parseTable(JSON.stringify(rows), "a.json"), expected);
  assert.deepEqual(parseTable(JSON.stringify({ checkpoints: rows }), "b.json"), expected);
});

test("CSV: any column order, case-insensitive header, quoted notes, CRLF, BOM, blank lines", () => {
  const text =
    '\uFEFFDiversity, Epoch ,quality,note,failure\r\n0.80,1,0.20,"noise, mostly",\r\n\r\n' +
    '0.6,30,.68,"said ""usable""\non two lines",blur\r\n';
  assert.deepEqual(parseTable(text, "t.csv"), [
    { epoch: 1, quality: 0.2, diversity: 0.8, note: "noise, mostly" },
    { epoch: 30, quality: 0.68, diversity: 0.6, note: 'said "usable"\non two lines', failure: "blur" },
  ]);
});

test("the form follows the extension, else the first non-blank character", () => {
  assert.equal(detectFormat("t.json", "epoch,quality"), "json");
  assert.equal(detectFormat("t.CSV", "[]"), "csv");
  assert.equal(detectFormat("t.txt", '  \n [{"epoch": 1}]'), "json");
  assert.equal(detectFormat("t", "{}"), "json");
  assert.equal(detectFormat("t.tsv", "epoch,quality,diversity"), "csv");
  assert.deepEqual(parseTable("epoch,quality,diversity\n3,0.5,0.5\n", "scores.txt"), [
    { epoch: 3, quality: 0.5, diversity: 0.5 },
  ]);
});

/** Assert that reading `text` as `name` fails with exactly `message` (after the file path). */
function rejects(name: string, text: string, message: string): void {
  const path = file(name, text);
  assert.throws(
    () => readTable(path),
    (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.equal(error.message, `${path}: ${message}`);
      assert.equal(error.file, path);
      return true;
    },
  );
}

test("an unreadable file names the file and the reason", () => {
  const missing = join(dir, "missing.json");
  assert.throws(() => readTable(missing), {
    name: "InputError",
    message: `${missing}: cannot read the table (ENOENT: no such file or directory, open '${missing}')`,
  });
  assert.throws(() => readTable(dir), /cannot read the table \(EISDIR/);
});

test("malformed JSON and CSV name the place", () => {
  rejects(
    "bad.json",
    '[{"epoch": 1, "quality": 0.2, "diversity": 0.8},\n {"epoch": 2 "quality": 0.3}]',
    "malformed JSON: Expected ',' or '}' after property value at line 2, column 14",
  );
  rejects("trailing.json", "[1,]", "malformed JSON: Unexpected token ']', \"[1,]\" is not valid JSON");
  rejects(
    "quote.csv",
    'epoch,quality,diversity\n1,"0.2,0.8\n',
    "malformed CSV: Quote Not Closed: the parsing is finished with an opening quote at line 2",
  );
  rejects(
    "fields.csv",
    "epoch,quality,diversity\n1,0.2,0.8,extra\n",
    "row 1 (line 2): has 4 fields, the header has 3",
  );
});

test("the table's shape: wrapper, rows that are not objects, empty tables", () => {
  const shape = 'expected an array of rows or { "checkpoints": [rows] }';
  rejects("wrap.json", '{"rows": []}', `${shape}, got an object with field 'rows'`);
  rejects(
    "extra.json",
    '{"checkpoints": [], "run": "a"}',
    `${shape}, got an object with field 'checkpoints', 'run'`,
  );
  rejects("scalar.json", "42", `${shape}, got 42`);
  rejects("list.json", '{"checkpoints": {}}', "field 'checkpoints' must be an array of rows, got an object");
  rejects(
    "row.json",
    "[[1, 0.5, 0.5]]",
    "row 1: expected an object with fields epoch, quality, diversity, got an array",
  );
  rejects("empty.json", "[]", "the table has no rows; expected at least one checkpoint");
  rejects(
    "wrapped-empty.json",
    '{"checkpoints": []}',
    "the table has no rows; expected at least one checkpoint",
  );
  rejects(
    "header-only.csv",
    "epoch,quality,diversity\n",
    "the table has no rows; expected at least one checkpoint",
  );
  rejects(
    "zero.csv",
    "",
    "empty file; expected a CSV header (epoch,quality,diversity,note,failure) and rows",
  );
});

test("CSV headers: unknown, repeated and missing columns", () => {
  rejects(
    "unknown.csv",
    "epoch,quality,diversity,notes\n1,0.2,0.8,x\n",
    "line 1: unknown column 'notes'; valid columns: epoch, quality, diversity, note, failure",
  );
  rejects(
    "twice.csv",
    "epoch,quality,diversity,Quality\n1,0.2,0.8,0.3\n",
    "line 1: column 'quality' appears twice",
  );
  rejects(
    "missing.csv",
    "epoch,quality\n1,0.2\n",
    "line 1: missing column 'diversity'; the header needs epoch, quality, diversity",
  );
});

test("fields: missing, non-numeric, out of range, NaN, bad epochs, unknown, duplicates", () => {
  const head = "epoch,quality,diversity\n1,0.2,0.8\n";
  rejects(
    "range.csv",
    `${head}10,0.45,0.72\n30,1.4,0.6\n`,
    "row 3 (line 4, epoch 30): field 'quality' must be a number in [0, 1], got '1.4'",
  );
  rejects(
    "neg.csv",
    `${head}10,0.45,-0.1\n`,
    "row 2 (line 3, epoch 10): field 'diversity' must be a number in [0, 1], got '-0.1'",
  );
  rejects(
    "nan.csv",
    `${head}10,NaN,0.72\n`,
    "row 2 (line 3, epoch 10): field 'quality' must be a number in [0, 1], got 'NaN'",
  );
  rejects(
    "inf.csv",
    `${head}10,0.5,Infinity\n`,
    "row 2 (line 3, epoch 10): field 'diversity' must be a number in [0, 1], got 'Infinity'",
  );
  rejects(
    "text.csv",
    `${head}10,abc,0.72\n`,
    "row 2 (line 3, epoch 10): field 'quality' must be a number in [0, 1], got 'abc'",
  );
  rejects(
    "hex.csv",
    `${head}10,0x1,0.72\n`,
    "row 2 (line 3, epoch 10): field 'quality' must be a number in [0, 1], got '0x1'",
  );
  rejects("blank.csv", `${head}10,,0.72\n`, "row 2 (line 3, epoch 10): field 'quality' is missing");
  rejects(
    "epoch.csv",
    `${head}1.5,0.5,0.5\n`,
    "row 2 (line 3): field 'epoch' must be an integer >= 0, got '1.5'",
  );
  rejects("noepoch.csv", `${head},0.5,0.5\n`, "row 2 (line 3): field 'epoch' is missing");
  rejects(
    "dup.csv",
    `${head}10,0.5,0.5\n1,0.3,0.7\n`,
    "row 3 (line 4, epoch 1): duplicate epoch 1 (also row 1)",
  );
  rejects(
    "qstr.json",
    '[{"epoch": 1, "quality": "0.5", "diversity": 0.8}]',
    "row 1 (epoch 1): field 'quality' must be a number in [0, 1], got the text \"0.5\"",
  );
  rejects(
    "qnan.json",
    '[{"epoch": 1, "quality": "NaN", "diversity": 0.8}]',
    "row 1 (epoch 1): field 'quality' must be a number in [0, 1], got the text \"NaN\"",
  );
  rejects(
    "qbig.json",
    '[{"epoch": 1, "quality": 1e999, "diversity": 0.8}]',
    "row 1 (epoch 1): field 'quality' must be a number in [0, 1], got Infinity",
  );
  rejects(
    "qnull.json",
    '[{"epoch": 1, "quality": null, "diversity": 0.8}]',
    "row 1 (epoch 1): field 'quality' must be a number in [0, 1], got null",
  );
  rejects("dmiss.json", '[{"epoch": 1, "quality": 0.5}]', "row 1 (epoch 1): field 'diversity' is missing");
  rejects(
    "efrac.json",
    '[{"epoch": 2.5, "quality": 0.5, "diversity": 0.5}]',
    "row 1: field 'epoch' must be an integer >= 0, got 2.5",
  );
  rejects(
    "eneg.json",
    '[{"epoch": -1, "quality": 0.5, "diversity": 0.5}]',
    "row 1: field 'epoch' must be an integer >= 0, got -1",
  );
  rejects(
    "estr.json",
    '[{"epoch": "10", "quality": 0.5, "diversity": 0.5}]',
    "row 1: field 'epoch' must be an integer >= 0, got the text \"10\"",
  );
  rejects(
    "typo.json",
    '[{"epoch": 1, "quality": 0.5, "diversity": 0.5, "qualty": 0.6}]',
    "row 1: unknown field 'qualty'; valid fields: epoch, quality, diversity, note, failure",
  );
  rejects(
    "note.json",
    '[{"epoch": 1, "quality": 0.5, "diversity": 0.5, "note": 3}]',
    "row 1 (epoch 1): field 'note' must be text, got 3",
  );
  rejects(
    "jdup.json",
    '{"checkpoints": [{"epoch": 7, "quality": 0.5, "diversity": 0.5}, {"epoch": 7, "quality": 0.6, "diversity": 0.5}]}',
    "row 2 (epoch 7): duplicate epoch 7 (also row 1)",
  );
});

test("after a CSV row spanning lines, rows are still located by the line they start on", () => {
  rejects(
    "span.csv",
    'epoch,quality,diversity,note\n1,0.2,0.8,"two\nlines"\n2,2,0.8,x\n',
    "row 2 (line 4, epoch 2): field 'quality' must be a number in [0, 1], got '2'",
  );
});
