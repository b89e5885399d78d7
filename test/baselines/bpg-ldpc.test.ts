import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { parseBandwidthRatio, symbolCap } from '../../bench/schemes/bandwidth-ratio';
import { bpgCapacityFactory, bpgLdpcFactory, FAILURE_LEVEL, type BpgLdpcPrepared } from '../../baselines/bpg-ldpc/bpg-ldpc';
import {
  capacityBudgetBytes,
  codewordsFor,
  defaultMcsList,
  ldpcBudget,
  parseMcs,
  parseMcsChoice,
  QpSearch,
  symbolsFor,
} from '../../baselines/bpg-ldpc/budget';
import { CodecDecodeError, createBpgCodec, crop, FFMPEG_HEADER_BYTES, padToEven, type BpgCodec } from '../../baselines/bpg-ldpc/codec';
import { sendOverLink } from '../../baselines/bpg-ldpc/link';
import { chunkCodewords } from '../../bench/phy/bit-link';
import { UserError } from '../../bench/errors';
import { createImage, type RgbImage } from '../../bench/image';
import { psnr } from '../../bench/metrics/psnr';
import { rngFor, rngFromText } from '../../bench/phy/rng';
import type { Scheme, TransmitResult } from '../../bench/schemes/scheme';

/** A smooth, textured test picture: gradients, a disc and mild noise (compresses like a photo). */
function testImage(w: number, h: number, tag = 'a', disc = true): RgbImage {
  const r = rngFromText(`bpg-test ${tag} ${w}x${h}`);
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inDisc = disc && (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 3) ** 2;
      const base = [(255 * x) / w, (255 * y) / h, inDisc ? 200 : 60 + 40 * Math.sin(x / 5)];
      // Texture mostly in luma (as in photos): one noise value for all channels, a little per channel.
      const luma = r.normal() * 6;
      for (let c = 0; c < 3; c++) img.data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + luma + r.normal())));
    }
  return img;
}

const ctx = (scheme: string, snrDb: number, seed = 0) => ({
  snrDb,
  seed,
  rng: (stream: string) => rngFor({ dataset: 't', image: 'img', scheme, snrDb, seed, stream }),
});

const detailOf = (r: TransmitResult): Record<string, string> =>
  Object.fromEntries((r.detail ?? '').split(' ').map((kv) => kv.split('=') as [string, string]));

const isGrey = (img: RgbImage): boolean => img.data.every((v) => v === FAILURE_LEVEL);

