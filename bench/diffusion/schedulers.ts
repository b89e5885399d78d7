import { UserError } from '../errors';

/**
 * The two samplers of the paper profile's Stable Diffusion 1.5, as diffusers implements them for
 * ε-prediction, from the model's scheduler_config.json (SD 1.5: 1000 training steps,
 * scaled_linear betas 0.00085…0.012, steps_offset 1, set_alpha_to_one false):
 *
 *   ᾱ_t = Π_{s≤t} (1 − β_s),  β = linspace(√β_start, √β_end, T)²  (scaled_linear)
 *
 * DDIM (η = 0, "leading" spacing): t_i = i·⌊T/N⌋ + offset, descending; with t' = t − ⌊T/N⌋
 * (ᾱ_{t'} = ᾱ_0 when t' < 0):  x̂₀ = (x − √(1−ᾱ_t)·ε)/√ᾱ_t,  x' = √ᾱ_{t'}·x̂₀ + √(1−ᾱ_{t'})·ε.
 *
 * Euler ("linspace" spacing): t_i = linspace(0, T−1, N) descending, σ(t) = √((1−ᾱ)/ᾱ) read off
 * linearly between integer t, σ_N = 0; the model sees x/√(σ²+1); x' = x + (σ_{i+1} − σ_i)·ε;
 * the first latents are N(0, 1)·σ_0 (max σ).
 */
export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: 'scaled_linear' | 'linear';
  stepsOffset: number;
  setAlphaToOne: boolean;
  predictionType: 'epsilon';
}

/** Reads diffusers' scheduler_config.json; anything this harness does not implement is one line. */
export function schedulerConfigFrom(json: Record<string, unknown>, file: string): SchedulerConfig {
  const num = (k: string, d?: number): number => {
    const v = json[k] ?? d;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${file}: "${k}" is ${JSON.stringify(json[k])}, expected a number`);
    return v;
  };
  const schedule = String(json.beta_schedule ?? 'linear');
  if (schedule !== 'scaled_linear' && schedule !== 'linear') throw new UserError(`${file}: beta_schedule "${schedule}" is not implemented (scaled_linear, linear)`);
  const prediction = String(json.prediction_type ?? 'epsilon');
  if (prediction !== 'epsilon') throw new UserError(`${file}: prediction_type "${prediction}" is not implemented (epsilon)`);
  return {
    numTrainTimesteps: num('num_train_timesteps', 1000),
    betaStart: num('beta_start', 0.0001),
    betaEnd: num('beta_end', 0.02),
    betaSchedule: schedule,
    stepsOffset: num('steps_offset', 0),
    setAlphaToOne: json.set_alpha_to_one === undefined ? true : Boolean(json.set_alpha_to_one),
    predictionType: 'epsilon',
  };
}

export function alphasCumprod(c: SchedulerConfig): Float64Array {
  const T = c.numTrainTimesteps;
  const out = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    const f = T === 1 ? 0 : i / (T - 1);
    const beta =
      c.betaSchedule === 'scaled_linear' ? (Math.sqrt(c.betaStart) + f * (Math.sqrt(c.betaEnd) - Math.sqrt(c.betaStart))) ** 2 : c.betaStart + f * (c.betaEnd - c.betaStart);
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}

/** One sampler run: the timesteps to feed the UNet, the input scaling, and the update. */
export interface Sampler {
  readonly name: 'ddim' | 'euler';
  /** Descending timesteps, one per step (Euler's are fractional). */
  readonly timesteps: readonly number[];
  /** The initial latents' standard deviation. */
  readonly initNoiseSigma: number;
  /** What the UNet is given at step i for latents x. */
  scaleModelInput(x: Float32Array, i: number): Float32Array;
  /** The latents after step i, from the model's noise prediction ε. */
  step(eps: Float32Array, i: number, x: Float32Array): Float32Array;
}

export const SAMPLERS = ['ddim', 'euler'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export function createSampler(name: SamplerName, c: SchedulerConfig, steps: number): Sampler {
  if (!(SAMPLERS as readonly string[]).includes(name)) throw new UserError(`--sampler ${String(name)}: use ${SAMPLERS.join(' or ')}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > c.numTrainTimesteps) throw new UserError(`--sd-steps ${steps}: use 1…${c.numTrainTimesteps}`);
  const ac = alphasCumprod(c);
  return name === 'ddim' ? ddim(c, ac, steps) : euler(c, ac, steps);
}

function ddim(c: SchedulerConfig, ac: Float64Array, steps: number): Sampler {
  const ratio = Math.floor(c.numTrainTimesteps / steps);
  const timesteps = Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + c.stepsOffset);
  const finalAlpha = c.setAlphaToOne ? 1 : ac[0];
  return {
    name: 'ddim',
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (x) => x,
    step(eps, i, x) {
      const t = timesteps[i];
      const prev = t - ratio;
      const a = ac[t];
      const aPrev = prev >= 0 ? ac[prev] : finalAlpha;
      const out = new Float32Array(x.length);
      const sa = Math.sqrt(a);
      const sb = Math.sqrt(1 - a);
      const saPrev = Math.sqrt(aPrev);
      const sbPrev = Math.sqrt(1 - aPrev);
      for (let k = 0; k < x.length; k++) {
        const x0 = (x[k] - sb * eps[k]) / sa;
        out[k] = saPrev * x0 + sbPrev * eps[k];
      }
      return out;
    },
  };
}

function euler(c: SchedulerConfig, ac: Float64Array, steps: number): Sampler {
  const T = c.numTrainTimesteps;
  // numpy.linspace(0, T − 1, N)[::-1] (N = 1 gives 0, as in diffusers).
  const timesteps = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : ((T - 1) * (steps - 1 - i)) / (steps - 1)));
  const sigmaAt = (t: number): number => {
    const lo = Math.floor(t);
    const hi = Math.min(T - 1, lo + 1);
    const s = (k: number) => Math.sqrt((1 - ac[k]) / ac[k]);
    return s(lo) + (t - lo) * (s(hi) - s(lo));
  };
  const sigmas = [...timesteps.map(sigmaAt), 0];
  return {
    name: 'euler',
    timesteps,
    initNoiseSigma: Math.max(...sigmas),
    scaleModelInput(x, i) {
      const f = 1 / Math.sqrt(sigmas[i] ** 2 + 1);
      return x.map((v) => v * f);
    },
    step(eps, i, x) {
      const dt = sigmas[i + 1] - sigmas[i];
      return x.map((v, k) => v + eps[k] * dt);
    },
  };
}
