#!/usr/bin/env node
/**
 * Min-sum normalisation factor α against the BLER-1e-2 threshold (the measurement behind
 * min-sum-scale.ts's table; VALIDATION.md "Min-sum scale per base graph"):
 *
 *   node dist/bench/phy/ldpc/min-sum-scale-sweep.js --code nr:3072:6144 --ebno 1.0:2.0:0.1
 *     [--scales 0.625,0.6875,0.75,0.8125,0.875,0.9375] [--max-frames 40000] [--max-errors 200]
 *     [--iters 20] [--seed 1] [--target-bler 0.01] [--implementation wasm-simd|scalar]
 *
 * The simulator's chain (simulate.ts: random words, the scheme's encoder, QPSK, AWGN, exact
 * demapper, layered min-sum with early stop), every α on the same frames: each frame is made once
 * and decoded with each α still running at that point (common random numbers, so the differences
 * between α are more precise than each threshold). Per α and point: frames until `--max-errors`
 * block errors or `--max-frames`, counted in frame order as simulatePoint does; an α stops after
 * its first point with BLER below the target (the crossing needs no more). Prints each α's points,
 * its crossing (log-linear, as ldpc-sim) and a 95 % range: both bracketing BLERs moved by
 * ±1.96/√errors (relative) in the same direction.
 */
import { parseArgs } from 'util';
import { modulationFromName } from '../modulation';
import { parseSnrGrid } from '../../sweep/grid';
import { parseLdpcSpec } from './codes';
import { createLdpcDecoder, type LdpcDecoder, type MinSumImplementation } from './decoder';
import { blerCrossing, createLink, type SimFrame } from './simulate';

interface Tally {
  frames: number;
  errors: number;
  iterations: number;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      code: { type: 'string' },
      ebno: { type: 'string' },
      scales: { type: 'string', default: '0.625,0.6875,0.75,0.8125,0.875,0.9375' },
      'max-frames': { type: 'string', default: '40000' },
      'max-errors': { type: 'string', default: '200' },
      iters: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      'target-bler': { type: 'string', default: '0.01' },
      implementation: { type: 'string', default: 'wasm-simd' },
    },
  });
  if (!values.code || !values.ebno) throw new Error('usage: --code SPEC --ebno GRID [--scales …]');
  const scheme = parseLdpcSpec(values.code);
  const grid = parseSnrGrid(values.ebno);
  const scales = values.scales.split(',').map(Number);
  const maxFrames = Number(values['max-frames']);
  const maxErrors = Number(values['max-errors']);
  const maxIterations = Number(values.iters);
  const target = Number(values['target-bler']);
  const implementation = values.implementation as MinSumImplementation;
  const link = createLink({ scheme, modulation: modulationFromName('qpsk'), channel: 'awgn', demap: 'exact', seed: Number(values.seed) });
  const decoders: LdpcDecoder[] = scales.map((minSumScale) => createLdpcDecoder(scheme.effective, { minSumScale, maxIterations, implementation }));
  console.log(`# ${scheme.name} (decoding ${scheme.effective.name}), QPSK/AWGN exact demap, ${maxIterations} it., seed ${values.seed}, ≤ ${maxFrames} frames or ${maxErrors} errors per point`);
  const points: { ebN0Db: number; tally: Tally }[][] = scales.map(() => []);
  const done = scales.map(() => false);
  const batch = 64;
  for (const ebN0Db of grid) {
    if (done.every(Boolean)) break;
    const tallies: (Tally | null)[] = scales.map((_, s) => (done[s] ? null : { frames: 0, errors: 0, iterations: 0 }));
    const start = Date.now();
    for (let first = 0; first < maxFrames; first += batch) {
      const running = tallies.map((t) => t !== null && t.errors < maxErrors && t.frames < maxFrames);
      if (!running.some(Boolean)) break;
      const count = Math.min(batch, maxFrames - first);
      const sent: SimFrame[] = Array.from({ length: count }, (_, i) => link.frame(first + i, ebN0Db));
      const llrs = sent.map((f) => f.llr);
      scales.forEach((_, s) => {
        const t = tallies[s];
        if (!running[s] || t === null) return;
        const results = decoders[s].decodeBatch(llrs);
        for (let i = 0; i < count && t.errors < maxErrors; i++) {
          const { info } = sent[i];
          const { bits } = results[i];
          let wrong = false;
          for (let b = 0; b < info.length; b++) if (bits[b] !== info[b]) { wrong = true; break; }
          if (wrong) t.errors++;
          t.frames++;
          t.iterations += results[i].iterations;
        }
      });
    }
    const cells = scales.map((a, s) => {
      const t = tallies[s];
      if (t === null) return `α ${a}: –`;
      points[s].push({ ebN0Db, tally: t });
      if (t.errors / t.frames < target) done[s] = true;
      return `α ${a}: ${t.errors}/${t.frames} (${(t.errors / t.frames).toExponential(2)}, ${(t.iterations / t.frames).toFixed(2)} it.)`;
    });
    console.log(`${ebN0Db.toFixed(2)} dB [${((Date.now() - start) / 1000).toFixed(0)} s]  ${cells.join('  ')}`);
  }
  console.log('# α  crossing(dB)  95% range  bracketing points (errors/frames)');
  scales.forEach((a, s) => {
    const pts = points[s].map((p) => ({ ebN0Db: p.ebN0Db, bler: p.tally.errors / p.tally.frames, tally: p.tally }));
    const c = blerCrossing(pts, target);
    if (!c) {
      console.log(`${a}  not bracketed`);
      return;
    }
    const lo = pts.find((p) => p.ebN0Db === c.from)!;
    const hi = pts.find((p) => p.ebN0Db === c.to)!;
    const moved = (f: number): number => {
      const shift = (p: typeof lo): number => p.bler * (1 + (f * 1.96) / Math.sqrt(p.tally.errors));
      const moved = blerCrossing([{ ebN0Db: lo.ebN0Db, bler: shift(lo) }, { ebN0Db: hi.ebN0Db, bler: shift(hi) }], target);
      // Outside the bracket: the range reaches at least its edge.
      return moved?.ebN0Db ?? (f > 0 ? hi.ebN0Db : lo.ebN0Db);
    };
    console.log(
      `${a}  ${c.ebN0Db.toFixed(3)}  ${moved(-1).toFixed(3)}–${moved(1).toFixed(3)}  ` +
        `${lo.ebN0Db}: ${lo.tally.errors}/${lo.tally.frames}, ${hi.ebN0Db}: ${hi.tally.errors}/${hi.tally.frames}`,
    );
  });
}

main();
