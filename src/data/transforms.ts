/**
 * Per-example image transforms: normalisation and seeded augmentation (random crop with
 * padding, horizontal flip). A transform maps one [C, H, W] image to a new one of the same
 * shape; random transforms draw from the generator the DataLoader passes, so a seed fixes them.
 */
import type { Generator } from '../tensor/random.js';

export type ImageShape = readonly [number, number, number];

/** (image [C, H, W], its shape, a seeded generator) -> transformed image (same shape). */
export type Transform = (image: Float32Array, shape: ImageShape, rng: Generator) => Float32Array;

/**
 * (x - mean) / std per channel (one number applies to every channel).
 * Fashion-MNIST: mean 0.2860, std 0.3530 (of the [0, 1]-scaled training pixels).
 * @example normalize(0.2860, 0.3530)
 */
export function normalize(mean: number | readonly number[], std: number | readonly number[]): Transform {
  const perChannel = (v: number | readonly number[], c: number, what: string): number => {
    const x = typeof v === 'number' ? v : v[c];
    if (x === undefined) throw new Error(`normalize: ${what} has ${(v as readonly number[]).length} values but the image has more channels (${c + 1}+)`);
    return x;
  };
  for (const s of typeof std === 'number' ? [std] : std) {
    if (!(s > 0)) throw new Error(`normalize: std must be positive, got ${s}`);
  }
  return (image, [c, h, w]) => {
    const out = new Float32Array(image.length);
    const plane = h * w;
    for (let ch = 0; ch < c; ch++) {
      const m = perChannel(mean, ch, 'mean'), inv = 1 / perChannel(std, ch, 'std');
      for (let k = ch * plane; k < (ch + 1) * plane; k++) out[k] = (image[k]! - m) * inv;
    }
    return out;
  };
}

/**
 * Pad by `padding` zeros on each side, then cut a random H×W window (torchvision RandomCrop
 * with padding). Padding is with `fill` (0 by default; use the normalised background value
 * when cropping after normalisation).
 * @example randomCrop(2)
 */
export function randomCrop(padding: number, fill = 0): Transform {
  if (!Number.isInteger(padding) || padding < 0) throw new Error(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  return (image, [c, h, w], rng) => {
    const dy = rng.int(2 * padding + 1) - padding;
    const dx = rng.int(2 * padding + 1) - padding;
    if (dy === 0 && dx === 0) return image;
    const out = new Float32Array(image.length).fill(fill);
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        if (sy < 0 || sy >= h) continue;
        for (let x = 0; x < w; x++) {
          const sx = x + dx;
          if (sx >= 0 && sx < w) out[(ch * h + y) * w + x] = image[(ch * h + sy) * w + sx]!;
        }
      }
    }
    return out;
  };
}

/** Mirror left-right with probability p. @example horizontalFlip(0.5) */
export function horizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new Error(`horizontalFlip: p must be in [0, 1], got ${p}`);
  return (image, [c, h, w], rng) => {
    // Always draw, so the random stream does not depend on the outcome.
    if (rng.uniform() >= p) return image;
    const out = new Float32Array(image.length);
    for (let row = 0; row < c * h; row++) {
      for (let x = 0; x < w; x++) out[row * w + x] = image[row * w + (w - 1 - x)]!;
    }
    return out;
  };
}

/** Apply transforms left to right. @example compose([randomCrop(2), horizontalFlip(), normalize(0.286, 0.353)]) */
export function compose(transforms: readonly Transform[]): Transform {
  return (image, shape, rng) => transforms.reduce((img, t) => t(img, shape, rng), image);
}
