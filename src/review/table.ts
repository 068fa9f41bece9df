// Reading a checkpoint review table from a JSON or CSV file into validated rows (evaluate.ts's
// CheckpointRow). Every problem is an InputError naming the file, the row (and CSV line), the field, what
// was expected and what was found; nothing half-read is returned.
//
// Forms accepted:
//   JSON  an array of rows, or { "checkpoints": [rows] }; a row is
//         { "epoch": 30, "quality": 0.68, "diversity": 0.60, "note": "...", "failure": "..." }
//   CSV   a header naming the columns (any order, case-insensitive), then one row per line; RFC 4180
//         quoting, so notes may hold commas, quotes and line breaks.
// The form follows the extension (.json, .csv); for any other extension the content decides: text whose
// first non-blank character is "[" or "{" is JSON, anything else CSV. Rows are numbered from 1 in file
// order (the CSV header is not a row). Unknown fields are rejected, since a misspelt column would
// otherwise vanish silently.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
// csv-parse rather than a hand-written splitter: quoted fields with commas, doubled quotes and line
// breaks, byte-order marks and mixed line endings are exactly where small parsers go wrong, and it
// reports the line of every record, which the error messages below need. It has no dependencies.
import { CsvError } from "csv-parse";
import { parse as parseCsvText } from "csv-parse/sync";
import { InputError } from "../util/errors.ts";
import type { CheckpointRow } from "./evaluate.ts";

export type TableFormat = "json" | "csv";

/** The fields of a row: the first three are required. */
export const TABLE_FIELDS = ["epoch", "quality", "diversity", "note", "failure"] as const;
type Field = (typeof TABLE_FIELDS)[number];
const REQUIRED: readonly Field[] = ["epoch", "quality", "diversity"];

/** Read and validate the table at `path`. */
export function readTable(path: string): CheckpointRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${path}: cannot read the table (${reason})`, { file: path, cause: error });
  }
  return parseTable(text, path);
}

/** The form of a table file: by extension, else by its first non-blank character. */
export function detectFormat(file: string, text: string): TableFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  const first = stripBom(text).trimStart()[0];
  return first === "[" || first === "{" ? "json" : "csv";
}

/** Parse and validate table text; `file` names it in errors. */
export function parseTable(text: string, file: string, format = detectFormat(file, text)): CheckpointRow[] {
  const records = format === "json" ? jsonRecords(stripBom(text), file) : csvRecords(text, file);

  // each row on its own, then the table as a whole
  const rows: CheckpointRow[] = [];
  const rowOfEpoch = new Map<number, number>();
  for (const record of records) {
    const row = toRow(record, file);
    const earlier = rowOfEpoch.get(row.epoch);
    if (earlier !== undefined)
      fail(file, record, `duplicate epoch ${row.epoch} (also row ${earlier})`, row.epoch);
    rowOfEpoch.set(row.epoch, record.index);
    rows.push(row);
  }
  if (rows.length === 0)
    throw new InputError(`${file}: the table has no rows; expected at least one checkpoint`, { file });
  return rows;
}

/** One row as found in the file, before validation. */
interface RawRecord {
  /** 1-based row number in file order. */
  index: number;
  /** CSV only: the line the row starts on. */
  line?: number;
  /** Field values: JSON values, or CSV cells (trimmed strings). */
  values: Record<string, unknown>;
  /** True for CSV, whose cells are text to be parsed. */
  text: boolean;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function jsonRecords(text: string, file: string): RawRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: malformed JSON: ${jsonErrorDetail(error, text)}`, { file, cause: error });
  }

  // the two accepted shapes: [rows] or { "checkpoints": [rows] }
  const shape = 'expected an array of rows or { "checkpoints": [rows] }';
  let list: unknown;
  if (Array.isArray(value)) list = value;
  else if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const extra = keys.filter((k) => k !== "checkpoints");
    if (extra.length > 0 || !keys.includes("checkpoints"))
      throw new InputError(
        `${file}: ${shape}, got an object with ${keys.length === 0 ? "no fields" : `field ${quoteList(keys)}`}`,
        { file },
      );
    list = (value as { checkpoints: unknown }).checkpoints;
    if (!Array.isArray(list))
      throw new InputError(
        `${file}: field 'checkpoints' must be an array of rows, got ${describeJson(list)}`,
        {
          file,
        },
      );
  } else throw new InputError(`${file}: ${shape}, got ${describeJson(value)}`, { file });

  return (list as unknown[]).map((item, i) => {
    if (item === null || typeof item !== "object" || Array.isArray(item))
      throw new InputError(
        `${file}: row ${i + 1}: expected an object with fields ${REQUIRED.join(", ")}, got ${describeJson(item)}`,
        { file },
      );
    return { index: i + 1, values: item as Record<string, unknown>, text: false };
  });
}

/**
 * Node's JSON.parse message with a position turned into a line and column; messages without a position
 * keep V8's excerpt of the text near the problem, on one line.
 */
