// A tiny 5x7 bitmap font, plus one descender row (5x8 cells), for captions on image grids (there is
// no font library in genreview). Covers digits, lowercase letters, space and - _ / . , : ( ) = + # ?;
// uppercase letters are drawn as lowercase and any other character as '?'. Each glyph is 7 rows of 5
// columns above the baseline, '#' = ink; g j p q y add an eighth row below it. Characters advance 6
// columns (one column of spacing).
import type { GrayImage } from "./image.ts";

export const GLYPH_WIDTH = 5;
/** Rows of a glyph cell: 7 above the baseline and 1 for descenders. */
export const GLYPH_HEIGHT = 8;
/** Columns from one character to the next. */
export const ADVANCE = GLYPH_WIDTH + 1;

// each glyph: its rows, top to bottom, separated by spaces (a missing eighth row is blank)
const GLYPHS: Record<string, string> = {
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "####. ....# ....# .###. ....# ....# ####.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... #.##. ##..# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .##.# #..## #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... ..... .#### #...# #...# .#### ....# ####.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #...# #...#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .#### #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  " ": "..... ..... ..... ..... ..... ..... .....",
  "-": "..... ..... ..... .###. ..... ..... .....",
  _: "..... ..... ..... ..... ..... ..... #####",
  "/": "....# ....# ...#. ..#.. .#... #.... #....",
  ".": "..... ..... ..... ..... ..... ..... ..#..",
  ",": "..... ..... ..... ..... ..... ..#.. .#...",
  ":": "..... ..... ..#.. ..... ..... ..#.. .....",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "=": "..... ..... ##### ..... ##### ..... .....",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
};

/** The ink rows of a character (uppercase drawn as lowercase, unknown characters as '?'). */
function glyphRows(ch: string): string[] {
  const pattern = GLYPHS[ch] ?? GLYPHS[ch.toLowerCase()] ?? GLYPHS["?"]!;
  const rows = pattern.split(" ");
  return rows.length < GLYPH_HEIGHT ? [...rows, "....."] : rows;
}

/** Width in pixels of `text` drawn at `scale` pixels per font pixel. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * ADVANCE - 1) * scale;
}

/**
 * Draw `text` into `image` with its top-left corner at (x, y), each font pixel a scale x scale block
 * of `value`. Ink falling outside the image is clipped.
 */
export function drawText(
  image: GrayImage,
  text: string,
  x: number,
  y: number,
  scale: number,
  value = 1,
): void {
  for (let c = 0; c < text.length; c++) {
    const rows = glyphRows(text[c]!);
    const left = x + c * ADVANCE * scale;
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      const row = rows[r]!;
      for (let k = 0; k < GLYPH_WIDTH; k++) {
        if (row[k] !== "#") continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y + r * scale + dy;
          if (py < 0 || py >= image.h) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = left + k * scale + dx;
            if (px >= 0 && px < image.w) image.data[py * image.w + px] = value;
          }
        }
      }
    }
  }
}
