import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createImage } from '../../bench/image';
import { paperRoles } from '../../bench/multi-sc/roles';
import { modelSession } from '../../bench/models/session';
import { rngFromText } from '../../bench/phy/rng';
import { modelEntry } from '../../bench/models/registry';
import { paperSemanticModels, PAPER_DTYPES } from '../../bench/models/paper-profile';
import { schemeFactory } from '../../bench/schemes/registry';

/** What the paper profile asks of the registry and of the semantic schemes. */
describe('paper profile roles', () => {
  test('every role model is registered for the paper profile, pinned to a revision or URL', () => {
    for (const dtype of PAPER_DTYPES)
      for (const id of paperSemanticModels('multi-sc', dtype)) {
        const m = modelEntry(id);
        expect([id, m.profiles]).toEqual([id, ['paper']]);
        for (const s of m.sources) {
          if (s.kind === 'hf') expect(s.revision).toMatch(/^[0-9a-f]{40}$/);
          else if (s.kind === 'export') expect(s.script).toBe('python tools/export/ip_adapter_unet.py');
          else expect(s.kind).toBe('url');
          if (s.sha256 !== null) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
        }
      }
    expect(paperSemanticModels('vlm-csc', 'q8')).not.toContain('fcn-resnet50-11');
  });

  test('the lite profile needs none of them; the paper profile names them per --dtype', () => {
    const lite = schemeFactory('multi-sc').requiredModels!({}, 'lite');
    expect(lite.some((id) => id.startsWith('nanollava') || id.startsWith('bart'))).toBe(false);
    expect(schemeFactory('multi-sc').requiredModels!({ dtype: 'q4' }, 'paper')).toContain('nanollava-decoder-q4');
  });

  test.each(['multi-sc', 'single-text', 'vlm-csc'])('%s under the paper profile names the letter\'s models in its config, never a lite one', (name) => {
    const config = schemeFactory(name).create({}, { profile: 'paper' }).config;
    expect(config.generator).toBe('sd15+ip-adapter|sampler=ddim|steps=25|cfg=7.5');
    expect(config.corrector).toBe('bart-spelling-decoder');
    expect(config.captioner).toBe(name === 'vlm-csc' ? "nanollava-decoder-q8 (substitute for the letter's BLIP)" : 'nanollava-decoder-q8');
    expect(config.segmenter).toBe(name === 'vlm-csc' ? 'none' : 'fcn-resnet50-11');
    expect(JSON.stringify(config)).not.toMatch(/isnet|yolox|symspell|layout/);
    expect(() => schemeFactory(name).create({ sampler: 'plms' }, { profile: 'paper' })).toThrow(/^--sampler plms: use ddim or euler$/);
  });
});

describe('the paper roles on the tiny fixtures (same pipeline roles as lite)', () => {
  const roles = paperRoles('q8', { modelsDir: path.join(__dirname, '..', 'fixtures', 'paper-tiny') });

  test('FCN segments, nanoLLaVA writes one caption per block, BART corrects, SD + IP-Adapter generates at the source size', async () => {
    const img = createImage(96, 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 96; x++) img.data.set(x >= 20 && x < 60 && y >= 10 && y < 50 ? [250, 10, 10] : [10, 10, 240], 3 * (y * 96 + x));
    const seg = await (await roles.segmenter()).segment(img);
    expect(seg.box).toEqual({ x: 20, y: 10, width: 40, height: 40 });
    const captions = await (await roles.captioner()).caption(img, { rows: 2, cols: 2 }, seg.mask);
    expect(captions).toHaveLength(4);
    for (const c of captions) expect(c.length).toBeGreaterThan(0);
    expect(await (await roles.corrector()).correct('teh rde cra')).toBe('the red car');
    const generated = await (await roles.generator()).generate(['the red car'], { rows: 1, cols: 1 }, 96, 64, null, 1, rngFromText('t'));
    expect([generated.width, generated.height]).toEqual([96, 64]);
  });
});

test('a file that is not the model its id names fails its contract on load, in one line: found vs expected', async () => {
  const tiny = path.join(__dirname, '..', 'fixtures', 'paper-tiny');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-contract-'));
  try {
    fs.copyFileSync(path.join(tiny, 'fcn', 'fcn-resnet50-11.onnx'), path.join(dir, 'wrong.onnx'));
    const fcn = JSON.parse(fs.readFileSync(path.join(tiny, 'fixtures.json'), 'utf8')).models['fcn-resnet50-11'];
    fs.writeFileSync(path.join(dir, 'fixtures.json'), JSON.stringify({ models: { 'nanollava-embed-tokens-q8': { path: 'wrong.onnx', sha256: fcn.sha256 } } }));
    await expect(modelSession('nanollava-embed-tokens-q8', { modelsDir: dir })).rejects.toThrow(
      /^model nanollava-embed-tokens-q8: .*wrong\.onnx has inputs input:float32\[.*\], the registry expects input_ids:int64\[batch,seq\]; the file is not the model the registry describes$/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