describe('BPG codec (ffmpeg/libx265)', () => {
  const c420 = createBpgCodec({ codec: 'ffmpeg', chroma: '420', preset: 'medium' });
  const c444 = createBpgCodec({ codec: 'ffmpeg', chroma: '444', preset: 'medium' });
  const img = testImage(96, 64);

  test('QP 0 is near-lossless (BT.601 full range both ways); 4:4:4 beats 4:2:0', async () => {
    const p444 = psnr(img, await c444.decode(await c444.encode(img, 0)));
    // 4:2:0 halves the chroma resolution: near-lossless only where chroma is smooth.
    const smooth = testImage(96, 64, 'smooth', false);
    const p420 = psnr(smooth, await c420.decode(await c420.encode(smooth, 0)));
    expect(p444).toBeGreaterThan(50);
    expect(p420).toBeGreaterThan(40);
    expect(p444).toBeGreaterThan(p420);
  });

  test('the stream is a 4-byte size header + Annex-B (VPS, SPS, PPS, IDR slice; no SEI); size falls with QP', async () => {
    const s = await c420.encode(img, 30);
    expect([...s.subarray(0, 4)]).toEqual([0, 96, 0, 64]);
    const nalTypes: number[] = [];
    for (let i = FFMPEG_HEADER_BYTES; i + 3 < s.length; i++) {
      if (s[i] === 0 && s[i + 1] === 0 && s[i + 2] === 1) nalTypes.push((s[i + 3] >> 1) & 0x3f);
    }
    expect(nalTypes.slice(0, 3)).toEqual([32, 33, 34]); // VPS, SPS, PPS
    expect(nalTypes.every((t) => t < 35 || t > 40 || t === 34)).toBe(true); // no SEI (39/40), no AUD (35)
    expect(nalTypes.filter((t) => t === 19 || t === 20).length).toBeGreaterThan(0); // IDR slice(s)
    const sizes = await Promise.all([10, 30, 51].map((q) => c420.encode(img, q).then((x) => x.length)));
    expect(sizes[0]).toBeGreaterThan(sizes[1]);
    expect(sizes[1]).toBeGreaterThan(sizes[2]);
  });

  test('trailing zero bytes (codeword padding) decode to the same picture', async () => {
    const s = await c420.encode(img, 25);
    const padded = new Uint8Array(s.length + 300);
    padded.set(s);
    expect((await c420.decode(padded)).data).toEqual((await c420.decode(s)).data);
  });

  test('decodeMany equals one-by-one decoding', async () => {
    const streams = await Promise.all([20, 35, 50].map((q) => c420.encode(img, q)));
    const many = await c420.decodeMany(streams);
    for (let i = 0; i < streams.length; i++) expect(many[i].data).toEqual((await c420.decode(streams[i])).data);
  });

  test.each([
    ['420', c420],
    ['444', c444],
  ] as [string, BpgCodec][])('odd size 511x383 (%s): padded for HEVC, cropped back', async (_, codec) => {
    const odd = testImage(511, 383, 'odd');
    const out = await codec.decode(await codec.encode(odd, 12));
    expect([out.width, out.height]).toEqual([511, 383]);
    expect(psnr(odd, out)).toBeGreaterThan(35);
  });

  test('padToEven repeats the last row/column; crop undoes it', () => {
    const small = testImage(3, 3);
    const p = padToEven(small);
    expect([p.width, p.height]).toEqual([4, 4]);
    for (let y = 0; y < 4; y++) for (let c = 0; c < 3; c++) expect(p.data[(y * 4 + 3) * 3 + c]).toBe(p.data[(y * 4 + 2) * 3 + c]);
    for (let i = 0; i < 12; i++) expect(p.data[3 * 12 + i]).toBe(p.data[2 * 12 + i]);
    expect(crop(p, 3, 3).data).toEqual(small.data);
  });

  test('a corrupt stream is a CodecDecodeError, never a crash', async () => {
    const junk = new Uint8Array(2000);
    const r = rngFromText('junk');
    for (let i = 0; i < junk.length; i++) junk[i] = r.int(256);
    junk.set([0, 96, 0, 64]);
    await expect(c420.decode(junk)).rejects.toBeInstanceOf(CodecDecodeError);
    await expect(c420.decode(new Uint8Array([0, 96]))).rejects.toBeInstanceOf(CodecDecodeError);
    // A stream cut in half: the decoder may conceal or give up, but only in these two ways.
    const s = await c420.encode(img, 20);
    const half = s.slice(0, Math.floor(s.length / 2));
    const outcome = await c420.decode(half).then(
      (im) => `image ${im.width}x${im.height}`,
      (e: Error) => e.name,
    );
    expect(['image 96x64', 'CodecDecodeError']).toContain(outcome);
  });
});

