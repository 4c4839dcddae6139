/**
 * The fuzz engine shared by test/robustness/fuzz-*.test.ts (bounded, in CI) and
 * scripts/fuzz.ts (long runs). Case i of a target is generated from seed + i alone, so any
 * finding replays from (target, seed + i).
 *
 * A case passes when the parser accepts the input or throws an Error whose message names it
 * (the file, `einsum`, the option). Findings:
 * - a throw that is not an Error, or an Error not naming the input, or one of JavaScript's own
 *   failures (reading a property of undefined, an invalid typed array length, stack overflow);
 * - a case slower than the time box (caseBudgetMs; a case stuck for hangMs is stopped by
 *   runInWorker, which terminates the worker thread running it);
 * - a case that raised the process's peak resident memory by more than rssLimitMB
 *   (`process.resourceUsage().maxRSS`: typed arrays live outside the JS heap, so heap limits
 *   would not see them).
 */
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { SOURCE, fuzzTargets, onnxTarget, type FuzzTarget } from './fuzz-targets.js';

export interface Finding {
  target: string;
  /** Replay: fc.sample(target.arbitrary, { seed, numRuns: 1 })[0]. */
  seed: number;
  reason: string;
  input: string;
}

export interface FuzzStats {
  target: string;
  cases: number;
  accepted: number;
  rejected: number;
  findings: Finding[];
  /** How often each kind of error message came (digits folded), most common first. */
  errorKinds: Array<[string, number]>;
  slowestCaseMs: number;
  seconds: number;
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many cases ... */
  numRuns?: number;
  /** ... or after this many seconds, whichever comes first. */
  seconds?: number;
  /** First case index (to continue after a hang). */
  startCase?: number;
  caseBudgetMs?: number;
  rssLimitMB?: number;
  /** Int32Array over shared memory: [0] is set to the index of the running case + 1. */
  heartbeat?: Int32Array;
}

const INTERNAL = /Cannot read properties|Cannot set properties|is not a function|is not iterable|is not defined|Invalid typed array length|Invalid array length|Array buffer allocation failed|Maximum call stack|out of memory|offset is out of bounds|Offset is outside the bounds/i;

/** Why an error thrown by `target` is a finding, or null when it is a clear rejection. */
export function judgeError(target: FuzzTarget, e: unknown): string | null {
  if (!(e instanceof Error)) return `threw a non-Error ${typeof e}: ${String(e).slice(0, 120)}`;
  const what = `${e.constructor.name}: ${e.message.slice(0, 300)}`;
  if (!e.message.includes(target.mustMention)) return `error does not name the input ('${target.mustMention}'): ${what}`;
  if (INTERNAL.test(e.message)) return `JavaScript's own failure surfaced: ${what}`;
  if (e.message.length > 4000) return `error message of ${e.message.length} characters`;
  return null;
}

function kindOf(message: string): string {
  return message.replaceAll(SOURCE, '<file>').replace(/"[^"]*"|'[^']*'/g, '…').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, '#').slice(0, 110);
}

export function caseInput<T>(target: FuzzTarget<T>, seed: number): T {
  return fc.sample(target.arbitrary, { seed, numRuns: 1 })[0]!;
}

