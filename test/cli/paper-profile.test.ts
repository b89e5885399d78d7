import * as fs from 'fs';
import * as path from 'path';
import { cliEnv, makeSyntheticKodak, runCli, tempDir } from './helpers';
import { cliRequirement, describeWith } from '../requirements';

/**
 * The paper profile never falls back to the lite models: without its models it stops in one line
 * that names them and the command that fetches them; schemes without profile-specific models
 * (analog, deep JSCC, BPG-LDPC) run, and run.json records the profile and the metric models apart.
 */
describeWith(cliRequirement())('--profile paper', () => {
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    work = tempDir('paper');
    dataDir = path.join(work, 'data');
    await makeSyntheticKodak(dataDir);
    env = { ...cliEnv(path.join(work, 'cache')), MULTISC_MODELS_DIR: path.join(work, 'no-models') };
    fs.mkdirSync(env.MULTISC_MODELS_DIR!);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const run = (out: string, ...more: string[]) =>
    runCli(['run', '--profile', 'paper', '--dataset', 'kodak24', '--data-dir', dataDir, '--limit', '1', '--snr', '9', '--metrics', 'psnr', '--quiet', '--out', out, ...more], env);

  test.each([
    ['multi-sc', ['nanollava-vision-encoder-q8', 'nanollava-decoder-q8', 'nanollava-tokenizer', 'bart-spelling-encoder', 'bart-spelling-decoder', 'fcn-resnet50-11', 'sd15-unet-ip-adapter', 'sd15-vae-decoder']],
    ['vlm-csc', ['nanollava-embed-tokens-q8', 'bart-spelling-config']],
  ])('%s without its models: one error line naming them and the fetch command; nothing written', (scheme, named) => {
    const out = path.join(work, `refused-${scheme}`);
    const r = run(out, '--schemes', scheme);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: --profile paper: ${scheme} needs models that are not here: .*npm run models -- fetch --profile paper\`; export the generator with \`python tools/export/ip_adapter_unet.py\``));
    for (const id of named) expect(lines[0]).toContain(id);
    if (scheme === 'vlm-csc') expect(lines[0]).not.toContain('fcn-resnet50-11');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--dtype picks the captioner variant the refusal names', () => {
    const r = run(path.join(work, 'refused-fp16'), '--schemes', 'single-text', '--dtype', 'fp16');
    expect(r.stderr).toContain('nanollava-decoder-fp16');
    expect(r.stderr).not.toContain('nanollava-decoder-q8');
    expect(run(path.join(work, 'bad-dtype'), '--schemes', 'multi-sc', '--dtype', 'int3').stderr.trim()).toMatch(/^error: --dtype int3: use q8, q4, fp16, fp32$/);
  });

  test('a scheme without paper-specific models runs; run.json keeps the profile and the metric models apart', () => {
    const out = path.join(work, 'analog');
    const r = run(out, '--schemes', 'analog');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).config;
    expect(config.profile).toBe('paper');
    expect(config.metric_models).toEqual(expect.stringMatching(/^(offline|public)$/));
    expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').split('\n')[1]).toMatch(/^kodak24,analog,paper,9,kodim01,/);
  });

  test('models list --profile paper: every file with its size, source and sha256', () => {
    const r = runCli(['models', 'list', '--profile', 'paper'], env);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const at = (id: string) => lines.findIndex((l) => l.startsWith(`${id} `));
    for (const id of ['nanollava-decoder-q8', 'nanollava-decoder-fp16', 'bart-spelling-decoder', 'fcn-resnet50-11', 'clip-vit-b32-image', 'lpips-alex', 'nanollava-tokenizer', 'sd15-unet-ip-adapter']) {
      expect(at(id)).toBeGreaterThanOrEqual(0);
      expect(lines[at(id)]).toMatch(/absent +from (hf |https:\/\/|exported by the user with python tools\/export\/ip_adapter_unet\.py: )/);
      expect(lines[at(id) + 1]).toMatch(/^ +size .+; sha256 ([0-9a-f]{64}|not published \(the revision pins it; recorded on fetch\)|recorded by the export script in exports.json)$/);
    }
    expect(lines[at('nanollava-decoder-q8')]).toContain('hf Xenova/nanoLLaVA@603bc229a629/onnx/decoder_model_merged_quantized.onnx');
    expect(lines[at('nanollava-decoder-q8') + 1]).toContain('size 484413840 B (484.4 MB); sha256 5eddb33de046ceabef9072b55b203cf3065a654e62a6d07efc5dbc96d4561dfc');
    expect(lines[at('fcn-resnet50-11') + 1]).toContain('sha256 8abd3ae6c258e6fd210d8fb296261ea5c0603c6cc2f568db6097f6fbaaeff0d5');
  });

  test('--metric-models public on the fixture folder: rows scored by the stand-ins, each named a fixture in run.json', () => {
    const out = path.join(work, 'public-metrics');
    const fixtures = path.join(__dirname, '..', 'fixtures', 'paper-tiny');
    const r = runCli(
      ['run', '--profile', 'lite', '--dataset', 'kodak24', '--data-dir', dataDir, '--limit', '1', '--snr', '9', '--schemes', 'analog',
        '--metric-models', 'public', '--models-dir', fixtures, '--metrics', 'lpips,cosine', '--quiet', '--out', out],
      env,
    );
    expect(r.stderr).toBe('warning: lpips-alex, clip-vit-b32-image: test fixtures (same inputs and outputs, not the real weights); these results mean nothing\n');
    expect(r.status).toBe(0);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.metric_models).toBe('public');
    expect(run.config.metrics.lpips).toMatch(/^lpips:net=alex\|v=0\.1\|/);
    expect(run.models.map((m: { id: string; source: string }) => `${m.id}:${m.source}`).sort()).toEqual(['clip-vit-b32-image:fixture', 'lpips-alex:fixture']);
  });

  test('end to end on the fixtures: Multi-SC, single-text SC and VLM-CSC rows labelled paper; run.json names every model and its sha256', () => {
    const out = path.join(work, 'paper-e2e');
    const fixtures = path.join(__dirname, '..', 'fixtures', 'paper-tiny');
    const r = runCli(
      ['run', '--profile', 'paper', '--models-dir', fixtures, '--schemes', 'multi-sc,single-text,vlm-csc', '--limit', '1', '--snr', '9',
        '--dataset', 'kodak24', '--data-dir', dataDir, '--metric-models', 'public', '--sd-steps', '4', '--quiet', '--out', out],
      env,
    );
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*sd15-unet-ip-adapter.*: test fixtures \(same inputs and outputs, not the real weights\); these results mean nothing\n$/);
    const rows = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.map((l) => l.split(',').slice(0, 5).join(','))).toEqual(['multi-sc', 'single-text', 'vlm-csc'].map((s) => `kodak24,${s},paper,9,kodim01`));
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    const models = new Map<string, { sha256: string; source: string }>(run.models.map((m: { id: string; sha256: string; source: string }) => [m.id, m]));
    for (const id of ['nanollava-decoder-q8', 'bart-spelling-decoder', 'fcn-resnet50-11', 'sd15-unet-ip-adapter', 'sd15-text-encoder', 'sd15-vae-decoder', 'ip-adapter-image-encoder', 'ip-adapter-projection']) {
      expect([id, models.get(id)?.source, models.get(id)?.sha256]).toEqual([id, 'fixture', expect.stringMatching(/^[0-9a-f]{64}$/)]);
    }
    expect(run.config.schemes['multi-sc'].generator).toBe('sd15+ip-adapter|sampler=ddim|steps=4|cfg=7.5');
    expect(run.config.schemes['vlm-csc'].captioner).toBe("nanollava-decoder-q8 (substitute for the letter's BLIP)");
    for (const p of ['captioning', 'correction', 'segmentation', 'unet', 'vae-decoder']) expect([p, run.timings.phases[p]?.calls > 0]).toEqual([p, true]);
  });

  test('the paper profile under --budget: every semantic row within ⌊k/n·H·W·3⌋, the budget in each config', () => {
    const out = path.join(work, 'paper-budget');
    const fixtures = path.join(__dirname, '..', 'fixtures', 'paper-tiny');
    const r = runCli(
      ['run', '--profile', 'paper', '--models-dir', fixtures, '--schemes', 'multi-sc,single-text,vlm-csc', '--limit', '1', '--snr', '9', '--budget', '1/2',
        '--dataset', 'kodak24', '--data-dir', dataDir, '--metric-models', 'public', '--sd-steps', '2', '--quiet', '--out', out],
      env,
    );
    expect(r.status).toBe(0);
    // Only the fixtures' warning: no scheme left out (the stand-in captioner's 96 random tokens
    // per caption are long, so the budget is generous; the slice is downscaled to fit).
    expect(r.stderr).toMatch(/^warning: [^\n]*test fixtures[^\n]*\n$/);
    const cap = Math.floor((200 * 180 * 3) / 2);
    const rows = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(3);
    for (const f of rows) expect(Number(f[11])).toBeLessThanOrEqual(cap);
    // Unconstrained, Multi-SC spends 72 757 symbols here: its slice now fills what is left.
    expect(Number(rows.find((f) => f[1] === 'multi-sc')![11])).toBeGreaterThan(0.99 * cap);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.config.budget).toBe('1/2');
    for (const s of ['multi-sc', 'single-text', 'vlm-csc']) expect(run.config.schemes[s].budget).toBe('1/2');
  });

  test('models fetch skips what only the export script makes, says so, and fetches the rest', () => {
    const r = runCli(['models', 'fetch', 'sd15-unet-ip-adapter', 'ip-adapter-projection'], env);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(
      'not downloadable, to be exported with python tools/export/ip_adapter_unet.py (README: GPU recipe): sd15-unet-ip-adapter, ip-adapter-projection',
    );
  });
});
