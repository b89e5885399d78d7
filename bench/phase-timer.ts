/**
 * Where a sweep spends its time: wall milliseconds and calls per named phase (segmentation,
 * x265-encode, ldpc-decode, lpips, …), accumulated in the thread that does the work. Each sweep
 * worker hands its totals over with every finished image (`takePhaseTimes`), and the sweep adds
 * them up into run.json `timings.phases`.
 *
 * Phases are leaves: a phase is not timed inside another, so their sum is at most the workers'
 * busy time and each figure is work that phase alone did. A phase that waits on a subprocess
 * (x265) counts the wait.
 */

export interface PhaseTime {
  ms: number;
  calls: number;
}

export type PhaseTimes = Record<string, PhaseTime>;

let totals: PhaseTimes = {};

function add(phase: string, ms: number): void {
  const t = (totals[phase] ??= { ms: 0, calls: 0 });
  t.ms += ms;
  t.calls++;
}

/** Runs `fn`, adding its wall time to `phase`. */
export async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    add(phase, performance.now() - t0);
  }
}

/** The same for synchronous work. */
export function timedSync<T>(phase: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    add(phase, performance.now() - t0);
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
