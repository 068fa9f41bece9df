// Model configuration input: the overrides a user gives (`--set key=value` or the API's `config`),
// validated against a family's zod schema whose defaults come from MODEL_DEFAULTS. Errors name the model,
// the key, what was expected and what was given.
import type { z } from "zod";
import { ConfigError } from "../util/errors.ts";
import type { ImageSize, ModelKind } from "./types.ts";

/** Validate overrides against `schema`; unknown keys and bad values are ConfigErrors naming the key. */
export function parseModelConfig<T>(
  kind: ModelKind,
  schema: z.ZodType<T>,
  overrides: Readonly<Record<string, unknown>>,
): T {
  const parsed = schema.safeParse(overrides);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue && issue.path.length > 0 ? issue.path.join(".") : "(config)";
  throw new ConfigError(`${kind} model setting '${key}': ${issue?.message ?? "invalid"}`);
}

/**
 * Parse one `key=value` text: numbers stay numbers, comma-separated numbers become a list, true and false
 * become booleans, anything else is a string (zod then checks the type against the model's schema).
 */
export function parseSetting(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new ConfigError(`--set expects key=value, got '${text}'`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const asNumber = (s: string) => (s !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined);
  if (raw.includes(",")) {
    const parts = raw.split(",").map((s) => asNumber(s.trim()));
    if (parts.every((p) => p !== undefined)) return [key, parts];
  }
  if (raw === "true" || raw === "false") return [key, raw === "true"];
  return [key, asNumber(raw) ?? raw];
}

/**
 * The convolutional models halve the image twice (H -> H/2 -> H/4), so both sides must be multiples of 4
 * and at least 8.
 */
export function checkImageSize(kind: ModelKind, size: ImageSize, dataId: string): void {
  const ok = (d: number) => Number.isInteger(d) && d >= 8 && d % 4 === 0;
  if (!ok(size.h) || !ok(size.w))
    throw new ConfigError(
      `the ${kind} model needs images whose sides are multiples of 4 and at least 8 (it halves them twice), ` +
        `got ${size.w}x${size.h} from ${dataId}`,
    );
}
