// `genreview metrics REAL FAKE`: measure generated features against real features (FD, KID, precision,
// recall, density, coverage, Vendi) and print them with the set sizes and every warning. The work is in
// src/metrics/; this file reads the inputs, turns flags into options and results into text or JSON.
// Inputs arrive as feature matrices through `loadFeatures`; another input mode (e.g. images run through
// a feature extractor) only needs to produce the two matrices and a `FeatureSource` for each.
import { InvalidArgumentError } from "commander";
import {
  checkImageModeFlags,
  embedImageSources,
  type ImageModeFlags,
  parseExtractorKind,
} from "../../features/cli.ts";
import { type AllMetricsResult, computeAll, METRIC_DEFAULTS } from "../../metrics/index.ts";
import { DatasetError } from "../../util/errors.ts";
import type { Matrix } from "../../util/matrix.ts";
import { type NpyArray, readNpy } from "../../util/npy.ts";
import { type Io, progressBar } from "../io.ts";
import type { CommandModule } from "../main.ts";

/** Where a feature matrix came from, as printed and recorded. */
export interface FeatureSource {
  path: string;
  rows: number;
  cols: number;
  dtype: string;
}

/** Read a .npy feature array [N, D] (float32 or float64) as a float64 matrix; errors name the file. */
export function loadFeatures(path: string): { features: Matrix; source: FeatureSource } {
  let array: NpyArray;
  try {
    array = readNpy(path);
  } catch (error) {
    throw new DatasetError((error as Error).message, { file: path, cause: error });
  }
  const { shape, dtype } = array;
  if (shape.length !== 2) {
    throw new DatasetError(`${path}: expected a 2-D feature array [N, D], got shape [${shape.join(", ")}]`, {
      file: path,
    });
  }
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DatasetError(`${path}: expected float32 or float64 features, got ${dtype}`, { file: path });
  }
  const [rows, cols] = shape as [number, number];
  if (rows === 0 || cols === 0)
    throw new DatasetError(`${path}: the feature array is empty (${rows}x${cols})`, { file: path });
  const data = Float64Array.from(array.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const r = Math.floor(i / cols);
      throw new DatasetError(
        `${path}: row ${r}, column ${i - r * cols} is ${data[i]}; features must be finite`,
        {
          file: path,
        },
      );
    }
  }
  return { features: { data, rows, cols }, source: { path, rows, cols, dtype } };
}

function integer(min: number, what: string) {
  return (text: string): number => {
    const v = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(v) || v < min)
      throw new InvalidArgumentError(`expected ${what}, got '${text}'`);
    return v;
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(4);
  return Number(v.toPrecision(6)).toString();
}

/** The human-readable report: one metric per line, sizes and conventions beside the values. */
export function formatMetrics(result: AllMetricsResult, real: FeatureSource, fake: FeatureSource): string {
  const { fd, kid, prdc, vendi } = result;
  const lines = [
    `real        ${real.path}  ${real.rows} x ${real.cols} ${real.dtype}`,
    `generated   ${fake.path}  ${fake.rows} x ${fake.cols} ${fake.dtype}`,
    `FD          ${fmt(fd.fd)}  (N real ${fd.nReal}, generated ${fd.nFake}, D ${fd.dim})`,
    `KID         ${fmt(kid.mean)} ± ${fmt(kid.std)}  (${kid.subsets} subsets of ${kid.subsetSize} rows, seed ${kid.seed})`,
    `precision   ${fmt(prdc.precision)}`,
    `recall      ${fmt(prdc.recall)}`,
    `density     ${fmt(prdc.density)}`,
    `coverage    ${fmt(prdc.coverage)}  (k = ${prdc.k}, strict '<')`,
    `Vendi       ${fmt(vendi.fake.score)} generated (n = ${vendi.fake.n}); ${fmt(vendi.real.score)} real (n = ${vendi.real.n})`,
  ];
  if (result.warnings.length > 0) {
    lines.push("warnings:");
    for (const w of result.warnings) lines.push(`  - ${w}`);
  }
  return `${lines.join("\n")}\n`;
}

interface MetricsFlags extends ImageModeFlags {
  k: number;
  kidSubsets: number;
  kidSize: number;
  seed: number;
  json?: boolean;
  quiet?: boolean;
  images?: boolean;
}