export function jsonErrorDetail(error: unknown, text: string): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*[\r\n]+\s*/g, " ");
  const position = /in JSON at position (\d+)/.exec(message);
  if (position === null) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${message.slice(0, position.index).trimEnd()} at line ${line}, column ${column}`;
}

function csvRecords(text: string, file: string): RawRecord[] {
  // every record, and the line each one ends on; empty lines come back as [""] and are skipped below
  let parsed: string[][];
  const endLines: number[] = [];
  try {
    parsed = parseCsvText(text, {
      bom: true,
      relax_column_count: true,
      record_delimiter: ["\r\n", "\n", "\r"],
      on_record: (cells, context) => {
        endLines.push(context.lines);
        return cells;
      },
    });
  } catch (error) {
    const detail = error instanceof CsvError ? error.message : String(error);
    throw new InputError(`${file}: malformed CSV: ${detail}`, { file, cause: error });
  }
  const located = parsed.map((cells, i) => ({
    cells: cells.map((c) => c.trim()),
    // a record starts on the line after the previous record ended (quoted line breaks span lines)
    line: (i === 0 ? 0 : endLines[i - 1]!) + 1,
  }));
  const nonEmpty = located.filter(({ cells }) => !(cells.length === 1 && cells[0] === ""));

  // the header: known names, each once, the required ones present
  const header = nonEmpty[0];
  if (header === undefined)
    throw new InputError(`${file}: empty file; expected a CSV header (${TABLE_FIELDS.join(",")}) and rows`, {
      file,
    });
  const columns = header.cells.map((c) => c.toLowerCase());
  const unknown = columns.filter((c) => !(TABLE_FIELDS as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new InputError(
      `${file}: line ${header.line}: unknown column ${quoteList(unknown)}; valid columns: ${TABLE_FIELDS.join(", ")}`,
      { file },
    );
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
  if (repeated !== undefined)
    throw new InputError(`${file}: line ${header.line}: column '${repeated}' appears twice`, { file });
  const missing = REQUIRED.filter((f) => !columns.includes(f));
  if (missing.length > 0)
    throw new InputError(
      `${file}: line ${header.line}: missing column ${quoteList(missing)}; the header needs ${REQUIRED.join(", ")}`,
      { file },
    );

  return nonEmpty.slice(1).map(({ cells, line }, i) => {
    const record: RawRecord = { index: i + 1, line, values: {}, text: true };
    if (cells.length !== columns.length)
      fail(file, record, `has ${cells.length} fields, the header has ${columns.length}`);
    columns.forEach((c, k) => {
      // an empty cell is an absent value
      if (cells[k] !== "") record.values[c] = cells[k];
    });
    return record;
  });
}

/** Validate one record into a row; the first problem found is thrown. */
function toRow(record: RawRecord, file: string): CheckpointRow {
  const unknown = Object.keys(record.values).filter((k) => !(TABLE_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    fail(file, record, `unknown field ${quoteList(unknown)}; valid fields: ${TABLE_FIELDS.join(", ")}`);

  const epoch = readEpoch(record, file);
  const row: CheckpointRow = {
    epoch,
    quality: readScore(record, file, "quality", epoch),
    diversity: readScore(record, file, "diversity", epoch),
  };
  for (const field of ["note", "failure"] as const) {
    const value = record.values[field];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string")
      fail(file, record, `field '${field}' must be text, got ${describeJson(value)}`, epoch);
    row[field] = value;
  }
  return row;
}

/** A decimal number as written in a CSV cell: no NaN, Infinity, hex or blanks (Number() accepts those). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readEpoch(record: RawRecord, file: string): number {
  const value = record.values["epoch"];
  const expected = "field 'epoch' must be an integer >= 0";
  if (value === undefined) fail(file, record, "field 'epoch' is missing");
  const epoch = record.text ? (/^\+?\d+$/.test(String(value)) ? Number(value) : Number.NaN) : value;
  if (typeof epoch !== "number" || !Number.isSafeInteger(epoch) || epoch < 0)
    fail(file, record, `${expected}, got ${shown(record, value)}`);
  return epoch;
}

function readScore(record: RawRecord, file: string, field: "quality" | "diversity", epoch: number): number {
  const value = record.values[field];
  if (value === undefined) fail(file, record, `field '${field}' is missing`, epoch);
  const score = record.text ? (DECIMAL.test(String(value)) ? Number(value) : Number.NaN) : value;
  if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 1)
    fail(file, record, `field '${field}' must be a number in [0, 1], got ${shown(record, value)}`, epoch);
  return score;
}

/** The value as found: a CSV cell in quotes, a JSON value as JSON (strings marked as text). */
function shown(record: RawRecord, value: unknown): string {
  return record.text ? `'${String(value)}'` : describeJson(value);
}

function describeJson(value: unknown): string {
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(", ");
}

function fail(file: string, record: RawRecord, problem: string, epoch?: number): never {
  const context = [
    ...(record.line === undefined ? [] : [`line ${record.line}`]),
    ...(epoch === undefined ? [] : [`epoch ${epoch}`]),
  ];
  const where = `row ${record.index}${context.length > 0 ? ` (${context.join(", ")})` : ""}`;
  throw new InputError(`${file}: ${where}: ${problem}`, { file });
}
