import * as fs from 'fs';
import * as path from 'path';
import { createImage, loadImage, type RgbImage } from '../../bench/image';
import type { Detection } from '../../bench/models/detector';
import { CAPTION_VOCABULARY, captionLength, NEUTRAL_CELL, OBJECT_LABELS, parseCaption, POSITIONS, TEXTURES, writeCaption, type BlockLayout } from '../../bench/multi-sc/lite/caption-grammar';
import { colourByName, COLOURS, isColourName, labToSrgb, nameSrgb } from '../../bench/multi-sc/lite/colour-names';
import { composite, renderImageFromBlocks, renderLayout } from '../../bench/multi-sc/lite/layout-renderer';
import { captionBlock, captionImage, detectionsInBlock } from '../../bench/multi-sc/lite/template-captioner';
import { rngFromText, type Rng } from '../../bench/phy/rng';
import { KODAK_DIR, kodakRequirement, testWith } from '../requirements';

const withKodak = testWith(kodakRequirement());

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

function randomLayout(rng: Rng): BlockLayout {
  const rows = 1 + rng.int(5);
  const cols = 1 + rng.int(5);
  const objects = Array.from({ length: rng.int(4) }, () => ({ count: 1 + rng.int(10), label: pick(rng, OBJECT_LABELS), position: pick(rng, POSITIONS) }));
  const cells = Array.from({ length: rows * cols }, () => ({ colour: pick(rng, COLOURS).name, texture: pick(rng, TEXTURES) }));
  return { objects, rows, cols, cells };
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < width * height; i++) img.data.set(rgb, 3 * i);
  return img;
}

const detection = (label: string, x: number, y: number, w = 10, h = 10, score = 0.9): Detection => ({ label, classId: OBJECT_LABELS.indexOf(label), score, box: { x, y, width: w, height: h } });

describe('colour names', () => {
  test('pure primaries and greys get their basic names', () => {
    expect(nameSrgb(255, 0, 0)).toBe('red');
    expect(nameSrgb(0, 255, 0)).toBe('green');
    expect(nameSrgb(0, 0, 255)).toBe('blue');
    expect(nameSrgb(255, 255, 0)).toBe('yellow');
    expect(nameSrgb(255, 128, 0)).toBe('orange');
    expect(nameSrgb(128, 0, 128)).toBe('purple');
    expect(nameSrgb(0, 0, 0)).toBe('black');
    expect(nameSrgb(255, 255, 255)).toBe('white');
    expect(nameSrgb(119, 119, 119)).toBe('grey');
  });

  test('53 names from the 11 basic terms; every centroid is in gamut and names itself', () => {
    expect(COLOURS).toHaveLength(53);
    expect(new Set(COLOURS.map((c) => c.name)).size).toBe(53);
    for (const c of COLOURS) {
      const [r, g, b] = labToSrgb(...c.lab);
      expect(Math.abs(r - c.rgb[0]) + Math.abs(g - c.rgb[1]) + Math.abs(b - c.rgb[2])).toBeLessThan(1e-6);
      for (const v of c.rgb) expect(v >= 0 && v <= 255).toBe(true);
    }
    // Through 8 bits: the rounded centroid still names itself for all but near-duplicates.
    const self = COLOURS.filter((c) => nameSrgb(...(c.rgb.map(Math.round) as [number, number, number])) === c.name).length;
    expect(self).toBe(53);
  });
});