describe('missing codec programs: one clear line', () => {
  const saved = { PATH: process.env.PATH, MULTISC_FFMPEG: process.env.MULTISC_FFMPEG };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.MULTISC_FFMPEG === undefined) delete process.env.MULTISC_FFMPEG;
    else process.env.MULTISC_FFMPEG = saved.MULTISC_FFMPEG;
  });

  test('--bpg-codec bpgenc without bpgenc on the PATH', () => {
    process.env.PATH = '/nonexistent-bin';
    expect(() => bpgLdpcFactory.create({ 'bpg-codec': 'bpgenc' })).toThrow(UserError);
    expect(() => bpgCapacityFactory.create({ 'bpg-codec': 'bpgenc' })).toThrow(/^--bpg-codec bpgenc: bpgenc not found on the PATH \([^\n]*--bpg-codec ffmpeg\)$/);
  });

  test('--bpg-codec bpgenc runs bpgenc/bpgdec through files in a private temp folder, then removes it', async () => {
    // Stand-ins with bpgenc's and bpgdec's command lines that store the PNG as the "stream".
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-fakebpg-'));
    try {
      const script = (body: string) => `#!/bin/sh\n${body}\n`;
      fs.writeFileSync(path.join(bin, 'bpgenc'), script('[ "$1" = -h ] && { echo "BPG Image Encoder version 0.0-test"; exit 1; }\nwhile [ $# -gt 1 ]; do [ "$1" = -o ] && out="$2"; shift; done\ncp "$1" "$out"'), { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'bpgdec'), script('cp "$3" "$2"'), { mode: 0o755 });
      process.env.PATH = `${bin}${path.delimiter}${saved.PATH}`;
      const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('msb-bpg-')).length;
      const codec = createBpgCodec({ codec: 'bpgenc', chroma: '420', preset: 'medium' });
      expect(codec.version).toBe('bpgenc 0.0-test');
      const img = testImage(33, 17);
      const out = await codec.decode(await codec.encode(img, 30));
      expect(out.data).toEqual(img.data);
      await expect(codec.decode(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(CodecDecodeError);
      expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('msb-bpg-')).length).toBe(before);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('an ffmpeg that is not there', () => {
    process.env.MULTISC_FFMPEG = '/nonexistent/ffmpeg';
    expect(() => bpgLdpcFactory.create({})).toThrow(/^cannot run ffmpeg at \/nonexistent\/ffmpeg \(from MULTISC_FFMPEG\)/);
  });

  test('bad flags are UserErrors', () => {
    expect(() => bpgLdpcFactory.create({ 'bpg-chroma': '422' })).toThrow(UserError);
    expect(() => bpgLdpcFactory.create({ 'bpg-preset': 'turbo' })).toThrow(UserError);
    expect(() => bpgLdpcFactory.create({ 'bpg-mcs': '5/6:qpsk' })).toThrow(/unknown rate '5\/6'/);
    expect(() => bpgLdpcFactory.create({ 'bpg-mcs': '1/2:8psk' })).toThrow(/unknown modulation/);
    expect(() => bpgLdpcFactory.create({ 'on-failure': 'mean' })).toThrow(UserError);
    expect(() => bpgLdpcFactory.create({ 'bpg-decoder': 'bp' })).toThrow(UserError);
    expect(() => bpgCapacityFactory.create({ 'bpg-ratio': '0' })).toThrow(UserError);
  });
});

