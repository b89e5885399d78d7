/**
 * How close the lite text path alone gets to the source (no channel noise, no object slice):
 * Kodak24 → template captions → parse → layout renderer, scored by the offline metrics, as
 * VLM-CSC-like (the whole image as one block) and Multi-SC-like (2×2 blocks). Also prints the
 * captions' lengths. Run after `npx tsc -p .`:
 *
 *     MULTISC_DATA_DIR=../shared/datasets MULTISC_MODELS_DIR=../shared/models \
 *       node dist/bench/multi-sc/lite/measure-lite.js [--grids 3,5] [--limit 24] [--no-detect]
 *
 * `--grids` lists the cell grids per block to compare (n means n×n). Detections (YOLOX-Nano) only
 * change the captions' object words, which the renderer does not draw; they count for the lengths.
 *
 * Measured (lpips-squeeze-caffe at full size, squeezenet11-caffe-embed cosine, 24 images, ~20 s a grid):
 *
 *     cells per block   VLM-CSC-like LPIPS / cosine   Multi-SC-like LPIPS / cosine   words per caption
 *     3×3 (default)     0.630 / 0.241                 0.598 / 0.285                  43.6 / 38.8
 *     5×5               0.606 / 0.286                 0.572 / 0.332                  102.3 / 96.8
 *
 * 5×5 scores better but its captions are 2.4× the letter's ~42 tokens, so 3×3 is the default.
 */
import { ensureDataset } from '../../../datasets';
import { benchOption } from '../../bench-options';
import { loadImage, type RgbImage } from '../../image';
import { cosineSimilarity, createImageEmbedder } from '../../metrics/cosine';
import { createLpips } from '../../metrics/lpips';
import { createDetector, type Detection } from '../../models/detector';
import { captionLength, parseCaption } from './caption-grammar';
import { renderImageFromBlocks } from './layout-renderer';
import { captionImage } from './template-captioner';

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const stats = (xs: number[]) => `mean ${mean(xs).toFixed(1)}, min ${Math.min(...xs)}, max ${Math.max(...xs)}`;

const SCHEMES = [
  { name: 'vlm-csc-like (1 block)', blocks: { rows: 1, cols: 1 } },
  { name: 'multi-sc-like (2x2 blocks)', blocks: { rows: 2, cols: 2 } },
];

async function main(): Promise<void> {
  const grids = benchOption('grids', '3').split(',').map(Number);
  const limit = Number(benchOption('limit', '24'));
  const kodak = await ensureDataset('kodak24', { fetchIfMissing: false, limit });
  const lpips = await createLpips('lpips-squeeze-caffe');
  const embedder = await createImageEmbedder('squeezenet11-caffe-embed');
  let detect: ((im: RgbImage) => Promise<Detection[]>) | null = null;
  if (!process.argv.includes('--no-detect')) {
    const detector = await createDetector();
    detect = (im) => detector.detect(im);
  }
  console.log(`${kodak.images.length} Kodak images; ${lpips.signature}; ${embedder.signature}; detections ${detect ? 'on' : 'off'}`);

  const t0 = performance.now();
  const scores = new Map<string, { lpips: number[]; cosine: number[]; words: number[]; tokens: number[]; colours: Set<string> }>();
  for (const im of kodak.images) {
    const source = await loadImage(im.path);
    const detections = detect ? await detect(source) : [];
    const [sourceEmbedding] = await embedder.embed([source]);
    for (const grid of grids) {
      for (const scheme of SCHEMES) {
        const key = `${scheme.name}, ${grid}x${grid} cells per block`;
        const captions = captionImage(source, { blocks: scheme.blocks, grid: { rows: grid, cols: grid }, detections });
        const layouts = captions.map((c) => parseCaption(c.text, { rows: grid, cols: grid }));
        const rendered = renderImageFromBlocks(layouts, scheme.blocks, source.width, source.height);
        const s = scores.get(key) ?? { lpips: [], cosine: [], words: [], tokens: [], colours: new Set() };
        scores.set(key, s);
        s.lpips.push(await lpips.distance(rendered, source));
        s.cosine.push(cosineSimilarity((await embedder.embed([rendered]))[0], sourceEmbedding));
        for (const c of captions) {
          const n = captionLength(c.text);
          s.words.push(n.words);
          s.tokens.push(n.tokens);
          for (const cell of c.layout.cells) s.colours.add(cell.colour);
        }
      }
    }
  }
  for (const [key, s] of scores) {
    console.log(`${key}: LPIPS ${mean(s.lpips).toFixed(3)}, cosine ${mean(s.cosine).toFixed(3)}`);
    console.log(`  caption words ${stats(s.words)}; words+punctuation ${stats(s.tokens)}; ${s.colours.size} distinct colour names`);
  }
  for (const grid of grids) {
    const [vlm, multi] = SCHEMES.map((scheme) => scores.get(`${scheme.name}, ${grid}x${grid} cells per block`) as { lpips: number[]; cosine: number[] });
    const lpipsWins = multi.lpips.filter((v, i) => v < vlm.lpips[i]).length;
    const cosineWins = multi.cosine.filter((v, i) => v > vlm.cosine[i]).length;
    console.log(`${grid}x${grid}: multi-sc-like beats vlm-csc-like on ${lpipsWins}/${multi.lpips.length} images in LPIPS, ${cosineWins}/${multi.cosine.length} in cosine`);
  }
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
