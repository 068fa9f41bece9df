// The declared checkpoint-selection rule: its shape (a zod schema), its defaults (RULE_DEFAULTS, the one
// object that the library, the CLI's help and the docs all read), its hash, and its one-line wording.
// The rule is data: evaluate.ts applies it, nothing else decides which checkpoint is kept.
//
// Legend: q = quality score, d = diversity score, both in [0, 1], higher is better;
//   candidate     a checkpoint good enough to ship on both axes (q >= minQuality and d >= minDiversity);
//   floor         the diversity below which a checkpoint cannot be selected at all (d >= diversityFloor);
//   selected      the best checkpoint at or above the floor by `maximize`, then by `tieBreak`.
// Candidate status and selection are separate judgements: with the defaults they agree, but a rule may
// set the floor below minDiversity, and then a checkpoint that is not a candidate can still be selected.
import { createHash } from "node:crypto";
import { z } from "zod";
import { InputError } from "../util/errors.ts";

/** The fields a checkpoint row is ranked on. */
export const RANK_FIELDS = ["quality", "diversity", "epoch"] as const;
export type RankField = (typeof RANK_FIELDS)[number];

/** A ranking key "field:direction"; "desc" prefers larger values, "asc" smaller ones. */
export const SORT_KEYS = [
  "quality:desc",
  "quality:asc",
  "diversity:desc",
  "diversity:asc",
  "epoch:asc",
  "epoch:desc",
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * The default rule. The thresholds are the product's starting point for small image generators scored
 * on [0, 1] scales: 0.60 quality is where samples become recognisable in the shipped example, and a
 * diversity under 0.55 is where repeated outputs start to show; users with measured baselines should
 * declare their own. Ties prefer more diversity (less collapse risk), then the earlier epoch (cheaper,
 * less overfit), which makes the order total because epochs are unique.
 */
export const RULE_DEFAULTS = {
  version: 1,
  candidate: { minQuality: 0.6, minDiversity: 0.55 },
  selection: {
    diversityFloor: 0.55,
    maximize: "quality",
    tieBreak: ["diversity:desc", "epoch:asc"],
  },
} as const;

const SCORE_MESSAGE = "must be a number in [0, 1]";
const OBJECT_MESSAGE = "must be a JSON object";

/** A threshold on a [0, 1] score. */
const threshold = (fallback: number) =>
  z
    .number({ error: SCORE_MESSAGE })
    .min(0, { error: SCORE_MESSAGE })
    .max(1, { error: SCORE_MESSAGE })
    .default(fallback);

/** The rule file's schema. Every field is optional in a file; missing ones take RULE_DEFAULTS. */
export const RuleSchema = z.strictObject(
  {
    version: z.literal(1, { error: "must be 1 (the only rule version)" }).default(RULE_DEFAULTS.version),
    candidate: z
      .strictObject(
        {
          minQuality: threshold(RULE_DEFAULTS.candidate.minQuality),
          minDiversity: threshold(RULE_DEFAULTS.candidate.minDiversity),
        },
        { error: OBJECT_MESSAGE },
      )
      .prefault({}),
    selection: z
      .strictObject(
        {
          diversityFloor: threshold(RULE_DEFAULTS.selection.diversityFloor),
          maximize: z
            .enum(["quality", "diversity"], { error: "must be 'quality' or 'diversity'" })
            .default(RULE_DEFAULTS.selection.maximize),
          tieBreak: z
            .array(
              z.enum(SORT_KEYS, { error: `must be one of ${SORT_KEYS.map((k) => `'${k}'`).join(", ")}` }),
              { error: 'must be a list of ranking keys such as ["diversity:desc", "epoch:asc"]' },
            )
            .default(() => [...RULE_DEFAULTS.selection.tieBreak]),
        },
        { error: OBJECT_MESSAGE },
      )
      .prefault({})
      .check((ctx) => {
        // The ranking must be a total order without redundant keys, or "the selected checkpoint" could
        // depend on input row order.
        const { maximize, tieBreak } = ctx.value;
        const fields = tieBreak.map((key) => key.split(":")[0]);
        const problem = fields.includes(maximize)
          ? `must not rank on '${maximize}' again (it is already maximized)`
          : new Set(fields).size !== fields.length
            ? "must name each field at most once"
            : !fields.includes("epoch")
              ? "must include 'epoch:asc' or 'epoch:desc' so that every tie is broken"
              : undefined;
        if (problem !== undefined)
          ctx.issues.push({ code: "custom", message: problem, input: tieBreak, path: ["tieBreak"] });
      }),
  },
  { error: OBJECT_MESSAGE },
);

/** A resolved rule: every field present. */
export type Rule = z.output<typeof RuleSchema>;
/** A rule as written in a file: any field may be left out. */
export type RuleInput = z.input<typeof RuleSchema>;

/** The default rule, resolved. */
export function defaultRule(): Rule {
  return RuleSchema.parse({});
}

/**
 * Validate a rule read from `source` (a file path or a label such as "--rule"). Missing fields take the
 * defaults; unknown fields, out-of-range thresholds and ambiguous tie-breaks are errors naming the field.
 */
export function parseRule(value: unknown, source: string): Rule {
  const parsed = RuleSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const prefix = issue.path.map((p) => `${String(p)}.`).join("");
  const message =
    issue.code === "unrecognized_keys"
      ? `unknown field ${issue.keys.map((k) => `'${prefix}${k}'`).join(", ")}; valid fields` +
        `${prefix === "" ? "" : ` of '${prefix.slice(0, -1)}'`}: ${validKeys(issue.path).join(", ")}`
      : `${issue.path.length > 0 ? `field '${issue.path.join(".")}'` : "the rule"} ${issue.message}, ` +
        `got ${JSON.stringify(issue.input) ?? "nothing"}`;
  throw new InputError(`${source}: ${message}`, { file: source, cause: parsed.error });
}

/** The valid keys of the rule object at `path`, for messages about unknown keys. */
function validKeys(path: readonly PropertyKey[]): string[] {
  const section = path[0];
  if (section === "candidate") return Object.keys(RULE_DEFAULTS.candidate);
  if (section === "selection") return Object.keys(RULE_DEFAULTS.selection);
  return Object.keys(RULE_DEFAULTS);
}

/** Threshold overrides from the command line; an absent field keeps the rule's value. */
export interface RuleOverrides {
  minQuality?: number | undefined;
  minDiversity?: number | undefined;
  diversityFloor?: number | undefined;
}

/** `rule` with `overrides` applied and validated again (so a bad flag value fails like a bad file). */
export function withOverrides(rule: Rule, overrides: RuleOverrides, source = "command line"): Rule {
  return parseRule(
    {
      ...rule,
      candidate: {
        minQuality: overrides.minQuality ?? rule.candidate.minQuality,
        minDiversity: overrides.minDiversity ?? rule.candidate.minDiversity,
      },
      selection: {
        ...rule.selection,
        diversityFloor: overrides.diversityFloor ?? rule.selection.diversityFloor,
      },
    },
    source,
  );
}

/** JSON with object keys sorted at every level (array order kept): one text per rule, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Hex digits kept of the SHA-256: 48 bits, plenty to tell a handful of rules apart in one project. */
const HASH_LENGTH = 12;

/**
 * Short hex SHA-256 of the resolved rule's canonical JSON. Equal rules hash equally, whether they came
 * from defaults, a file or flags. (node:crypto keeps this synchronous; it runs in Node only.)
 */
export function ruleHash(rule: Rule): string {
  return createHash("sha256").update(canonicalJson(rule)).digest("hex").slice(0, HASH_LENGTH);
}

/**
 * A score as text: two decimals ("0.2" → "0.20"), or more when two would round the value (0.549 stays
 * "0.549"), so that a printed value never seems to pass a threshold it failed.
 */
export function formatScore(value: number): string {
  for (let digits = 2; digits <= 6; digits++) {
    const text = value.toFixed(digits);
    if (Number(text) === value) return text;
  }
  return value.toFixed(6);
}

const TIE_WORDS: Record<SortKey, string> = {
  "quality:desc": "higher quality",
  "quality:asc": "lower quality",
  "diversity:desc": "higher diversity",
  "diversity:asc": "lower diversity",
  "epoch:asc": "the earlier epoch",
  "epoch:desc": "the later epoch",
};

/** The rule in one sentence, e.g. for reports: thresholds, floor, ranking and tie-breaks. */
export function describeRule(rule: Rule): string {
  const { candidate, selection } = rule;
  const ties = selection.tieBreak.map((key) => TIE_WORDS[key]).join(", then ");
  return (
    `candidate when quality >= ${formatScore(candidate.minQuality)} and diversity >= ` +
    `${formatScore(candidate.minDiversity)}; selected = the highest ${selection.maximize} among ` +
    `checkpoints with diversity >= ${formatScore(selection.diversityFloor)} (the floor); ties go to ${ties}`
  );
}