describe('budget arithmetic', () => {
  test('parseMcs and parseRatio', () => {
    expect(defaultMcsList().map((m) => m.name)).toHaveLength(16);
    expect(() => parseMcs('best')).toThrow();
    expect(parseMcsChoice('auto')).toMatchObject({ choice: 'auto', list: expect.any(Array) });
    expect(parseMcsChoice('oracle').list).toHaveLength(16);
    expect(parseMcsChoice('oracle:1/2:qpsk,2/3:16qam')).toMatchObject({ choice: 'oracle', list: [{ name: '1/2:qpsk' }, { name: '2/3:16qam' }] });
    expect(parseMcsChoice('1/2:qpsk').choice).toBe('auto');
    expect(() => parseMcsChoice('best')).toThrow(/now --bpg-mcs oracle/);
    const [m] = parseMcs('2/3:16-QAM');
    expect([m.name, m.ldpc.name, m.ldpc.k, m.ldpc.e, m.modulation.bitsPerSymbol]).toEqual(['2/3:16qam', 'nr:3072:4608', 3072, 4608, 4]);
    expect(parseMcs('nr:3072:6144:qpsk')[0].name).toBe('1/2:qpsk');
    expect(parseMcs('3/4:64qam')[0].ldpc.rate).toBe(0.75);
    expect(parseMcs('1/3:bpsk')[0].ldpc.rate).toBeCloseTo(1 / 3, 12);
    expect(() => parseMcs('1/2:qpsk,1/2:qpsk')).toThrow(/twice/);
    expect(parseBandwidthRatio('1/6', 'bpg-ratio')).toBeCloseTo(1 / 6, 15);
    expect(parseBandwidthRatio('0.25', 'bpg-ratio')).toBe(0.25);
    for (const bad of ['', '2', '1/0', 'x', '-0.1']) expect(() => parseBandwidthRatio(bad, 'bpg-ratio')).toThrow(/^--bpg-ratio .* is not a bandwidth ratio/);
    expect(() => parseBandwidthRatio('0.6', 'analog-ratio', 0.5)).toThrow(/in \(0, 1\/2\]/);
  });

  test('whole codewords within n symbols; the stream padding is counted', () => {
    const n = symbolCap(1 / 6, 768, 512);
    expect(n).toBe(196608);
    const [m] = parseMcs('3/4:64qam'); // e = 4096 bits: not a whole number of 64-QAM symbols
    const b = ldpcBudget(n, m);
    expect(b.maxCodewords).toBe(Math.floor((n * 6) / 4096));
    expect(b.bytes).toBe((b.maxCodewords * 3072) / 8);
    expect(b.bytes).toBeLessThanOrEqual(Math.floor((n * 6 * 0.75) / 8));
    expect(symbolsFor(codewordsFor(b.bytes, m), m)).toBeLessThanOrEqual(n);
    expect(codewordsFor(385, parseMcs('1/2:qpsk')[0])).toBe(2); // 3080 bits → 2 blocks of 3072
    expect(symbolsFor(3, m)).toBe(Math.ceil((3 * 4096) / 6));
    expect(capacityBudgetBytes(1000, 0)).toBe(125); // log2(2) = 1 bit per symbol
  });

  test('the QP search never exceeds the budget, even when sizes are not monotone', async () => {
    const r = rngFromText('sizes');
    for (let trial = 0; trial < 20; trial++) {
      const table = Array.from({ length: 52 }, (_, q) => Math.round(100000 * Math.exp(-q / 8) * (1 + 0.3 * (r.uniform() - 0.5))));
      const search = new QpSearch(async (q) => table[q]);
      for (const budget of [50, 700, 3000, 20000, 99000, 200000]) {
        const q = await search.bestQp(budget);
        if (q === null) {
          expect(table[51]).toBeGreaterThan(budget);
          continue;
        }
        expect(table[q]).toBeLessThanOrEqual(budget);
        if (q > 0) {
          expect(search.known.has(q - 1)).toBe(true);
          expect(table[q - 1]).toBeGreaterThan(budget);
        }
      }
    }
  });

  test('on monotone sizes the search finds the exact best QP with few encodes', async () => {
    const table = Array.from({ length: 52 }, (_, q) => Math.round(300000 * Math.exp(-(q * q) / 1800 - q / 40)));
    const search = new QpSearch(async (q) => table[q]);
    const budgets = defaultMcsList().map((m) => ldpcBudget(196608, m).bytes);
    for (const b of budgets) {
      const q = await search.bestQp(b);
      const exact = table.findIndex((s) => s <= b);
      expect(q).toBe(exact === -1 ? null : exact);
    }
    expect(search.known.size).toBeLessThanOrEqual(24);
  });
});

