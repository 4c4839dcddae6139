/** The training-curve SVG of a run: loss (left) and accuracy (right) against epochs. */
import type { MetricsHistory } from './metrics.js';
import { chartRow, type Series } from '../plot/svg-chart.js';

/**
 * @example writeFileSync('training.svg', trainingPlot(history, 'fashion-cnn on fashion-mnist'))
 */
export function trainingPlot(history: MetricsHistory, title: string): string {
  const stepsPerEpoch = history.epochs.length ? history.epochs[0]!.step / 1 : 1;
  // Step points on the epoch axis: step / steps-per-epoch of the first epoch.
  const x = (step: number): number => step / Math.max(1, stepsPerEpoch);
  const lossSeries: Series[] = [
    { name: 'train (running)', points: history.steps.map((s) => [x(s.step), s.loss] as const), color: '#9ecae9' },
    { name: 'train (epoch)', points: history.epochs.map((e) => [e.epoch, e.trainLoss] as const), color: '#4e79a7' },
  ];
  if (history.epochs.some((e) => e.testLoss !== null)) {
    lossSeries.push({ name: 'test', points: history.epochs.map((e) => [e.epoch, e.testLoss ?? NaN] as const), color: '#e15759', dashed: true });
  }
  const xRange = [0, Math.max(1, history.epochs.length)] as const;
  const charts = [{ title: `${title}: loss`, xLabel: 'epoch', yLabel: 'loss', series: lossSeries, logY: false, xRange }];
  if (history.epochs.some((e) => e.trainAccuracy !== null)) {
    charts.push({
      title: `${title}: accuracy`, xLabel: 'epoch', yLabel: 'accuracy',
      xRange,
      series: [
        { name: 'train (running)', points: history.steps.map((s) => [x(s.step), s.accuracy ?? NaN] as const), color: '#9ecae9' },
        { name: 'train (epoch)', points: history.epochs.map((e) => [e.epoch, e.trainAccuracy ?? NaN] as const), color: '#4e79a7' },
        { name: 'test', points: history.epochs.map((e) => [e.epoch, e.testAccuracy ?? NaN] as const), color: '#e15759', dashed: true },
      ],
      logY: false,
    });
  }
  return chartRow(charts);
}
