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
 * Warm `run` up under `plan`; returns how long its last run took (ms). A run slower than
 * SLOW_RUN_MS stops the warm-up (see timeRuns).
 */
async function warmUp(run: () => unknown, plan: TimingPlan): Promise<number> {
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
  return lastMs;
}

/** Time at least `minRuns` runs, then more until `budgetMs` or `maxRuns`; seconds per run. */
async function timeBlock(run: () => unknown, minRuns: number, maxRuns: number, budgetMs: number): Promise<number[]> {
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minRuns || (performance.now() - t0 < budgetMs && times.length < maxRuns)) {
    const a = performance.now();
    await run();
    times.push((performance.now() - a) / 1000);
  }
  return times;
}

const summary = (times: number[]): Timing => ({ median: median(times), best: Math.min(...times), runs: times.length });

/**
 * Time `run` (sync or async) under `plan`. A run slower than 250 ms cuts the plan to at most
 * three timed runs, and one slower than 5 s is timed once (its first run), so that slow peers
 * (TF.js cpu on a big layer) don't take minutes.
 * @example const t = await timeRuns(() => F.conv2d(x, w), FULL_PLAN); t.median  // seconds
 */
export async function timeRuns(run: () => unknown, plan: TimingPlan): Promise<Timing> {
  return (await timeInterleaved([{ run }], plan))[0]!;
}

/** Rounds of timeInterleaved. */
const ROUNDS = 3;
/** Pause before each turn of timeInterleaved. */
const SETTLE_MS = 30;

/**
 * A pause before timing a library: thread pools that spin after their calls (ONNX Runtime's)
 * go idle, instead of taking a core from the next library timed.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

/**
 * Time several runs under `plan`, taking turns: each is warmed up, then in each of ROUNDS
 * rounds each (after its `before`, which selects its library) does its share of the plan's runs
 * and time budget. This VM's speed drifts by ~10 % within minutes (a shared host), so turns
 * make a drift hit every library of a cell alike and keep their ratios; the median is over all
 * of a run's rounds. Slow runs as in timeRuns (> 250 ms: at most 3 timed runs, one per round;
 * > 5 s: the last warm-up run is the measurement).
 */
export async function timeInterleaved(entries: ReadonlyArray<{ run: () => unknown; before?: () => unknown }>, plan: TimingPlan): Promise<Timing[]> {
  const last: number[] = [];
  for (const e of entries) {
    await e.before?.();
    last.push(await warmUp(e.run, plan));
  }
  const times = entries.map(() => [] as number[]);
  const rounds = Math.min(ROUNDS, plan.minRuns);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      // A run of seconds (TF.js cpu training, ConvNetJS) is its own measurement: warm-up effects
      // are small next to it, and repeating it would take minutes.
      if (last[i]! > SLOW_RUN_MS) continue;
      const minRuns = last[i]! > 250 ? Math.min(plan.minRuns, 3) : plan.minRuns;
      // Round `round`'s part of n runs (the parts add up to n).
      const share = (n: number): number => Math.floor((n * (round + 1)) / rounds) - Math.floor((n * round) / rounds);
      if (entries.length > 1) await settle();
      await entries[i]!.before?.();
      times[i]!.push(...await timeBlock(entries[i]!.run, share(minRuns), share(plan.maxRuns), plan.budgetMs / rounds));
    }
  }
  return times.map((t, i) => (last[i]! > SLOW_RUN_MS ? summary([last[i]! / 1000]) : summary(t)));
}