describe('LDPC link', () => {
  test('chunks fill whole symbols and SIMD lanes', () => {
    for (const e of [4096, 4608, 6144, 648, 1944])
      for (const bits of [1, 2, 4, 6]) {
        const c = chunkCodewords(e, bits);
        expect(c % 8).toBe(0);
        expect((c * e) % bits).toBe(0);
      }
  });

  test('at high SNR the bytes come back; at −5 dB 64-QAM fails and stops early', () => {
    const stream = new Uint8Array(3000);
    const r = rngFromText('stream');
    for (let i = 0; i < stream.length; i++) stream[i] = r.int(256);
    const options = { algorithm: 'min-sum' as const, maxIterations: 20, demap: 'exact' as const };
    const [m] = parseMcs('3/4:64qam');
    const ok = sendOverLink(stream, m, 25, rngFromText('n1'), options, false);
    expect(ok.codewords).toBe(8); // 24000 bits / 3072
    expect(ok.symbols).toBe(Math.ceil((8 * 4096) / 6));
    expect(ok.codedBits).toBe(8 * 4096);
    expect(ok.failedCodewords).toBe(0);
    expect(ok.received).toEqual(stream);
    const bad = sendOverLink(stream, m, -5, rngFromText('n1'), options, true);
    expect(bad.failedCodewords).toBeGreaterThan(0);
    expect(bad.stoppedEarly).toBe(true);
    expect(bad.received).toBeNull();
  });
});

