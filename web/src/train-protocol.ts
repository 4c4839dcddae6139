/** Messages between the training page and its Web Worker (structured-clone friendly). */

export interface TrainSettings {
  optimizer: 'adam' | 'sgd';
  lr: number;
  batchSize: number;
  seed: number;
  /** 'fastest': wasm where the browser supports it; 'reference': the plain-loop specification. */
  backend: 'fastest' | 'reference';
}

export type ToWorker =
  | { type: 'init'; settings: TrainSettings }
  | { type: 'start' }
  | { type: 'pause' }
  /** Feature maps of test image `index` (or of the given 28×28 pixels in [0, 1]). */
  | { type: 'features'; index?: number; pixels?: Float32Array; id: number }
  /** Class probabilities of 28×28 pixels in [0, 1] (the drawing canvas). */
  | { type: 'classify'; pixels: Float32Array; id: number };

export interface GalleryItem {
  index: number;
  label: number;
  predicted: number;
  /** 28×28 bytes, for drawing. */
  pixels: Uint8Array;
}

export interface FeatureLayer {
  name: string;
  /** [C, H, W] */
  shape: number[];
  data: Float32Array;
}

export type FromWorker =
  | { type: 'ready'; backend: string; backendNote: string; trainCount: number; testCount: number; classes: string[]; parameters: number; model: string }
  | { type: 'step'; step: number; epoch: number; loss: number; accuracy: number; msPerStep: number }
  | { type: 'eval'; step: number; testLoss: number; testAccuracy: number; gallery: GalleryItem[] }
  | { type: 'state'; running: boolean }
  | { type: 'features'; id: number; layers: FeatureLayer[]; probabilities: number[] }
  | { type: 'classify'; id: number; probabilities: number[] }
  | { type: 'error'; message: string };
