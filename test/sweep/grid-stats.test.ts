import { UserError } from '../../bench/errors';
import { inShard, parseList, parseShard, parseSnrGrid } from '../../bench/sweep/grid';
import { meanCi95, studentTQuantile } from '../../bench/sweep/stats';

describe('parseSnrGrid', () => {
  test('inclusive ranges and lists', () => {
    expect(parseSnrGrid('-3:21:3')).toEqual([-3, 0, 3, 6, 9, 12, 15, 18, 21]);
    expect(parseSnrGrid('0:1:0.1')).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(parseSnrGrid('10:0:-5')).toEqual([10, 5, 0]);
    expect(parseSnrGrid('0:4:3')).toEqual([0, 3]);
    expect(parseSnrGrid('0,10,20')).toEqual([0, 10, 20]);
    expect(parseSnrGrid(' 7 ')).toEqual([7]);
  });

  test.each(['5:1:1', '0:10:0', 'a:b:c', '1:2', '', '0,,5', '3,3', '0:1000:0.01', '200'])('"%s" is a UserError', (t) => {
    expect(() => parseSnrGrid(t)).toThrow(UserError);
  });
});

describe('shards', () => {
  test('parse', () => {
    expect(parseShard('2/3')).toEqual({ k: 2, n: 3 });
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(UserError);
  });

  test('every cell is in exactly one shard, in contiguous slices', () => {
    for (const total of [1, 7, 216]) {
      for (const n of [1, 2, 3, 5]) {
        const owner = Array.from({ length: total }, (_, i) => {
          const ks = Array.from({ length: n }, (_, k) => k + 1).filter((k) => inShard(i, total, { k, n }));
          expect(ks).toHaveLength(1);
          return ks[0];
        });
        for (let i = 1; i < total; i++) expect(owner[i]).toBeGreaterThanOrEqual(owner[i - 1]);
      }
    }
  });

  test('lists', () => {
    expect(parseList('a, b,c', '--schemes')).toEqual(['a', 'b', 'c']);
    expect(() => parseList(' , ', '--schemes')).toThrow(UserError);
    expect(() => parseList('a,a', '--schemes')).toThrow(UserError);
  });
});

describe('statistics', () => {
  test("Student's t quantiles equal scipy.stats.t.ppf(0.975, df)", () => {
    // Values from Debian python3-scipy 1.10: t.ppf(0.975, df).
    const ref: [number, number][] = [
      [1, 12.706204736432095], [2, 4.302652729911275], [5, 2.5705818366147395], [10, 2.2281388519649385],
      [23, 2.0686576104190406], [30, 2.0422724563012373], [100, 1.9839715184496334],
    ];
    for (const [df, t] of ref) expect(Math.abs(studentTQuantile(0.975, df) - t)).toBeLessThan(1e-8);
  });

  test('mean and CI half-width', () => {
    const { mean, ci95 } = meanCi95([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    // s = sqrt(5/3), t(0.975, 3) = 3.182446305284263
    expect(ci95).toBeCloseTo((3.182446305284263 * Math.sqrt(5 / 3)) / 2, 8);
    expect(meanCi95([5]).ci95).toBeNull();
    expect(meanCi95([2, 2, 2]).ci95).toBe(0);
  });
});
