/**
 * Training metrics: one record per epoch, written as metrics.csv (for spreadsheets and
 * plotting tools) and metrics.json (full history, including the per-step training curve).
 * Both are rewritten whole, atomically, from the history — so a resumed run's files are the
 * same as an uninterrupted run's, with no duplicated or half-written lines.
 */
import { writeFileAtomic } from '../io/checkpoint.js';

export interface EpochMetrics {
  epoch: number;
  /** Optimizer steps taken so far (all epochs). */
  step: number;
  trainLoss: number;
  /** Training accuracy over the epoch (null for non-classification tasks). */
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Learning rate at the end of the epoch. */
  lr: number;
  imagesPerSecond: number;
  epochSeconds: number;
  /** Wall time since the start of the run (resumed runs count the earlier part). */
  elapsedSeconds: number;
  /** Resident set size of the process at the end of the epoch. */
  rssMB: number;
}

/** A point of the training curve: the mean over the last `every` steps. */
export interface StepMetrics {
  step: number;
  epoch: number;
  loss: number;
  /** Training accuracy over the window (null for non-classification tasks). */
  accuracy: number | null;
  lr: number;
}

export interface MetricsHistory {
  epochs: EpochMetrics[];
  steps: StepMetrics[];
}

export const CSV_COLUMNS: ReadonlyArray<keyof EpochMetrics> = [
  'epoch', 'step', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'lr',
  'imagesPerSecond', 'epochSeconds', 'elapsedSeconds', 'rssMB',
];

function cell(v: number | null): string {
  if (v === null) return '';
  return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
}

/** metrics.csv text. */
export function metricsCsv(history: MetricsHistory): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of history.epochs) lines.push(CSV_COLUMNS.map((k) => cell(e[k])).join(','));
  return lines.join('\n') + '\n';
}

/** Write metrics.csv and metrics.json into `dir`. */
export function writeMetrics(csvPath: string, jsonPath: string, history: MetricsHistory, extra: Record<string, unknown> = {}): void {
  writeFileAtomic(csvPath, metricsCsv(history));
  writeFileAtomic(jsonPath, JSON.stringify({ ...extra, epochs: history.epochs, steps: history.steps }, null, 1) + '\n');
}
