import { arrayDecoder, pipe, type ResultContainer, TimesideError } from '@timeside/core';
import { YIN } from 'pitchfinder';
import { afterAll, describe, expect, it } from 'vitest';
import { Yin } from './dsp/yin.js';
import { Pitch, type PitchMethod } from './pitch.js';

const SR = 44100;

function sine(freqHz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / SR + 0.3);
  return out;
}

/** `length` samples of uniform white noise in [-amplitude, amplitude) from a fixed seed (mulberry32). */
function whiteNoise(length: number, amplitude: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = amplitude * (2 * u - 1);
  }
  return out;
}

function cents(hz: number, referenceHz: number): number {
  return 1200 * Math.log2(hz / referenceHz);
}

async function analyse(signal: Float32Array, params: Record<string, unknown>): Promise<ResultContainer> {
  return pipe(arrayDecoder(signal, SR), new Pitch(params)).run();
}

function voicedFraction(results: ResultContainer): number {
  const label = results.require('pitch.voiced').label!;
  return label.reduce((sum, v) => sum + v, 0) / label.length;
}

const TONES_HZ = [110, 220, 261.63, 440, 880, 1760];
const ACCURATE_METHODS: PitchMethod[] = ['yin', 'yinfft', 'mcleod'];
/** Median error (cents) per method and frequency, printed for the record. */
const measured: Record<string, Record<number, string>> = {};
/** Fraction of voiced frames in white noise, per method, printed for the record. */
const noiseVoiced: Record<string, string> = {};
/** yin against pitchfinder's YIN per tone, printed for the record. */
const agreement: Record<string, { bothVoiced: string; maxCents: string }> = {};

afterAll(() => {
  console.table(measured);
  console.table(noiseVoiced);
  console.table(agreement);
});

describe('pitch: pure tones (1 s, amplitude 0.5) → median error ≤ 5 cents', () => {
  const cases = ACCURATE_METHODS.flatMap((method) => TONES_HZ.map((hz) => ({ method, hz })));
  it.each(cases)('$method at $hz Hz', async ({ method, hz }) => {
    const results = await analyse(sine(hz, 1), { method });
    const median = results.require('pitch.median').value as number;
    const error = cents(median, hz);
    measured[method] ??= {};
    measured[method][hz] = error.toFixed(2);
    expect(Math.abs(error)).toBeLessThanOrEqual(5);
    // A steady tone is voiced in nearly every frame (the last, mostly zero-padded ones may not be).
    expect(voicedFraction(results)).toBeGreaterThanOrEqual(0.9);
    // Unvoiced frames carry NaN, voiced ones a pitch: never a 0 Hz value.
    const f0 = results.require('pitch.f0').value as Float32Array;
    const label = results.require('pitch.voiced').label!;
    for (let i = 0; i < f0.length; i++) expect(label[i] === 1 ? f0[i] > 0 : Number.isNaN(f0[i])).toBe(true);
  });
});

