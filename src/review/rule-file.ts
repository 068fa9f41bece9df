// Reading a selection rule from a JSON file (see rule.ts for its shape). Kept apart from rule.ts so that
// the rule library itself touches no files.
import { readFileSync } from "node:fs";
import { InputError } from "../util/errors.ts";
import { parseRule, type Rule } from "./rule.ts";
import { jsonErrorDetail } from "./table.ts";

/** Read, parse and validate the rule file at `path`; errors name the file and the field. */
export function readRuleFile(path: string): Rule {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${path}: cannot read the rule (${reason})`, { file: path, cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: malformed JSON: ${jsonErrorDetail(error, text)}`, {
      file: path,
      cause: error,
    });
  }
  return parseRule(value, path);
}