async function run(realPath: string, fakePath: string, flags: MetricsFlags, io: Io): Promise<void> {
  // --images: embed two image sources with a feature extractor (src/features/cli.ts)
  checkImageModeFlags(flags);
  const embedded = flags.images ? await embedImageSources(realPath, fakePath, flags, io) : null;
  if (embedded !== null && !flags.json) for (const note of embedded.notes) io.err(note);
  const real = embedded?.real ?? loadFeatures(realPath);
  const fake = embedded?.fake ?? loadFeatures(fakePath);
  if (real.source.cols !== fake.source.cols) {
    throw new DatasetError(
      `${realPath} has D = ${real.source.cols} features per row but ${fakePath} has D = ${fake.source.cols}; ` +
        "both must come from the same feature extractor",
    );
  }
  const total = flags.kidSubsets + 3;
  const bar = progressBar(io, total, "metrics", ["stage"], !flags.json && !flags.quiet);
  const result = await computeAll(real.features, fake.features, {
    k: flags.k,
    kidSubsets: flags.kidSubsets,
    kidSubsetSize: flags.kidSize,
    seed: flags.seed,
    onProgress: (done, _total, stage) => bar.update(done, { stage }),
  });
  bar.stop();
  const extractor = embedded === null ? {} : { extractor: embedded.extractor };
  if (flags.json)
    io.out(`${JSON.stringify({ real: real.source, fake: fake.source, ...extractor, ...result }, null, 2)}\n`);
  else io.out(formatMetrics(result, real.source, fake.source));
}

export const register: CommandModule = (program, io) => {
  program
    .command("metrics")
    .description(
      "Measure generated features against real features: Frechet distance, KID, precision, recall, " +
        "density, coverage and the Vendi score, with the set sizes and any warnings.",
    )
    .argument(
      "<real>",
      "real (reference) features: a .npy array [N, D], float32 or float64 (with --images: images)",
    )
    .argument(
      "<fake>",
      "generated features: a .npy array [M, D] from the same feature extractor (with --images: images)",
    )
    .option(
      "--k <n>",
      "neighbours for precision/recall/density/coverage",
      integer(1, "an integer >= 1"),
      METRIC_DEFAULTS.k,
    )
    .option(
      "--kid-subsets <n>",
      "random subsets averaged by KID",
      integer(1, "an integer >= 1"),
      METRIC_DEFAULTS.kidSubsets,
    )
    .option(
      "--kid-size <n>",
      "rows per KID subset (shrunk, with a warning, when a set is smaller)",
      integer(2, "an integer >= 2"),
      METRIC_DEFAULTS.kidSubsetSize,
    )
    .option(
      "--seed <s>",
      "seed of the KID subsets and of the real Vendi subset",
      integer(0, "an integer >= 0"),
      METRIC_DEFAULTS.seed,
    )
    .option(
      "--images",
      "REAL and FAKE are images (a .npy array [N, H, W] or a folder of PNGs), embedded first",
    )
    .option(
      "--features <kind>",
      "with --images: pixel, classifier or autoencoder (default: classifier when --data has labels, " +
        "autoencoder without, pixel without --data)",
      parseExtractorKind,
    )
    .option(
      "--data <dataset>",
      "with --images: the dataset whose TRAIN split trains the extractor (e.g. shapes)",
    )
    .option(
      "--pca <d>",
      "with --images --features pixel: project on the top d TRAIN principal components",
      integer(1, "an integer >= 1"),
    )
    .option(
      "--cache <dir>",
      "with --images: extractor cache folder (default $GENREVIEW_CACHE or .cache/genreview)",
    )
    .option("--json", "print the full result as JSON (includes every KID subset value)")
    .option("--quiet", "no progress bar")
    .addHelpText(
      "after",
      `
Conventions: covariances divide by N - 1; FD uses Tr (Sx^1/2 Sy Sx^1/2)^1/2 (finite when N <= D, with a
warning); KID is the unbiased MMD^2 with kernel (a.b/D + 1)^3, mean and population std over seeded
subsets; precision/recall/density/coverage use Euclidean k-NN balls with strict '<'; Vendi uses
L2-normalised rows and the linear kernel, and is also given for real rows at the generated set's size.
Scores are comparable only within one feature extractor and at equal set sizes.
With --images, trained extractors are cached under a name derived from the dataset hash and the
extractor config, and retrained when either changes.`,
    )
    .action(async (realPath: string, fakePath: string, flags: MetricsFlags) => {
      await run(realPath, fakePath, flags, io);
    });
};
