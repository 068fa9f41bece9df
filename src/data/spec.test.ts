import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../util/errors.ts";
import { formatDatasetSpec, formatFraction, parseDatasetSpec } from "./spec.ts";

test("built-in specs take defaults and normalise to a fixed option order", () => {
  assert.deepEqual(parseDatasetSpec("shapes"), {
    kind: "shapes",
    size: 28,
    train: 10000,
    test: 2000,
    seed: 0,
  });
  const spec = parseDatasetSpec(" glyphs:seed=5, size=16 ,test=10");
  assert.equal(formatDatasetSpec(spec), "glyphs:size=16,train=10000,test=10,seed=5");
  assert.deepEqual(parseDatasetSpec(formatDatasetSpec(spec)), spec);
  assert.equal(
    formatDatasetSpec(parseDatasetSpec("patterns:")),
    "patterns:size=28,train=10000,test=2000,seed=0",
  );
});

test("file specs resolve the path and carry split options after '#'", () => {
  assert.deepEqual(parseDatasetSpec("npy:data/x.npy", "/home/u"), {
    kind: "npy",
    path: "/home/u/data/x.npy",
    seed: 0,
    testFraction: 1 / 6,
  });
  const spec = parseDatasetSpec("png:/d/imgs#seed=3,testfrac=0.25");
  assert.equal(spec.kind, "png");
  assert.equal(formatDatasetSpec(spec), "png:/d/imgs#seed=3,testfrac=1/4");
  assert.equal(formatDatasetSpec(spec, false), "png:/d/imgs");
  assert.deepEqual(parseDatasetSpec(formatDatasetSpec(spec)), spec);
  // a '#' that is not followed by options belongs to the path; colons in paths are kept
  assert.equal(formatDatasetSpec(parseDatasetSpec("idx:/d/run#3"), false), "idx:/d/run#3");
  assert.equal(formatDatasetSpec(parseDatasetSpec("idx:/d/a:b"), false), "idx:/d/a:b");
  assert.equal(
    formatDatasetSpec(parseDatasetSpec("npy:/x.npy#testfrac=1/10")),
    "npy:/x.npy#seed=0,testfrac=1/10",
  );
});

test("fractions print as a/b when exact with a small denominator, else as decimals", () => {
  assert.equal(formatFraction(1 / 6), "1/6");
  assert.equal(formatFraction(0.2), "1/5");
  assert.equal(formatFraction(0.123), "0.123");
});

test("bad specs are ConfigErrors naming the spec, the problem and the choices", () => {
  const cases: [string, RegExp][] = [
    [
      "mnist",
      /unknown kind "mnist" \(expected one of shapes, glyphs, patterns, idx:PATH, png:PATH, npy:PATH\)/,
    ],
    ["shapes:colour=red", /unknown option "colour" \(expected size, train, test, seed\)/],
    ["shapes:size=4", /size must be an integer in \[8, 128\], got "4"/],
    ["shapes:train=1.5", /train must be an integer/],
    ["shapes:train=-3", /train must be an integer/],
    ["shapes:seed=1,seed=2", /option "seed" given twice/],
    ["shapes:size", /option "size" is not key=value/],
    ["npy:", /npy: needs a path/],
    ["npy:x.npy#testfrac=1.5", /testfrac must be a fraction in \(0, 1\)/],
    ["npy:x.npy#size=3", /unknown option "size" \(expected seed, testfrac\)/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => parseDatasetSpec(spec),
      (error: unknown) =>
        error instanceof ConfigError && message.test(error.message) && error.message.includes(spec),
      spec,
    );
  }
});