describe('pitch: harmonic tones (8 partials of amplitude 1/h) → median error ≤ 5 cents, no octave error', () => {
  const cases = ACCURATE_METHODS.flatMap((method) => [110, 330].map((hz) => ({ method, hz })));
  it.each(cases)('$method at $hz Hz', async ({ method, hz }) => {
    const signal = new Float32Array(SR);
    for (let h = 1; h <= 8; h++) {
      for (let i = 0; i < SR; i++) signal[i] += (0.3 / h) * Math.sin((2 * Math.PI * h * hz * i) / SR + h);
    }
    const results = await analyse(signal, { method });
    expect(Math.abs(cents(results.require('pitch.median').value as number, hz))).toBeLessThanOrEqual(5);
    expect(voicedFraction(results)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('pitch: the looser methods at 440 Hz', () => {
  // amdf works on integer lags (no interpolation): at 440 Hz the period is 100.23 samples, and one
  // lag of error is 17 cents. dynamic_wavelet averages extremum distances. Both are held to
  // 20 cents and 90 % voiced frames, not to the 5 cents of the others.
  it.each(['amdf', 'dynamic_wavelet'] as const)(
    '%s: median within 20 cents, 9 frames in 10 voiced',
    async (method) => {
      const results = await analyse(sine(440, 1), { method });
      const error = cents(results.require('pitch.median').value as number, 440);
      measured[method] = { 440: error.toFixed(2) };
      expect(Math.abs(error)).toBeLessThanOrEqual(20);
      expect(voicedFraction(results)).toBeGreaterThanOrEqual(0.9);
    },
  );
});

describe('pitch: no pitch in silence and white noise (≥ 95 % unvoiced)', () => {
  const methods: PitchMethod[] = ['yin', 'yinfft', 'mcleod', 'amdf', 'dynamic_wavelet'];
  it.each(methods)('%s on 1 s of digital silence', async (method) => {
    const results = await analyse(new Float32Array(SR), { method });
    expect(voicedFraction(results)).toBe(0);
    expect(results.require('pitch.median').value).toBeNaN();
    expect((results.require('pitch.segments').time as Float64Array).length).toBe(0);
  });
  it.each(methods)('%s on 1 s of white noise at −9 dBFS RMS (seed 7)', async (method) => {
    const results = await analyse(whiteNoise(SR, 0.6, 7), { method });
    noiseVoiced[method] = voicedFraction(results).toFixed(3);
    expect(1 - voicedFraction(results)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('pitch: segments and summary', () => {
  it('finds two stable segments with their pitch for 220 Hz then 330 Hz', async () => {
    const signal = new Float32Array(SR);
    signal.set(sine(220, 0.5));
    signal.set(sine(330, 0.5), SR / 2);
    const results = await analyse(signal, { method: 'yinfft' });
    const segments = results.require('pitch.segments');
    const hz = segments.value as Float32Array;
    const time = segments.time!;
    const duration = segments.duration!;
    // Frames straddling the change may form no segment; the two notes must.
    const long = [...hz.keys()].filter((i) => duration[i] > 0.3);
    expect(long).toHaveLength(2);
    expect(Math.abs(cents(hz[long[0]], 220))).toBeLessThan(5);
    expect(Math.abs(cents(hz[long[1]], 330))).toBeLessThan(5);
    expect(time[long[0]]).toBeLessThan(0.05);
    // The second note starts at 0.5 s; a frame (46 ms) that overlaps both is not stable.
    expect(Math.abs(time[long[1]] - 0.5)).toBeLessThan(0.05);
  });

  // A tone above maxFreq is unvoiced, not read at a subharmonic that falls inside the range
  // (880 Hz → 440 Hz, 1500 Hz → 750 Hz). amdf is left out: pitchfinder's AMDF searches only
  // [minFreq, maxFreq] by design, so it does read the subharmonic (see the method's description).
  const outOfRange = (['yin', 'yinfft', 'mcleod', 'dynamic_wavelet'] as const).flatMap((method) => [
    { method, name: 'sine 880 Hz, maxFreq 500', maxFreq: 500, signal: () => sine(880, 0.5) },
    {
      name: '1500 Hz, 4 partials 1/h, maxFreq 1000',
      method,
      maxFreq: 1000,
      signal: () => {
        const out = new Float32Array(SR / 2);
        for (let h = 1; h <= 4; h++)
          for (let i = 0; i < out.length; i++)
            out[i] += (0.4 / h) * Math.sin((2 * Math.PI * h * 1500 * i) / SR + h);
        return out;
      },
    },
  ]);
  it.each(outOfRange)('$method: $name is unvoiced (≤ 5 % of frames)', async ({ method, maxFreq, signal }) => {
    const results = await analyse(signal(), { method, maxFreq });
    expect(voicedFraction(results)).toBeLessThanOrEqual(0.05);
  });

  it('rejects minFreq ≥ maxFreq with a TimesideError naming the parameter', () => {
    expect(() => new Pitch({ minFreq: 500, maxFreq: 400 })).toThrow(TimesideError);
    expect(() => new Pitch({ minFreq: 500, maxFreq: 400 })).toThrow(/minFreq/);
    expect(() => new Pitch({ method: 'crepe' })).toThrow(/method/);
  });
});

describe('yin: difference function through the FFT', () => {
  // YIN's eq. 6, summed directly: d(τ) = Σ_{j<W} (x_j − x_{j+τ})², W = frameSize/2.
  function directDifference(frame: Float32Array, lag: number): number {
    const w = frame.length / 2;
    let sum = 0;
    for (let j = 0; j < w; j++) {
      const delta = frame[j] - frame[j + lag];
      sum += delta * delta;
    }
    return sum;
  }

  it.each([512, 2048])('equals the direct sum on a %i-sample noise frame to 1e-6 relative', (frameSize) => {
    const frame = whiteNoise(frameSize, 0.6, frameSize);
    // A DC offset makes the energy terms of eq. 7 dominate the cross term: a harder cancellation.
    for (let i = 0; i < frameSize; i++) frame[i] += 0.25;
    const yin = new Yin(frameSize);
    const fast = new Float64Array(frameSize / 2 + 1);
    yin.difference(frame, fast);
    expect(fast[0]).toBe(0);
    let worst = 0;
    for (let lag = 1; lag <= frameSize / 2; lag++) {
      const direct = directDifference(frame, lag);
      worst = Math.max(worst, Math.abs(fast[lag] - direct) / direct);
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

describe('yin: independent of level, down to the lowest f0', () => {
  // d′ is a ratio of differences, so scaling the signal changes nothing. pitchfinder's YIN, which
  // pitch used before, replaces d(1) by 1 in the running sum of its normalisation: where the d(τ)
  // are small (quiet or low tones) d′ shrinks at short lags, lag 2 passes the threshold, and it
  // reads ≈ 18 kHz (unvoiced) for every one of these cases but the first.
  const cases = [
    { hz: 440, amplitude: 0.5 },
    { hz: 440, amplitude: 0.05 },
    { hz: 440, amplitude: 0.01 },
    { hz: 65.41, amplitude: 0.5 },
    { hz: 110, amplitude: 0.03 },
  ];
  it.each(cases)(
    '$hz Hz at amplitude $amplitude → median within 5 cents, 9 frames in 10 voiced',
    async ({ hz, amplitude }) => {
      const results = await analyse(sine(hz, 1, amplitude), { method: 'yin' });
      expect(Math.abs(cents(results.require('pitch.median').value as number, hz))).toBeLessThanOrEqual(5);
      expect(voicedFraction(results)).toBeGreaterThanOrEqual(0.9);
    },
  );
});

describe("yin: f0 within 1 cent of pitchfinder's YIN where both are voiced", () => {
  const FRAME = 2048;
  const HOP = 512;
  function harmonic(hz: number, partials: number, seconds: number): Float32Array {
    const out = new Float32Array(Math.round(seconds * SR));
    for (let h = 1; h <= partials; h++) {
      const amplitude = 0.25 / h;
      for (let i = 0; i < out.length; i++)
        out[i] += amplitude * Math.sin((2 * Math.PI * h * hz * i) / SR + h);
    }
    return out;
  }
  const tones = [
    { name: 'sine 110 Hz', signal: sine(110, 0.5) },
    { name: 'sine 440 Hz', signal: sine(440, 0.5) },
    { name: 'sine 1760 Hz', signal: sine(1760, 0.5) },
    { name: '82.41 Hz, 12 partials 1/h', signal: harmonic(82.41, 12, 0.5) },
    { name: '196 Hz, 20 partials 1/h', signal: harmonic(196, 20, 0.5) },
  ];
  it.each(tones)('$name', async ({ name, signal }) => {
    const results = await analyse(signal, { method: 'yin', frameSize: FRAME, hopSize: HOP });
    const f0 = results.require('pitch.f0').value as Float32Array;
    const label = results.require('pitch.voiced').label!;
    // pitchfinder's YIN as pitch called it before: the frame plus one unread sample (so that it
    // uses W = FRAME/2), the same threshold, its own probability gate off, the same range check.
    const reference = YIN({ sampleRate: SR, threshold: 0.15, probabilityThreshold: 0 });
    const input = new Float32Array(FRAME + 1);
    const fullFrames = Math.floor((signal.length - FRAME) / HOP) + 1;
    let bothVoiced = 0;
    let maxCents = 0;
    for (let i = 0; i < fullFrames; i++) {
      input.set(signal.subarray(i * HOP, i * HOP + FRAME));
      const hz = reference(input);
      if (hz === null || hz < 60 || hz > 2500 || label[i] !== 1) continue;
      bothVoiced++;
      maxCents = Math.max(maxCents, Math.abs(cents(f0[i], hz)));
    }
    agreement[name] = { bothVoiced: `${bothVoiced}/${fullFrames}`, maxCents: maxCents.toFixed(4) };
    expect(bothVoiced).toBeGreaterThanOrEqual(0.9 * fullFrames);
    expect(maxCents).toBeLessThanOrEqual(1);
  });
});
