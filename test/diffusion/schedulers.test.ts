import * as fs from 'fs';
import * as path from 'path';
import { alphasCumprod, createSampler, schedulerConfigFrom, type Sampler } from '../../bench/diffusion/schedulers';

/**
 * DDIM and Euler against values computed independently with numpy from the published formulas
 * (tools/fixtures/scheduler_reference.py → test/fixtures/schedulers/sd15-reference.json), on
 * SD 1.5's scheduler config: timesteps, σ, the model input scaling and every step's latents, with
 * a stand-in model ε = table[i] + 0.1·x so that an error in one step carries into the next.
 */
const ref = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'schedulers', 'sd15-reference.json'), 'utf8'));
const config = schedulerConfigFrom(ref.config, 'scheduler_config.json');

function close(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected[i])));
}

function run(sampler: Sampler, steps: number): { inputs: number[][]; trace: number[][] } {
  let x: Float32Array = Float32Array.from(ref.x0 as number[], (v) => v * sampler.initNoiseSigma);
  const inputs: number[][] = [];
  const trace: number[][] = [];
  for (let i = 0; i < steps; i++) {
    inputs.push([...sampler.scaleModelInput(x, i)]);
    const eps = Float32Array.from(ref.eps_table[i] as number[], (e, k) => e + 0.1 * x[k]);
    x = sampler.step(eps, i, x);
    trace.push([...x]);
  }
  return { inputs, trace };
}

test('ᾱ of the scaled_linear schedule', () => {
  const ac = alphasCumprod(config);
  for (const [k, v] of Object.entries(ref.alphas_cumprod as Record<string, number>)) expect(Math.abs(ac[Number(k)] - v)).toBeLessThan(1e-12);
});

test.each([1, 10, 25, 50])('DDIM, %i steps: timesteps and every step', (steps) => {
  const s = createSampler('ddim', config, steps);
  const r = ref.ddim[String(steps)];
  expect(s.timesteps).toEqual(r.timesteps);
  expect(s.initNoiseSigma).toBe(1);
  run(s, steps).trace.forEach((x, i) => close(x, r.trace[i], 1e-5));
});

test.each([1, 10, 25, 50])('Euler, %i steps: timesteps, σ_0, the model input and every step', (steps) => {
  const s = createSampler('euler', config, steps);
  const r = ref.euler[String(steps)];
  close(s.timesteps, r.timesteps, 1e-12);
  expect(Math.abs(s.initNoiseSigma - r.init_noise_sigma)).toBeLessThan(1e-9 * r.init_noise_sigma);
  const got = run(s, steps);
  got.inputs.forEach((x, i) => close(x, r.model_inputs[i], 1e-5));
  got.trace.forEach((x, i) => close(x, r.trace[i], 1e-5));
});

test('a config this harness does not implement is one line', () => {
  expect(() => schedulerConfigFrom({ ...ref.config, prediction_type: 'v_prediction' }, 'unet/scheduler_config.json')).toThrow(
    /^unet\/scheduler_config.json: prediction_type "v_prediction" is not implemented \(epsilon\)$/,
  );
  expect(() => createSampler('ddim', config, 0)).toThrow(/--sd-steps 0: use 1…1000/);
});
