// The `pixel` feature extractor: each image flattened to its H*W pixel values, optionally projected on
// the top principal components of TRAIN (PCA). It needs no training, so it is always available; its
// distances are pixel distances, which judge position and stroke exactly but know nothing of shape.
// Legend: X [N, P] flattened pixels (P = H*W), mu [P] the TRAIN mean, V [P, d] the top-d eigenvectors of
// the TRAIN covariance; features = (X - mu) V [N, d].
import type { Dataset, ImageBatch } from "../data/types.ts";
import { covariance, symmetricEigen } from "../metrics/linalg.ts";
import { ConfigError } from "../util/errors.ts";
import { type Matrix, matrix } from "../util/matrix.ts";
import { Rng } from "../util/rng.ts";

/**
 * TRAIN images the PCA basis is fitted on (a seeded subset when TRAIN is larger): 5,000 rows estimate a
 * 784 x 784 covariance's leading directions well (6 rows per dimension) in about a second.
 */
export const PCA_FIT_ROWS = 5000;

export interface PcaBasis {
  /** [P] mean pixel of the fitting rows. */
  mean: Float64Array;
  /** [P, d] principal directions, largest variance first. */
  components: Matrix;
  /** Variance along each direction, largest first. */
  variances: Float64Array;
  /** Share of the total pixel variance the d directions keep. */
  explained: number;
}

/** Flattened pixels [N, H*W] as float64. */
export function pixelMatrix(images: ImageBatch): Matrix {
  return { data: Float64Array.from(images.data), rows: images.n, cols: images.h * images.w };
}

/** Fit a d-dimensional PCA basis on (a seeded subset of) the TRAIN images. */
export async function fitPca(dataset: Dataset, d: number, seed: number): Promise<PcaBasis> {
  const { images } = dataset.train;
  const p = images.h * images.w;
  if (!Number.isInteger(d) || d < 1 || d > p) {
    throw new ConfigError(`pca must be an integer in 1..${p} (the pixels per image), got ${d}`);
  }

  // the fitting rows; pixels constant over them (e.g. an always-black border) carry no variance and are
  // left out of the eigenproblem, their weights in every component being 0
  const x = pixelMatrix(images);
  const rows = images.n > PCA_FIT_ROWS ? new Rng(seed).fork("pca").sample(images.n, PCA_FIT_ROWS) : null;
  const fit = rows === null ? x : selectPixelRows(x, rows);
  const varying = varyingColumns(fit);
  if (d > varying.length) {
    throw new ConfigError(
      `pca = ${d} exceeds the ${varying.length} pixels that vary over the TRAIN images; use at most ${varying.length}`,
    );
  }
  const s = await covariance(selectColumns(fit, varying));

  // top-d eigenvectors of the covariance (eigenvalues come ascending)
  const q = varying.length;
  const eig = symmetricEigen(s, true);
  const vectors = eig.vectors!;
  const components = matrix(p, d);
  const variances = new Float64Array(d);
  let total = 0;
  for (const l of eig.values) total += Math.max(0, l);
  let kept = 0;
  for (let c = 0; c < d; c++) {
    const src = q - 1 - c;
    variances[c] = Math.max(0, eig.values[src]!);
    kept += variances[c]!;
    varying.forEach((pixel, r) => {
      components.data[pixel * d + c] = vectors.data[r * q + src]!;
    });
  }
  const mean = new Float64Array(p);
  for (let i = 0; i < fit.rows; i++) for (let j = 0; j < p; j++) mean[j]! += fit.data[i * p + j]! / fit.rows;
  return { mean, components, variances, explained: total > 0 ? kept / total : 1 };
}

/** Columns whose value is not the same in every row. */
function varyingColumns(x: Matrix): number[] {
  const out: number[] = [];
  for (let j = 0; j < x.cols; j++) {
    const first = x.data[j]!;
    for (let i = 1; i < x.rows; i++) {
      if (x.data[i * x.cols + j] !== first) {
        out.push(j);
        break;
      }
    }
  }
  return out;
}

function selectColumns(x: Matrix, columns: number[]): Matrix {
  const out = matrix(x.rows, columns.length);
  for (let i = 0; i < x.rows; i++) {
    columns.forEach((j, c) => {
      out.data[i * columns.length + c] = x.data[i * x.cols + j]!;
    });
  }
  return out;
}

function selectPixelRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const out = matrix(rows.length, x.cols);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols);
  }
  return out;
}

/** Project flattened pixels on a PCA basis: (X - mu) V [N, d]. */
export function projectPca(images: ImageBatch, basis: PcaBasis): Matrix {
  const p = images.h * images.w;
  const d = basis.components.cols;
  const out = matrix(images.n, d);
  const centred = new Float64Array(p);
  const v = basis.components.data;
  for (let i = 0; i < images.n; i++) {
    for (let j = 0; j < p; j++) centred[j] = images.data[i * p + j]! - basis.mean[j]!;
    const o = i * d;
    for (let j = 0; j < p; j++) {
      const cj = centred[j]!;
      if (cj === 0) continue;
      const vo = j * d;
      for (let c = 0; c < d; c++) out.data[o + c]! += cj * v[vo + c]!;
    }
  }
  return out;
}
