// The filmstrip as one PNG, for the Markdown portfolio (a code host shows images, not HTML tables): one
// row per fixed seed, one column per sample epoch in ascending order, each row labelled with its seed.
// Legend: S seeds (rows), E sample epochs (columns), H x W sample size.
import { existsSync } from "node:fs";
import { makeLabelledGrid } from "../image/grid.ts";
import type { GrayImage } from "../image/image.ts";
import { readPng } from "../image/png.ts";
import { runPaths } from "../run/layout.ts";
import { DatasetError } from "../util/errors.ts";
import type { RunData } from "./collect.ts";

/** Upscaling of the filmstrip PNG: 2x keeps 28x28 samples legible without making 64 rows huge. */
const FILMSTRIP_SCALE = 2;

/**
 * The filmstrip image of a run, or null without samples. A sample missing or unreadable at some epoch is a
 * black cell; a sample of another size than the run's is a DatasetError naming the file.
 */
export function filmstripImage(data: RunData): GrayImage | null {
  const { sampleEpochs: epochs, seeds } = data;
  if (epochs.length === 0 || seeds.length === 0) return null;
  const { height: H, width: W } = data.info.dataset;

  // each row: the seed's image at every epoch, [E, H, W]
  const rows = seeds.map((seed) => {
    const data32 = new Float32Array(epochs.length * H * W);
    epochs.forEach((epoch, e) => {
      const path = runPaths(data.dir).samples(epoch).seed(seed);
      if (!existsSync(path)) return;
      let image: ReturnType<typeof readPng>;
      try {
        image = readPng(path);
      } catch (error) {
        // an unreadable sample stays a black cell here; the HTML page lists it among its missing files
        if (error instanceof DatasetError) return;
        throw error;
      }
      if (image.w !== W || image.h !== H)
        throw new DatasetError(
          `expected ${W}x${H} samples (run.json), got ${image.w}x${image.h} in ${path}`,
          {
            file: path,
          },
        );
      data32.set(image.data, e * H * W);
    });
    return { label: `seed ${seed}`, images: { data: data32, n: epochs.length, h: H, w: W } };
  });
  return makeLabelledGrid(rows, { scale: FILMSTRIP_SCALE, columns: epochs.length });
}
