// PNG decoding and encoding for the filmstrip strips, where speed decides how fast a run opens: a run of
// 20 checkpoints x 64 seeds means 1,280 small PNGs to decode. pngjs's sync reader costs 0.3-2 ms per
// 28x28 file (its stream machinery dominates); this direct path (zlib inflate + unfilter, PNG spec
// section 9) costs ~0.03 ms. It handles the files samplers write — 8-bit, non-interlaced, grayscale,
// grayscale+alpha, RGB or RGBA — and hands anything else (palette, 16-bit, interlaced) to pngjs.
import { deflateSync, inflateSync } from "node:zlib";
import { PNG } from "pngjs";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel for the 8-bit colour types handled directly (PNG spec table 11.1). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export interface Rgba {
  width: number;
  height: number;
  /** [H, W, 4] bytes. */
  data: Uint8Array;
}

/** Decode PNG bytes to RGBA; throws on anything that is not a readable PNG. */
export function decodeRgba(bytes: Uint8Array): Rgba {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG file");

  // IHDR, then the IDAT chunks concatenated
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24]!;
  const colorType = buf[25]!;
  const interlace = buf[28]!;
  const channels = CHANNELS[colorType];
  if (depth !== 8 || interlace !== 0 || channels === undefined) return viaPngjs(buf);
  const parts: Buffer[] = [];
  for (let offset = 8; offset + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString("latin1", offset + 4, offset + 8);
    if (type === "IDAT") parts.push(buf.subarray(offset + 8, offset + 8 + length));
    if (type === "IEND") break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(parts));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error("PNG data is shorter than its size says");

  // unfilter row by row (filter byte + stride bytes), then expand to RGBA
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    unfilterRow(raw, y * (stride + 1), rows, y * stride, y > 0 ? (y - 1) * stride : -1, stride, channels);
  }
  const data = new Uint8Array(width * height * 4);
  const n = width * height;
  if (channels === 1) {
    for (let i = 0, d = 0; i < n; i++, d += 4) {
      const v = rows[i]!;
      data[d] = v;
      data[d + 1] = v;
      data[d + 2] = v;
      data[d + 3] = 255;
    }
  } else if (channels === 2) {
    for (let i = 0, d = 0; i < n; i++, d += 4) {
      const v = rows[2 * i]!;
      data[d] = v;
      data[d + 1] = v;
      data[d + 2] = v;
      data[d + 3] = rows[2 * i + 1]!;
    }
  } else if (channels === 3) {
    for (let i = 0, d = 0; i < n; i++, d += 4) {
      data[d] = rows[3 * i]!;
      data[d + 1] = rows[3 * i + 1]!;
      data[d + 2] = rows[3 * i + 2]!;
      data[d + 3] = 255;
    }
  } else {
    data.set(rows.subarray(0, n * 4));
  }
  return { width, height, data };
}

/**
 * Undo one row's filter (PNG spec section 9.2: none, sub, up, average, Paeth), reading the filter type
 * byte at raw[src] and the previous unfiltered row at out[prev] (prev < 0 for the first row). One loop
 * per filter type: this is the hot loop of opening a run.
 */
function unfilterRow(
  raw: Uint8Array,
  src: number,
  out: Uint8Array,
  dst: number,
  prev: number,
  stride: number,
  bpp: number,
): void {
  const filter = raw[src]!;
  const line = raw.subarray(src + 1, src + 1 + stride);
  switch (filter) {
    case 0:
      out.set(line, dst);
      return;
    case 1:
      for (let x = 0; x < stride; x++)
        out[dst + x] = (line[x]! + (x >= bpp ? out[dst + x - bpp]! : 0)) & 0xff;
      return;
    case 2:
      for (let x = 0; x < stride; x++) out[dst + x] = (line[x]! + (prev >= 0 ? out[prev + x]! : 0)) & 0xff;
      return;
    case 3:
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? out[dst + x - bpp]! : 0;
        const b = prev >= 0 ? out[prev + x]! : 0;
        out[dst + x] = (line[x]! + ((a + b) >> 1)) & 0xff;
      }
      return;
    case 4:
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? out[dst + x - bpp]! : 0;
        const b = prev >= 0 ? out[prev + x]! : 0;
        const c = x >= bpp && prev >= 0 ? out[prev + x - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        out[dst + x] = (line[x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new Error(`unknown PNG filter type ${filter}`);
  }
}

function viaPngjs(buf: Buffer): Rgba {
  const png = PNG.sync.read(buf);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/**
 * Encode RGBA as an 8-bit PNG: grayscale+alpha when every pixel is gray (half the bytes of RGBA, the
 * usual case here), RGBA otherwise. Filter 0 and deflate level 1: strips are made on request and
 * cached, so encoding time matters more than the last few percent of size.
 */
export function encodeRgba(image: Rgba): Uint8Array {
  const { width, height, data } = image;
  let gray = true;
  for (let i = 0; i < data.length && gray; i += 4) gray = data[i] === data[i + 1] && data[i] === data[i + 2];
  const channels = gray ? 2 : 4;

  // filtered rows: a 0 filter byte, then the samples
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = row + x * channels;
      if (gray) {
        raw[d] = data[s]!;
        raw[d + 1] = data[s + 3]!;
      } else {
        raw[d] = data[s]!;
        raw[d + 1] = data[s + 1]!;
        raw[d + 2] = data[s + 2]!;
        raw[d + 3] = data[s + 3]!;
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = gray ? 4 : 6; // colour type
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 1 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "latin1");
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

// CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320) as the PNG spec's annex D computes it.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
