// Dataset specs: the one string that names data everywhere a command takes it.
//   shapes | glyphs | patterns [:size=28,train=10000,test=2000,seed=0]   built-in, generated from a seed
//   idx:PATH | png:PATH | npy:PATH [#seed=0,testfrac=1/6]              files the user already has
// Built-in options are comma-separated key=value pairs after the colon. File specs take everything
// after the colon as the path; options for the seeded split of data without its own test split follow
// a final '#' (safe unquoted in a shell, where '#' only starts a comment at the start of a word).
import { resolve } from "node:path";
import { ConfigError } from "../util/errors.ts";

export const BUILTIN_KINDS = ["shapes", "glyphs", "patterns"] as const;
export const FILE_KINDS = ["idx", "png", "npy"] as const;
export type BuiltinKind = (typeof BUILTIN_KINDS)[number];
export type FileKind = (typeof FILE_KINDS)[number];

/** The defaults of every option, shared by the API, the CLI help and the docs. */
export const SPEC_DEFAULTS = {
  /** 28x28 like MNIST, the size the models train on by default. */
  size: 28,
  /** 10,000 / 2,000 images: a few seconds of generation, enough for stable metrics at N = 2,000. */
  train: 10000,
  test: 2000,
  seed: 0,
  /** Held-out share for data without its own test split: 1/6, MNIST's 10,000 of 60,000. */
  testFraction: 1 / 6,
} as const;

/** Smallest and largest side of generated images; the renderers are resolution-independent. */
export const SIZE_RANGE = [8, 128] as const;
/** The most images one built-in split may hold (128 MB of float32 at 28x28 per million). */
export const MAX_COUNT = 1_000_000;

export interface BuiltinSpec {
  kind: BuiltinKind;
  size: number;
  train: number;
  test: number;
  seed: number;
}

export interface FileSpec {
  kind: FileKind;
  /** Absolute path. */
  path: string;
  /** Seed of the split permutation, used only when the data has no test split of its own. */
  seed: number;
  /** Share of images held out for testing, in (0, 1), used only when the data has no test split. */
  testFraction: number;
}

export type DatasetSpec = BuiltinSpec | FileSpec;

export function isBuiltin(spec: DatasetSpec): spec is BuiltinSpec {
  return (BUILTIN_KINDS as readonly string[]).includes(spec.kind);
}

const KIND_LIST = [...BUILTIN_KINDS, ...FILE_KINDS.map((k) => `${k}:PATH`)].join(", ");

/**
 * Parse a dataset spec. Relative paths resolve against `cwd` (default: the process's working folder).
 * Throws ConfigError naming the spec, the bad part and the valid choices.
 */
export function parseDatasetSpec(spec: string, cwd: string = process.cwd()): DatasetSpec {
  const text = spec.trim();
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);

  if ((BUILTIN_KINDS as readonly string[]).includes(kind)) {
    const options = parseOptions(spec, rest, ["size", "train", "test", "seed"]);
    const size = integerOption(spec, options, "size", SPEC_DEFAULTS.size, SIZE_RANGE[0], SIZE_RANGE[1]);
    const train = integerOption(spec, options, "train", SPEC_DEFAULTS.train, 1, MAX_COUNT);
    const test = integerOption(spec, options, "test", SPEC_DEFAULTS.test, 1, MAX_COUNT);
    const seed = integerOption(spec, options, "seed", SPEC_DEFAULTS.seed, 0, 2 ** 32 - 1);
    return { kind: kind as BuiltinKind, size, train, test, seed };
  }

  if ((FILE_KINDS as readonly string[]).includes(kind)) {
    // split "PATH#opts" at the last '#' only when what follows reads as options
    const hash = rest.lastIndexOf("#");
    const tail = hash < 0 ? "" : rest.slice(hash + 1);
    const hasOptions = hash >= 0 && /^[a-z]+=[^,=]*(,[a-z]+=[^,=]*)*$/.test(tail);
    const path = hasOptions ? rest.slice(0, hash) : rest;
    if (path.length === 0)
      throw new ConfigError(`dataset spec "${spec}": ${kind}: needs a path, e.g. ${kind}:data/`);
    const options = parseOptions(spec, hasOptions ? tail : "", ["seed", "testfrac"]);
    const seed = integerOption(spec, options, "seed", SPEC_DEFAULTS.seed, 0, 2 ** 32 - 1);
    const testFraction = fractionOption(spec, options, "testfrac", SPEC_DEFAULTS.testFraction);
    return { kind: kind as FileKind, path: resolve(cwd, path), seed, testFraction };
  }

  throw new ConfigError(`dataset spec "${spec}": unknown kind "${kind}" (expected one of ${KIND_LIST})`);
}

/**
 * The normalised text of a spec, with every option written out in a fixed order. For file specs the
 * split options appear only when `seededSplit` is true (data without its own test split).
 */
export function formatDatasetSpec(spec: DatasetSpec, seededSplit = true): string {
  if (isBuiltin(spec))
    return `${spec.kind}:size=${spec.size},train=${spec.train},test=${spec.test},seed=${spec.seed}`;
  const base = `${spec.kind}:${spec.path}`;
  return seededSplit ? `${base}#seed=${spec.seed},testfrac=${formatFraction(spec.testFraction)}` : base;
}

/** A fraction as "a/b" when b <= 100 represents it exactly (1/6), else its shortest decimal. */
export function formatFraction(f: number): string {
  for (let b = 2; b <= 100; b++) {
    const a = Math.round(f * b);
    if (a / b === f) return `${a}/${b}`;
  }
  return String(f);
}

function parseOptions(spec: string, text: string, allowed: string[]): Map<string, string> {
  const options = new Map<string, string>();
  if (text.trim().length === 0) return options;
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (eq < 0) throw new ConfigError(`dataset spec "${spec}": option "${part}" is not key=value`);
    if (!allowed.includes(key))
      throw new ConfigError(
        `dataset spec "${spec}": unknown option "${key}" (expected ${allowed.join(", ")})`,
      );
    if (options.has(key)) throw new ConfigError(`dataset spec "${spec}": option "${key}" given twice`);
    options.set(key, part.slice(eq + 1).trim());
  }
  return options;
}

function integerOption(
  spec: string,
  options: Map<string, string>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = options.get(key);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigError(
      `dataset spec "${spec}": ${key} must be an integer in [${min}, ${max}], got "${text}"`,
    );
  return value;
}

function fractionOption(spec: string, options: Map<string, string>, key: string, fallback: number): number {
  const text = options.get(key);
  if (text === undefined) return fallback;
  const ratio = /^(\d+)\/(\d+)$/.exec(text);
  const value = ratio
    ? Number(ratio[1]) / Number(ratio[2])
    : /^[\d.]+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!(value > 0 && value < 1))
    throw new ConfigError(
      `dataset spec "${spec}": ${key} must be a fraction in (0, 1) such as 1/6 or 0.2, got "${text}"`,
    );
  return value;
}