describe('caption grammar', () => {
  test('the example of the module doc', () => {
    const layout: BlockLayout = {
      objects: [
        { count: 2, label: 'person', position: 'left' },
        { count: 1, label: 'boat', position: 'center' },
      ],
      rows: 1,
      cols: 2,
      cells: [
        { colour: 'light blue', texture: 'smooth' },
        { colour: 'dark greyish green', texture: 'busy' },
      ],
    };
    const text = writeCaption(layout);
    expect(text).toBe('Two persons on the left and a boat in the center. Middle row: smooth light blue, busy dark greyish green.');
    expect(parseCaption(text)).toEqual(layout);
  });

  test('round trip of 500 random layouts, with and without the grid given', () => {
    const rng = rngFromText('lite/grammar-round-trip');
    for (let i = 0; i < 500; i++) {
      const layout = randomLayout(rng);
      const text = writeCaption(layout);
      expect(parseCaption(text, { rows: layout.rows, cols: layout.cols })).toEqual(layout);
      expect(parseCaption(text)).toEqual(layout);
    }
  });

  test('articles, plurals and pairs read as English', () => {
    const cells = [{ colour: 'grey', texture: 'smooth' as const }];
    const say = (objects: BlockLayout['objects']) => writeCaption({ objects, rows: 1, cols: 1, cells }).split('.')[0];
    expect(say([{ count: 1, label: 'airplane', position: 'top right' }])).toBe('An airplane at the top right');
    expect(say([{ count: 3, label: 'bus', position: 'bottom' }, { count: 10, label: 'sheep', position: 'left' }, { count: 1, label: 'skis', position: 'center' }])).toBe(
      'Three buses at the bottom, many sheep on the left and a pair of skis in the center',
    );
    expect(say([{ count: 2, label: 'wine glass', position: 'right' }])).toBe('Two wine glasses on the right');
  });

  test('the vocabulary is closed: plain lower-case words that cover every caption', () => {
    const vocabulary = new Set(CAPTION_VOCABULARY);
    for (const w of CAPTION_VOCABULARY) expect(w).toMatch(/^[a-z]+$/);
    const rng = rngFromText('lite/vocabulary');
    const unknown = new Set<string>();
    for (let i = 0; i < 500; i++) {
      for (const w of writeCaption(randomLayout(rng)).toLowerCase().split(/[\s.,:]+/).filter(Boolean)) if (!vocabulary.has(w)) unknown.add(w);
    }
    expect([...unknown]).toEqual([]);
  });

  test('garbage never throws, gives a well-formed layout, and is fast', () => {
    const rng = rngFromText('lite/garbage');
    const bytes = new Uint8Array(4096).map(() => rng.int(256));
    const caption = writeCaption(randomLayout(rngFromText('lite/garbage-caption')));
    const inputs = [
      '',
      ' . , : ',
      new TextDecoder('utf-8', { fatal: false }).decode(bytes),
      '\uFFFD'.repeat(10_000),
      caption.replace(/[aeiou]/g, '\uFFFD'),
      'row row row row row row row: , , , , , , , , ,',
      'x'.repeat(1 << 20),
      'Top row: smooth red. '.repeat(60_000),
      undefined as unknown as string,
    ];
    for (const text of inputs) {
      const t = performance.now();
      for (const grid of [undefined, { rows: 3, cols: 3 }]) {
        const l = parseCaption(text, grid);
        expect(l.cells).toHaveLength(l.rows * l.cols);
        for (const c of l.cells) expect(isColourName(c.colour) && TEXTURES.includes(c.texture)).toBe(true);
        expect(() => writeCaption(l)).not.toThrow();
      }
      expect(performance.now() - t).toBeLessThan(500);
    }
    expect(parseCaption('')).toEqual({ objects: [], rows: 3, cols: 3, cells: Array(9).fill(NEUTRAL_CELL) });
  });

  test('missing or unreadable cells are smooth grey; the rest stay in place', () => {
    const text = 'Top row: smooth red, busy blue. Bottom row: grainy white, #### #####.';
    const l = parseCaption(text, { rows: 3, cols: 3 });
    expect(l.cells).toEqual([
      { colour: 'red', texture: 'smooth' },
      { colour: 'blue', texture: 'busy' },
      NEUTRAL_CELL,
      NEUTRAL_CELL,
      NEUTRAL_CELL,
      NEUTRAL_CELL,
      { colour: 'white', texture: 'grainy' },
      NEUTRAL_CELL,
      NEUTRAL_CELL,
    ]);
  });

  test('misspellings, garbled separators, a lost comma and a lost full stop are read through', () => {
    const layout: BlockLayout = {
      objects: [{ count: 2, label: 'person', position: 'left' }],
      rows: 3,
      cols: 3,
      cells: ['red', 'dark greyish blue', 'light green', 'grey', 'brown', 'white', 'black', 'light greyish purple', 'orange'].map((colour, i) => ({ colour, texture: TEXTURES[i % 4] })),
    };
    const text = writeCaption(layout);
    const garbled = text
      .replace('persons', 'persobs')
      .replace('smooth red', 'smoith bed')
      .replace('greyish blue', 'greyisj blue')
      .replace('light green,', 'light green')
      .replace('white. Bottom', 'white Bottom')
      .replace('purple', 'pu\uFFFDple')
      .replace('Top row:', 'Top r\uFFFD7\uFFFD') // "row:" unreadable
      .replace('busy grey', 'busy$grey') // a space hit by a bit error
      .replace('Bottom row', 'Boptom row');
    expect(garbled).not.toBe(text);
    expect(parseCaption(garbled, { rows: 3, cols: 3 })).toEqual(layout);
  });
});

