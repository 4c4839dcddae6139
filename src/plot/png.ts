/**
 * Minimal PNG encoding and decoding for 8-bit images (no dependency: node:zlib does the
 * deflate). Encodes grayscale or RGB; decodes non-interlaced 8-bit grayscale, gray+alpha,
 * RGB, RGBA and palette images — what a user's digit or clothing picture usually is.
 */
import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

let crcTable: Uint32Array | null = null;
/** CRC-32 (the PNG / zlib polynomial). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encode 8-bit pixels (row-major, `channels` bytes per pixel: 1 gray, 3 RGB) as PNG bytes.
 * @example writeFileSync('grid.png', encodePng(pixels, 280, 56, 1))
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 1): Uint8Array {
  if (pixels.length !== width * height * channels) {
    throw new Error(`encodePng: ${pixels.length} bytes do not make a ${width}x${height} image with ${channels} channel(s)`);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width); v.setUint32(4, height);
  ihdr[8] = 8; ihdr[9] = channels === 1 ? 0 : 2;
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export interface GrayImage {
  width: number;
  height: number;
  /** Luminance 0..255, row-major (alpha composited over `background`). */
  gray: Uint8Array;
}

/** Decode a PNG to grayscale (ITU-R 601 luma; transparency composited over black by default). */
export function decodePng(bytes: Uint8Array, name = 'PNG', background = 0): GrayImage {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new Error(`${name}: not a PNG file (bad signature)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let width = 0, height = 0, depth = 0, color = -1, interlace = 0;
  let palette: Uint8Array | null = null, trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (at + 8 <= bytes.length) {
    const len = view.getUint32(at);
    const type = Buffer.from(bytes.subarray(at + 4, at + 8)).toString('latin1');
    if (at + 12 + len > bytes.length) throw new Error(`${name}: truncated PNG (chunk ${type} runs past the end)`);
    const data = bytes.subarray(at + 8, at + 8 + len);
    if (view.getUint32(at + 8 + len) !== crc32(bytes.subarray(at + 4, at + 8 + len))) throw new Error(`${name}: corrupt PNG (CRC mismatch in chunk ${type})`);
    if (type === 'IHDR') {
      const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = h.getUint32(0); height = h.getUint32(4); depth = data[8]!; color = data[9]!; interlace = data[12]!;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  if (color < 0) throw new Error(`${name}: PNG has no IHDR chunk`);
  if (depth !== 8 || interlace !== 0) throw new Error(`${name}: only 8-bit non-interlaced PNGs are supported (this one: ${depth}-bit${interlace ? ', interlaced' : ''})`);
  if (width * height > 64 * 1024 * 1024) throw new Error(`${name}: PNG of ${width}x${height} pixels is too large`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[color];
  if (!channels) throw new Error(`${name}: unsupported PNG colour type ${color}`);
  let raw: Uint8Array;
  try { raw = inflateSync(Buffer.concat(idat)); } catch { throw new Error(`${name}: corrupt PNG image data`); }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error(`${name}: truncated PNG image data`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0, b = prev[i]!, c = i >= channels ? prev[i - channels]! : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: { const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
        default: throw new Error(`${name}: corrupt PNG (filter type ${filter} in row ${y})`);
      }
      out[i] = (src[i]! + p) & 0xff;
    }
  }
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    let r: number, g: number, b: number, alpha = 255;
    if (color === 3) {
      const k = px[i]!;
      if (!palette || 3 * k + 2 >= palette.length) throw new Error(`${name}: PNG palette index ${k} out of range`);
      r = palette[3 * k]!; g = palette[3 * k + 1]!; b = palette[3 * k + 2]!;
      if (trns && k < trns.length) alpha = trns[k]!;
    } else if (channels <= 2) {
      r = g = b = px[i * channels]!;
      if (channels === 2) alpha = px[i * 2 + 1]!;
    } else {
      r = px[i * channels]!; g = px[i * channels + 1]!; b = px[i * channels + 2]!;
      if (channels === 4) alpha = px[i * 4 + 3]!;
    }
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    gray[i] = Math.round((l * alpha + background * (255 - alpha)) / 255);
  }
  return { width, height, gray };
}

/** Decode a binary (P5) or ASCII (P2) PGM to grayscale 0..255. */
export function decodePgm(bytes: Uint8Array, name = 'PGM'): GrayImage {
  const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 512))).toString('latin1');
  const m = /^(P[25])\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s+(?:#[^\n]*\n\s*)*(\d+)\s/.exec(text);
  if (!m) throw new Error(`${name}: not a PGM file (expected a P2 or P5 header)`);
  const [, kind, ws, hs, ms] = m;
  const width = Number(ws), height = Number(hs), max = Number(ms);
  if (!(width > 0 && height > 0 && max > 0 && max < 65536) || width * height > 64 * 1024 * 1024) throw new Error(`${name}: bad PGM header ${width}x${height} max ${max}`);
  const gray = new Uint8Array(width * height);
  if (kind === 'P5') {
    const bpp = max > 255 ? 2 : 1;
    const body = bytes.subarray(m[0].length);
    if (body.length < width * height * bpp) throw new Error(`${name}: truncated PGM: ${width}x${height} needs ${width * height * bpp} bytes, file has ${body.length}`);
    for (let i = 0; i < gray.length; i++) {
      const v = bpp === 1 ? body[i]! : (body[2 * i]! << 8) | body[2 * i + 1]!;
      gray[i] = Math.round((v * 255) / max);
    }
  } else {
    const values = Buffer.from(bytes).toString('latin1').slice(m[0].length).replace(/#[^\n]*/g, '').trim().split(/\s+/).map(Number);
    if (values.length < gray.length) throw new Error(`${name}: truncated PGM: ${width * height} values expected, found ${values.length}`);
    for (let i = 0; i < gray.length; i++) gray[i] = Math.round((values[i]! * 255) / max);
  }
  return { width, height, gray };
}