/** Run cases of one target in this thread. */
export function runTarget(target: FuzzTarget, o: FuzzOptions): FuzzStats {
  const caseBudgetMs = o.caseBudgetMs ?? 2000, rssLimitKB = (o.rssLimitMB ?? 1024) * 1024;
  const numRuns = o.numRuns ?? Infinity;
  const deadline = o.seconds !== undefined ? performance.now() + o.seconds * 1000 : Infinity;
  const stats: FuzzStats = { target: target.name, cases: 0, accepted: 0, rejected: 0, findings: [], errorKinds: [], slowestCaseMs: 0, seconds: 0 };
  const kinds = new Map<string, number>();
  const t0 = performance.now();
  for (let i = o.startCase ?? 0; stats.cases < numRuns && performance.now() < deadline; i++) {
    const seed = o.seed + i;
    const input = caseInput(target, seed);
    if (o.heartbeat) Atomics.store(o.heartbeat, 0, i + 1);
    const peakBefore = process.resourceUsage().maxRSS;
    const start = performance.now();
    let reason: string | null = null;
    try {
      target.run(input);
      stats.accepted++;
    } catch (e) {
      stats.rejected++;
      reason = judgeError(target, e);
      const k = e instanceof Error ? kindOf(e.message) : `non-Error ${typeof e}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const ms = performance.now() - start;
    stats.slowestCaseMs = Math.max(stats.slowestCaseMs, ms);
    const grew = process.resourceUsage().maxRSS - peakBefore;
    if (!reason && grew > rssLimitKB) reason = `allocated: peak resident memory grew by ${(grew / 1024).toFixed(0)} MB (limit ${rssLimitKB / 1024} MB)`;
    if (!reason && ms > caseBudgetMs) reason = `slow: ${ms.toFixed(0)} ms (time box ${caseBudgetMs} ms)`;
    if (reason) stats.findings.push({ target: target.name, seed, reason, input: target.show(input as never).slice(0, 4000) });
    stats.cases++;
  }
  stats.seconds = (performance.now() - t0) / 1000;
  stats.errorKinds = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
  return stats;
}

/**
 * Broken parsers that prove the engine notices each kind of finding (used by the engine's own
 * test): a hang, a non-Error throw, JavaScript's own TypeError, a huge allocation.
 */
const SELF_TESTS: Record<string, (n: number) => void> = {
  'selftest-hang': (n) => { if (n === 5) for (;;) { /* stuck */ } if (n % 2) throw new Error(`${SOURCE}: odd`); },
  'selftest-non-error': (n) => { if (n === 5) throw 'a string'; },  // eslint-disable-line no-throw-literal
  'selftest-type-error': (n) => { if (n === 5) (null as unknown as { x: number[] }).x.push(1); },
  'selftest-allocation': (n) => { if (n === 5) new Float64Array(48 * 2 ** 20).fill(1); },
};

/** Every target by name (onnx included). */
export function targetByName(name: string): FuzzTarget {
  const self = SELF_TESTS[name];
  if (self) return { name, mustMention: SOURCE, arbitrary: fc.integer({ min: 0, max: 9 }), run: self as (x: unknown) => void, show: String };
  const t = name === 'onnx' ? onnxTarget() : fuzzTargets().find((x) => x.name === name);
  if (!t) throw new Error(`fuzz: no target '${name}'`);
  return t;
}

export interface WorkerRequest extends Omit<FuzzOptions, 'heartbeat'> { target: string; heartbeat: SharedArrayBuffer }

/**
 * A worker thread that runs targets one after another, so a case that hangs can be stopped:
 * when the running case has not changed for hangMs, the worker is terminated, the case is
 * recorded as a finding, and the run continues with the next case in a fresh worker (until the
 * time or case budget is spent). One worker serves many targets (starting one costs seconds
 * under tsx). Call close() when done.
 */
export class FuzzWorker {
  private worker: Worker | null = null;

  private start(): Worker {
    const dev = import.meta.url.endsWith('.ts');
    const w = new Worker(new URL(dev ? './fuzz-worker-tsx.mjs' : './fuzz-worker.js', import.meta.url));
    w.unref();
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  async run(targetName: string, o: FuzzOptions & { hangMs?: number }): Promise<FuzzStats> {
    const hangMs = o.hangMs ?? 10_000;
    const total: FuzzStats = { target: targetName, cases: 0, accepted: 0, rejected: 0, findings: [], errorKinds: [], slowestCaseMs: 0, seconds: 0 };
    const kinds = new Map<string, number>();
    const t0 = performance.now();
    let start = o.startCase ?? 0;
    for (;;) {
      const sab = new SharedArrayBuffer(4);
      const beat = new Int32Array(sab);
      const remainingSeconds = o.seconds !== undefined ? o.seconds - (performance.now() - t0) / 1000 : undefined;
      const remainingRuns = o.numRuns !== undefined ? o.numRuns - total.cases : undefined;
      if ((remainingSeconds !== undefined && remainingSeconds <= 0) || (remainingRuns !== undefined && remainingRuns <= 0)) break;
      const worker = this.worker ??= this.start();
      const result = await new Promise<{ stats?: FuzzStats; hungAt?: number; error?: string }>((resolve) => {
        let last = -1, since = performance.now();
        const finish = (r: { stats?: FuzzStats; hungAt?: number; error?: string }): void => {
          clearInterval(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
          resolve(r);
        };
        const timer = setInterval(() => {
          const now = Atomics.load(beat, 0);
          if (now !== last) { last = now; since = performance.now(); return; }
          if (performance.now() - since > hangMs && now > 0) {
            this.worker = null;
            void worker.terminate().then(() => finish({ hungAt: now - 1 }));
          }
        }, 100);
        const onMessage = (stats: FuzzStats): void => finish({ stats });
        const onError = (e: unknown): void => {
          this.worker = null;
          finish({ error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e), hungAt: Atomics.load(beat, 0) - 1 });
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.postMessage({ ...o, target: targetName, heartbeat: sab, startCase: start, seconds: remainingSeconds, numRuns: remainingRuns } satisfies WorkerRequest);
      });
      if (result.stats) {
        const s = result.stats;
        total.cases += s.cases; total.accepted += s.accepted; total.rejected += s.rejected;
        total.findings.push(...s.findings);
        total.slowestCaseMs = Math.max(total.slowestCaseMs, s.slowestCaseMs);
        for (const [k, n] of s.errorKinds) kinds.set(k, (kinds.get(k) ?? 0) + n);
        break;
      }
      // The worker hung or died on case hungAt: record it and continue after it.
      const at = Math.max(result.hungAt ?? start, start);
      const target = targetByName(targetName);
      total.findings.push({
        target: targetName, seed: o.seed + at,
        reason: result.error ? `the worker died: ${result.error}` : `hang: case still running after ${hangMs} ms`,
        input: target.show(caseInput(target, o.seed + at) as never).slice(0, 4000),
      });
      total.cases += at - start + 1;
      start = at + 1;
    }
    total.seconds = (performance.now() - t0) / 1000;
    total.errorKinds = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
    return total;
  }
}