describe('template captioner', () => {
  test('objects: count, label and position words per block', () => {
    const block = solid(90, 60, [40, 90, 185]);
    const { text, layout } = captionBlock(block, {
      detections: [detection('person', 5, 20), detection('person', 12, 25, 10, 10, 0.8), detection('boat', 40, 25, 10, 10, 0.7)],
    });
    expect(text).toBe('Two persons on the left and a boat in the center. Top row: smooth blue, smooth blue, smooth blue. Middle row: smooth blue, smooth blue, smooth blue. Bottom row: smooth blue, smooth blue, smooth blue.');
    expect(parseCaption(text)).toEqual(layout);
  });

  test('colours over background pixels only; an all-object cell falls back to all its pixels', () => {
    // Left half red (the object), right half blue; the mask also covers the whole left column.
    const img = solid(60, 30, [40, 90, 185]);
    const mask = new Uint8Array(60 * 30);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 30; x++) {
        img.data.set([190, 35, 35], 3 * (y * 60 + x));
        mask[y * 60 + x] = 1;
      }
    }
    const cells = captionBlock(img, { mask, grid: { rows: 1, cols: 3 } }).layout.cells.map((c) => c.colour);
    expect(cells).toEqual(['red', 'blue', 'blue']);
    // Without the mask the middle cell mixes both.
    const mixed = captionBlock(img, { grid: { rows: 1, cols: 3 } }).layout.cells.map((c) => c.colour);
    expect([mixed[0], mixed[2]]).toEqual(['red', 'blue']);
    expect(['red', 'blue']).not.toContain(mixed[1]);
  });

  test('texture words rise with the luminance spread', () => {
    const rng = rngFromText('lite/texture');
    const words = [0, 5, 10, 20].map((sigma) => { // in 8-bit codes; about 0.4 L* each at mid grey
      const img = createImage(40, 40);
      for (let i = 0; i < img.data.length; i += 3) img.data.fill(Math.round(120 + sigma * rng.normal()), i, i + 3);
      return captionBlock(img, { grid: { rows: 1, cols: 1 } }).layout.cells[0].texture;
    });
    expect(words).toEqual(['smooth', 'grainy', 'textured', 'busy']);
  });

  test('detections go to the block holding their centre, in its pixels', () => {
    const ds = [detection('cat', 60, 10, 20, 20), detection('dog', 10, 70, 60, 20)];
    expect(detectionsInBlock(ds, { x: 50, y: 0, width: 50, height: 50 })).toEqual([{ ...ds[0], box: { x: 10, y: 10, width: 20, height: 20 } }]);
    expect(detectionsInBlock(ds, { x: 0, y: 50, width: 50, height: 50 })).toEqual([{ ...ds[1], box: { x: 10, y: 20, width: 40, height: 20 } }]);
  });

  withKodak('Kodak24: captions parse back to their layouts; lengths near the letter\'s ~42 tokens', async () => {
    const lengths: Record<string, { words: number[]; tokens: number[] }> = {};
    const kodakFiles = fs.readdirSync(KODAK_DIR).filter((f) => /^kodim\d\d\.png$/.test(f)).sort();
    expect(kodakFiles).toHaveLength(24);
    for (const file of kodakFiles) {
      const image = await loadImage(path.join(KODAK_DIR, file));
      for (const blocks of [1, 2]) {
        const grid = { rows: blocks, cols: blocks };
        const captions = captionImage(image, { blocks: grid });
        expect(captions).toHaveLength(blocks * blocks);
        for (const c of captions) {
          expect(parseCaption(c.text)).toEqual(c.layout);
          expect(parseCaption(c.text, { rows: 3, cols: 3 })).toEqual(c.layout);
          const n = captionLength(c.text);
          const key = `${blocks}x${blocks} blocks`;
          lengths[key] ??= { words: [], tokens: [] };
          lengths[key].words.push(n.words);
          lengths[key].tokens.push(n.tokens);
        }
      }
    }
    const summary = (xs: number[]) => ({ mean: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1), min: Math.min(...xs), max: Math.max(...xs) });
    const report = Object.entries(lengths).map(([k, v]) => `${k}: words ${JSON.stringify(summary(v.words))}, words+punctuation ${JSON.stringify(summary(v.tokens))}`);
    console.log(`Kodak24 caption lengths (no detections):\n${report.join('\n')}`);
    for (const v of Object.values(lengths)) {
      const mean = summary(v.words).mean;
      expect(mean).toBeGreaterThan(25);
      expect(mean).toBeLessThan(60);
    }
  });
});

