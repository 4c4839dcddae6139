/**
 * Timing for the peer benchmark: warm up, then time repeated runs until both a minimum count
 * and a time budget are reached, and report the median (the machine is shared; the median is
 * robust to another process stealing a core for a moment) and the best run.
 */

/** How long to time one (library, case) cell. */
export interface TimingPlan {
  /** Timed runs at least (after warm-up). */
  minRuns: number;
  /** Timed runs at most. */
  maxRuns: number;
  /** Keep timing until this many milliseconds of timed runs have passed (or maxRuns). */
  budgetMs: number;
  /** Warm up until this many milliseconds have passed (at least one run). */
  warmupMs: number;
  /**
   * And for at least this many runs, unless they take over WARMUP_CAP_MS in all: the first calls
   * at a new size page-fault their fresh result arrays in until V8's first garbage collection
   * lets malloc reuse freed ones (a 51 MB depthwise output: 380-950 ms for each of the first
   * ~4 calls, ~40 ms after), and whichever library runs first at a size would pay for it.
   */
  warmupRuns: number;
}

export const FULL_PLAN: TimingPlan = { minRuns: 5, maxRuns: 30, budgetMs: 600, warmupMs: 100, warmupRuns: 8 };
export const QUICK_PLAN: TimingPlan = { minRuns: 2, maxRuns: 2, budgetMs: 0, warmupMs: 0, warmupRuns: 1 };

/** Warm-up beyond warmupMs stops after this long in all. */
const WARMUP_CAP_MS = 6000;

/** Runs slower than this are timed once. */
const SLOW_RUN_MS = 5000;

export interface Timing {
  /** Median seconds per run. */
  median: number;
  /** Fastest run, seconds. */
  best: number;
  /** Timed runs. */
  runs: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Time `run` (sync or async) under `plan`. A run slower than 250 ms cuts the plan to at most
 * three timed runs, and one slower than 5 s is timed once (its first run), so that slow peers
 * (TF.js cpu on a big layer) don't take minutes.
 * @example const t = await timeRuns(() => F.conv2d(x, w), FULL_PLAN); t.median  // seconds
 */
export async function timeRuns(run: () => unknown, plan: TimingPlan): Promise<Timing> {
  const w0 = performance.now();
  let warmups = 0;
  let lastMs = 0;
  const warming = (): boolean => {
    const spent = performance.now() - w0;
    return warmups === 0 || spent < plan.warmupMs || (warmups < plan.warmupRuns && spent < WARMUP_CAP_MS && lastMs <= SLOW_RUN_MS);
  };
  while (warming()) {
    const a = performance.now();
    await run();
    lastMs = performance.now() - a;
    warmups++;
  }
  // A run of seconds (TF.js cpu training, ConvNetJS) is its own measurement: warm-up effects
  // are small next to it, and repeating it would take minutes.
  if (lastMs > SLOW_RUN_MS) return { median: lastMs / 1000, best: lastMs / 1000, runs: 1 };
  const minRuns = lastMs > 250 ? Math.min(plan.minRuns, 3) : plan.minRuns;
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minRuns || (performance.now() - t0 < plan.budgetMs && times.length < plan.maxRuns)) {
    const a = performance.now();
    await run();
    times.push((performance.now() - a) / 1000);
  }
  return { median: median(times), best: Math.min(...times), runs: times.length };
}