describe('bpg-ldpc and bpg-capacity schemes', () => {
  const img = testImage(128, 96);
  const opts = { 'bpg-ratio': '1/2' };
  const codec = createBpgCodec({ codec: 'ffmpeg', chroma: '420', preset: 'medium' });

  test('a transparent channel: the output equals a direct encode–decode at the same QP, bit for bit', async () => {
    const scheme = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': '2/3:16qam' }) as Scheme<BpgLdpcPrepared>;
    const p = await scheme.prepare(img);
    const r = await scheme.transmit(p, ctx('bpg-ldpc', 30));
    const d = detailOf(r);
    expect(d.outcome).toBe('ok');
    const qp = Number(d.qp);
    const direct = await codec.decode(await codec.encode(img, qp));
    expect(r.reconstruction.data).toEqual(direct.data);
    // Counts: whole codewords of the stream, symbols actually sent.
    const [m] = parseMcs('2/3:16qam');
    const bytes = Number(d.bytes);
    const codewords = codewordsFor(bytes, m);
    expect(Number(d.codewords)).toBe(codewords);
    expect(r.bitsSent).toBe(codewords * 4608);
    expect(r.channelSymbols).toBe(Math.ceil((codewords * 4608) / 4));
    expect(r.channelSymbols).toBeLessThanOrEqual(symbolCap(0.5, 128, 96));
  });

  test('the budget is never exceeded and each chosen QP is the best that fits', async () => {
    const scheme = bpgLdpcFactory.create(opts) as Scheme<BpgLdpcPrepared>;
    const p = await scheme.prepare(img);
    const n = symbolCap(0.5, 128, 96);
    const sizes = new Map(p.streams.map(([q, s]) => [q, s.length]));
    expect(p.plans).toHaveLength(16);
    for (const plan of p.plans) {
      const [m] = parseMcs(plan.mcs);
      expect(plan.budgetBytes).toBe(ldpcBudget(n, m).bytes);
      if (plan.qp === null) {
        expect((await codec.encode(img, 51)).length).toBeGreaterThan(plan.budgetBytes);
        continue;
      }
      const size = sizes.get(plan.qp)!;
      expect(size).toBeLessThanOrEqual(plan.budgetBytes);
      expect(symbolsFor(codewordsFor(size, m), m)).toBeLessThanOrEqual(n);
      if (plan.qp > 0) expect((await codec.encode(img, plan.qp - 1)).length).toBeGreaterThan(plan.budgetBytes);
    }
  });

  test('best = the highest PSNR of the fixed pairs (same noise per pair); prepared data survives v8', async () => {
    const list = '1/2:qpsk,2/3:16qam,3/4:64qam';
    const best = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': list }) as Scheme<BpgLdpcPrepared>;
    const pb = v8.deserialize(v8.serialize(await best.prepare(img))) as BpgLdpcPrepared;
    const fixed = list.split(',').map((m) => bpgLdpcFactory.create({ ...opts, 'bpg-mcs': m }) as Scheme<BpgLdpcPrepared>);
    const prepared = await Promise.all(fixed.map((s) => s.prepare(img)));
    for (const snr of [0, 6, 12, 18]) {
      const rb = await best.transmit(pb, ctx('bpg-ldpc', snr));
      const rf = await Promise.all(fixed.map((s, i) => s.transmit(prepared[i], ctx('bpg-ldpc', snr))));
      const values = rf.map((r) => psnr(img, r.reconstruction));
      const top = Math.max(...values);
      expect(psnr(img, rb.reconstruction)).toBeCloseTo(top, 10);
      const winner = rf[values.indexOf(top)];
      if (top > psnr(img, createImage(128, 96, new Uint8Array(128 * 96 * 3).fill(FAILURE_LEVEL)))) {
        expect(detailOf(rb).mcs).toBe(detailOf(winner).mcs);
        expect(rb.channelSymbols).toBe(winner.channelSymbols);
      }
    }
  });

  test('below the threshold: the mid-grey failure image, or concealment with --on-failure decode', async () => {
    const grey = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': '3/4:64qam' }) as Scheme<BpgLdpcPrepared>;
    const r = await grey.transmit(await grey.prepare(img), ctx('bpg-ldpc', 0));
    expect(detailOf(r).outcome).toBe('failed');
    expect(isGrey(r.reconstruction)).toBe(true);
    expect(r.channelSymbols).toBeGreaterThan(0); // the codewords were still sent

    const conceal = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': '3/4:64qam', 'on-failure': 'decode' }) as Scheme<BpgLdpcPrepared>;
    const rc = await conceal.transmit(await conceal.prepare(img), ctx('bpg-ldpc', 0));
    const d = detailOf(rc);
    expect(['concealed', 'conceal-failed']).toContain(d.outcome);
    expect(Number(d.failed)).toBeGreaterThan(0);
    expect([rc.reconstruction.width, rc.reconstruction.height]).toEqual([128, 96]);
    if (d.outcome === 'conceal-failed') expect(isGrey(rc.reconstruction)).toBe(true);
  });

  test('nothing fits: nothing is sent, the receiver shows mid-grey', async () => {
    const scheme = bpgLdpcFactory.create({ 'bpg-ratio': '0.001', 'bpg-mcs': '1/2:bpsk' }) as Scheme<BpgLdpcPrepared>;
    const r = await scheme.transmit(await scheme.prepare(img), ctx('bpg-ldpc', 20));
    expect(detailOf(r).outcome).toBe('none');
    expect([r.channelSymbols, r.bitsSent]).toEqual([0, 0]);
    expect(isGrey(r.reconstruction)).toBe(true);
  });

  test('bpg-capacity: error-free, n symbols, never below bpg-ldpc', async () => {
    const cap = bpgCapacityFactory.create(opts);
    const ldpc = bpgLdpcFactory.create(opts) as Scheme<BpgLdpcPrepared>;
    const pc = await cap.prepare(img);
    const pl = await ldpc.prepare(img);
    const n = symbolCap(0.5, 128, 96);
    let last = -Infinity;
    for (const snr of [-3, 3, 9, 15, 21]) {
      const rc = await cap.transmit(pc, ctx('bpg-capacity', snr));
      const rl = await ldpc.transmit(pl, ctx('bpg-ldpc', snr));
      const pcap = psnr(img, rc.reconstruction);
      expect(pcap).toBeGreaterThanOrEqual(psnr(img, rl.reconstruction));
      expect(pcap).toBeGreaterThanOrEqual(last);
      last = pcap;
      const d = detailOf(rc);
      expect(Number(d.bytes)).toBeLessThanOrEqual(capacityBudgetBytes(n, snr));
      expect(rc.channelSymbols).toBe(n);
      expect(rc.bitsSent).toBe(8 * Number(d.bytes));
      expect(rc.reconstruction.data).toEqual((await codec.decode(await codec.encode(img, Number(d.qp)))).data);
    }
  });
});
