import { rngFromText } from '../rng';
import { parseLdpcSpec, type LdpcScheme } from './codes';

/**
 * Encoder throughput in information Mbit/s, one thread: encodes random blocks into a preallocated
 * output until `minSeconds` have passed (after a warm-up, so the JIT has compiled the loops).
 *
 *   npx tsc -p . && node dist/bench/phy/ldpc/encoder-throughput.js [spec …]
 */
export interface EncoderThroughput {
  readonly spec: string;
  readonly blocks: number;
  readonly seconds: number;
  /** Information bits per second / 1e6. */
  readonly infoMbps: number;
}

export function encoderThroughput(scheme: LdpcScheme, minSeconds = 1): EncoderThroughput {
  const rng = rngFromText(`encoder-throughput ${scheme.name}`);
  const words = Array.from({ length: 8 }, () => Uint8Array.from({ length: scheme.k }, () => rng.nextUint32() & 1));
  const out = new Uint8Array(scheme.e);
  const run = (blocks: number): void => {
    for (let b = 0; b < blocks; b++) scheme.encodeInto(words[b & 7], out);
  };
  run(200); // warm-up
  let blocks = 0;
  let batch = 16;
  const start = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < minSeconds) {
    run(batch);
    blocks += batch;
    batch = Math.min(batch * 2, 4096);
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { spec: scheme.name, blocks, seconds, infoMbps: (blocks * scheme.k) / seconds / 1e6 };
}

if (require.main === module) {
  const specs = process.argv.slice(2);
  for (const spec of specs.length > 0 ? specs : ['nr:3072:6144', 'wifi:1944:1/2']) {
    const r = encoderThroughput(parseLdpcSpec(spec), 2);
    console.log(`${r.spec}: ${r.infoMbps.toFixed(1)} Mbit/s of information (${r.blocks} blocks in ${r.seconds.toFixed(2)} s, one thread, node ${process.version})`);
  }
}