describe('layout renderer', () => {
  test('deterministic, and a one-colour smooth layout renders near its centroid', () => {
    const layout: BlockLayout = { objects: [], rows: 2, cols: 2, cells: Array.from({ length: 4 }, () => ({ colour: 'dark greyish blue', texture: 'smooth' as const })) };
    const a = renderLayout(layout, 64, 48);
    expect(Buffer.from(renderLayout(layout, 64, 48).data).equals(Buffer.from(a.data))).toBe(true);
    const rgb = colourByName('dark greyish blue').rgb;
    let err = 0;
    for (let i = 0; i < a.data.length; i++) err += Math.abs(a.data[i] - rgb[i % 3]);
    expect(err / a.data.length).toBeLessThan(2.5);
    expect(nameSrgb(a.data[0], a.data[1], a.data[2])).toBe('dark greyish blue');
  });

  test('busier words render with more spread; cells keep their colours and places', () => {
    const spread = (texture: (typeof TEXTURES)[number]) => {
      const img = renderLayout({ objects: [], rows: 1, cols: 1, cells: [{ colour: 'grey', texture }] }, 100, 100);
      let s = 0;
      let ss = 0;
      for (let i = 0; i < img.data.length; i += 3) {
        s += img.data[i];
        ss += img.data[i] ** 2;
      }
      const n = img.data.length / 3;
      return Math.sqrt(ss / n - (s / n) ** 2);
    };
    const spreads = TEXTURES.map(spread);
    for (let i = 1; i < spreads.length; i++) expect(spreads[i]).toBeGreaterThan(spreads[i - 1]);
    const layout: BlockLayout = { objects: [], rows: 1, cols: 2, cells: [{ colour: 'red', texture: 'smooth' }, { colour: 'blue', texture: 'smooth' }] };
    const img = renderLayout(layout, 200, 20);
    expect(nameSrgb(img.data[3 * 210], img.data[3 * 210 + 1], img.data[3 * 210 + 2])).toBe('red');
    expect(nameSrgb(img.data[3 * 395], img.data[3 * 395 + 1], img.data[3 * 395 + 2])).toBe('blue');
  });

  test('blocks render as one grid: equal to one layout of the joined cells', () => {
    const rng = rngFromText('lite/blocks');
    const cell = () => ({ colour: pick(rng, COLOURS).name, texture: pick(rng, TEXTURES) });
    const blocks = Array.from({ length: 4 }, () => ({ objects: [], rows: 2, cols: 2, cells: Array.from({ length: 4 }, cell) }));
    const joined: BlockLayout = { objects: [], rows: 4, cols: 4, cells: [] };
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) joined.cells.push(blocks[2 * Math.floor(r / 2) + Math.floor(c / 2)].cells[2 * (r % 2) + (c % 2)]);
    const a = renderImageFromBlocks(blocks, { rows: 2, cols: 2 }, 80, 40);
    expect(Buffer.from(a.data).equals(Buffer.from(renderLayout(joined, 80, 40).data))).toBe(true);
    // Mixed grids (e.g. from a damaged caption parsed without the grid) still render.
    const mixed = [blocks[0], blocks[1], blocks[2], { objects: [], rows: 1, cols: 1, cells: [cell()] }];
    expect(renderImageFromBlocks(mixed, { rows: 2, cols: 2 }, 81, 41).data).toHaveLength(81 * 41 * 3);
  });

  test('composite: λ = 0 text only, 1 the slice under its mask, between a blend; clipped to the image', () => {
    const bg = solid(10, 10, [100, 100, 100]);
    const slice = solid(4, 4, [200, 0, 50]);
    const mask = new Uint8Array(16).fill(1);
    mask[0] = 0;
    const box = { x: 8, y: 2, width: 4, height: 4 };
    expect(composite(bg, slice, mask, box, 0).data).toEqual(bg.data);
    const full = composite(bg, slice, mask, box, 1);
    const half = composite(bg, slice, mask, box, 0.5);
    const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray(3 * (y * 10 + x), 3 * (y * 10 + x) + 3));
    expect(px(full, 8, 2)).toEqual([100, 100, 100]); // masked out
    expect(px(full, 9, 3)).toEqual([200, 0, 50]);
    expect(px(half, 9, 3)).toEqual([150, 50, 75]);
    expect(px(full, 7, 3)).toEqual([100, 100, 100]);
    expect(bg.data[0]).toBe(100); // the background is not modified
    expect(() => composite(bg, slice, new Uint8Array(3), box, 1)).toThrow();
  });
});
