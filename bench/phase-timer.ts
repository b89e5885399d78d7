/**
 * Where a sweep spends its time: wall milliseconds and calls per named phase (segmentation,
 * x265-encode, ldpc-decode, lpips, …), accumulated in the thread that does the work. Each sweep
 * worker hands its totals over with every finished image (`takePhaseTimes`), and the sweep adds
 * them up into run.json `timings.phases`.
 *
 * A phase's time is exclusive: a phase timed inside another (a model's session opened during the
 * first deep JSCC encode) is taken off the outer one, so the phases add up to at most the workers'
 * busy time and each figure is work that phase alone did. Phases nest in call order (a thread's
 * work is sequential; two phases running at once in one thread would be misattributed). A phase
 * that waits on a subprocess (x265) counts the wait.
 */

export interface PhaseTime {
  ms: number;
  calls: number;
}

export type PhaseTimes = Record<string, PhaseTime>;

let totals: PhaseTimes = {};
/** Time spent in inner phases, one entry per phase open in this thread. */
const inner: number[] = [];

function start(): number {
  inner.push(0);
  return performance.now();
}

function stop(phase: string, t0: number): void {
  const ms = performance.now() - t0;
  const t = (totals[phase] ??= { ms: 0, calls: 0 });
  t.ms += ms - (inner.pop() ?? 0);
  t.calls++;
  if (inner.length) inner[inner.length - 1] += ms;
}

/** Runs `fn`, adding its wall time (less that of phases inside it) to `phase`. */
export async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const t0 = start();
  try {
    return await fn();
  } finally {
    stop(phase, t0);
  }
}

/** The same for synchronous work. */
export function timedSync<T>(phase: string, fn: () => T): T {
  const t0 = start();
  try {
    return fn();
  } finally {
    stop(phase, t0);
  }
}

/** This thread's totals since the last call; resets them. */
export function takePhaseTimes(): PhaseTimes {
  const out = totals;
  totals = {};
  return out;
}

/** Adds `more` into `into` (the sweep's sum over workers). */
export function addPhaseTimes(into: PhaseTimes, more: PhaseTimes): void {
  for (const [phase, t] of Object.entries(more)) {
    const s = (into[phase] ??= { ms: 0, calls: 0 });
    s.ms += t.ms;
    s.calls += t.calls;
  }
}
