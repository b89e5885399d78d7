import { addPhaseTimes, takePhaseTimes, timed, timedSync, type PhaseTimes } from '../../bench/phase-timer';

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('phase timer', () => {
  test('times are exclusive of inner phases, counted per call, and reset when taken', async () => {
    takePhaseTimes();
    const t0 = performance.now();
    let innerWall = 0;
    await timed('outer', async () => {
      busy(20);
      const i0 = performance.now();
      timedSync('inner', () => busy(30));
      await timed('inner', async () => busy(10));
      innerWall = performance.now() - i0;
    });
    timedSync('outer', () => busy(5));
    const total = performance.now() - t0;
    const t = takePhaseTimes();
    expect(t.inner.calls).toBe(2);
    expect(t.outer.calls).toBe(2);
    expect(t.inner.ms).toBeGreaterThanOrEqual(40);
    expect(t.inner.ms).toBeLessThanOrEqual(innerWall);
    // `outer` keeps only its own time: the two phases add up to the wall time, not more.
    expect(t.outer.ms).toBeGreaterThanOrEqual(25);
    expect(t.outer.ms + t.inner.ms).toBeLessThanOrEqual(total);
    expect(t.outer.ms + t.inner.ms).toBeGreaterThan(total - 10);
    expect(takePhaseTimes()).toEqual({});
  });

  test('a phase that throws is still timed; sums over workers add up', () => {
    expect(() => timedSync('fails', () => {
      throw new Error('x');
    })).toThrow('x');
    expect(takePhaseTimes().fails.calls).toBe(1);
    const sum: PhaseTimes = {};
    addPhaseTimes(sum, { a: { ms: 1, calls: 1 } });
    addPhaseTimes(sum, { a: { ms: 2, calls: 3 }, b: { ms: 4, calls: 1 } });
    expect(sum).toEqual({ a: { ms: 3, calls: 4 }, b: { ms: 4, calls: 1 } });
  });
});
