/**
 * Training progress on the terminal: a live cli-progress bar (loss, accuracy, images/s, ETA)
 * when stdout is a TTY, plain log lines otherwise (CI logs, pipes, tests).
 */
import cliProgress from 'cli-progress';
import type { FitCallbacks, StepInfo } from '../train/fit.js';
import type { EpochMetrics } from '../train/metrics.js';

export interface ProgressOptions {
  epochs: number;
  /** Write lines here (default stdout). */
  write?: (line: string) => void;
  /** Force plain lines even on a TTY. */
  plain?: boolean;
  /** Prefix for each line (experiments name their runs). */
  label?: string;
}

const pct = (v: number | null): string => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

/** One line summarising an epoch. */
export function formatEpoch(m: EpochMetrics, epochs: number): string {
  return `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}${m.trainAccuracy === null ? '' : ` acc ${pct(m.trainAccuracy)}`}` +
    `${m.testLoss === null ? '' : ` | test loss ${m.testLoss.toFixed(4)}`}${m.testAccuracy === null ? '' : ` acc ${pct(m.testAccuracy)}`}` +
    ` | ${m.imagesPerSecond.toFixed(0)} img/s, ${m.epochSeconds.toFixed(1)} s | lr ${+m.lr.toPrecision(3)} | rss ${m.rssMB.toFixed(0)} MB`;
}

/** Callbacks for fit() that show progress. */
export function progressCallbacks(o: ProgressOptions): FitCallbacks & { stop(): void } {
  const write = o.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const prefix = o.label ? `[${o.label}] ` : '';
  const tty = !o.plain && process.stdout.isTTY === true;
  let bar: cliProgress.SingleBar | null = null;
  let nextLog = 0, logEvery = 1, batches = 0;
  const stop = (): void => { if (bar) { bar.stop(); bar = null; } };
  return {
    onEpochStart(epoch, n, start) {
      batches = n;
      if (tty) {
        bar = new cliProgress.SingleBar({
          format: `${prefix}epoch ${epoch + 1}/${o.epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`,
          hideCursor: true, clearOnComplete: true, etaBuffer: 50, fps: 5,
        }, cliProgress.Presets.shades_classic);
        bar.start(n, start, { loss: '-', acc: '-', ips: '-' });
      } else {
        // About ten lines per epoch.
        logEvery = Math.max(1, Math.ceil(n / 10));
        nextLog = start + logEvery;
      }
    },
    onStep(s: StepInfo) {
      if (bar) bar.update(s.batch + 1, { loss: s.loss.toFixed(4), acc: pct(s.accuracy), ips: s.imagesPerSecond.toFixed(0) });
      else if (s.batch + 1 >= nextLog && s.batch + 1 < batches) {
        nextLog += logEvery;
        write(`${prefix}epoch ${s.epoch + 1}/${o.epochs} batch ${s.batch + 1}/${s.batches}: loss ${s.loss.toFixed(4)}${s.accuracy === null ? '' : ` acc ${pct(s.accuracy)}`} | ${s.imagesPerSecond.toFixed(0)} img/s`);
      }
    },
    onTestStart() { stop(); },
    onEpochEnd(m) { stop(); write(prefix + formatEpoch(m, o.epochs)); },
    stop,
  };
}
