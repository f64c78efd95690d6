import { arrayDecoder, pipe, type ResultContainer, Stft } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { processors } from './index.js';
import { MelEnergy } from './mel_energy.js';
import { Mfcc } from './mfcc.js';
import { SpectralDescriptors } from './spectral_descriptors.js';

const SAMPLE_RATE = 44100;
const FFT_SIZE = 2048;
const HOP = 512;
const BIN_HZ = SAMPLE_RATE / FFT_SIZE;
/** Bins 0..N/2 of the STFT. */
const BINS = FFT_SIZE / 2 + 1;

/** Sum of sines (Hz, amplitude), `seconds` long. */
function tones(partials: readonly [number, number][], seconds = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (const [freqHz, amplitude] of partials) {
    for (let i = 0; i < out.length; i++)
      out[i] += amplitude * Math.sin((2 * Math.PI * freqHz * i) / SAMPLE_RATE);
  }
  return out;
}

/** Gaussian white noise from a fixed seed (mulberry32 + Box–Muller). */
function whiteNoise(length: number, seed = 1234): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = 0.1 * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

async function describeSignal(
  signal: Float32Array,
  params: Record<string, unknown> = {},
): Promise<ResultContainer> {
  return pipe(arrayDecoder(signal, SAMPLE_RATE), new SpectralDescriptors(params)).run();
}

/** The values of frames lying wholly inside the signal (no zero padding, no onset). */
function interior(results: ResultContainer, id: string, length: number): Float32Array {
  const all = results.require(id).value as Float32Array;
  const whole = Math.floor((length - FFT_SIZE) / HOP) + 1;
  return all.subarray(1, whole);
}

describe('spectral_descriptors', () => {
  it('places a pure tone’s centroid within one bin of its frequency', async () => {
    for (const freqHz of [110, 440, 1000, 2500, 5000, 10000, 16000]) {
      const signal = tones([[freqHz, 0.5]]);
      const centroids = interior(await describeSignal(signal), 'spectral_centroid', signal.length);
      expect(centroids.length).toBeGreaterThan(10);
      for (const c of centroids) expect(Math.abs(c - freqHz), `${freqHz} Hz`).toBeLessThan(BIN_HZ);
    }
  });

  it('gives the exact shape of a bin-centred tone (three bins in ratio 1 : 4 : 1 of power)', async () => {
    // A sine at bin k0 under a periodic Hann window has exactly three non-zero bins, magnitudes
    // N/8, N/4, N/8 per unit amplitude: power weights 1/6, 2/3, 1/6 around k0. Hence centroid
    // k0·Δf, spread Δf/√3, skewness 0, kurtosis (2·1/6)/(1/3)² = 3, roll-off(0.85) at k0 + 1
    // (cumulated 1/6, 5/6, 1), roll-off(0.8) at k0, decrease (1/6/(k0−1) + 2/3/k0 + 1/6/(k0+1)),
    // slope (f0 − mean f)/(K·var f) over the K bin frequencies.
    const meanF = (BIN_HZ * (BINS - 1)) / 2;
    const varF = (BIN_HZ * BIN_HZ * (BINS * BINS - 1)) / 12;
    for (const k0 of [20, 93, 400]) {
      const f0 = k0 * BIN_HZ;
      const signal = tones([[f0, 0.5]]);
      const results = await describeSignal(signal);
      const at = (id: string) => interior(results, id, signal.length)[5];
      expect(at('spectral_centroid')).toBeCloseTo(f0, 2);
      expect(at('spectral_spread') / (BIN_HZ / Math.sqrt(3))).toBeCloseTo(1, 3);
      expect(Math.abs(at('spectral_skewness'))).toBeLessThan(0.01);
      expect(at('spectral_kurtosis')).toBeCloseTo(3, 1);
      expect(at('spectral_rolloff')).toBeCloseTo((k0 + 1) * BIN_HZ, 3);
      expect(at('spectral_decrease')).toBeCloseTo(1 / 6 / (k0 - 1) + 2 / 3 / k0 + 1 / 6 / (k0 + 1), 5);
      expect(at('spectral_slope') / ((f0 - meanF) / (BINS * varF))).toBeCloseTo(1, 4);
      const lower = interior(
        await describeSignal(signal, { rolloff: 0.8 }),
        'spectral_rolloff',
        signal.length,
      );
      expect(lower[5]).toBeCloseTo(k0 * BIN_HZ, 3);
    }
  });

  it('spreads two tones by half their distance, and rolls off at the weaker upper tone', async () => {
    // Two equal bin-centred tones at k1, k2: centroid at the middle, variance ((k2 − k1)/2)² + 1/3
    // bins² (each tone’s own 1/3). With amplitudes 1 and 0.5 the powers are 0.8 / 0.2: 85 % is
    // reached inside the upper tone, at its centre bin (0.8 + 0.2·1/6 < 0.85 ≤ 0.8 + 0.2·5/6).
    const k1 = 60;
    const k2 = 260;
    const equal = tones([
      [k1 * BIN_HZ, 0.4],
      [k2 * BIN_HZ, 0.4],
    ]);
    const results = await describeSignal(equal);
    const spreadHz = interior(results, 'spectral_spread', equal.length)[3];
    expect(interior(results, 'spectral_centroid', equal.length)[3]).toBeCloseTo(((k1 + k2) / 2) * BIN_HZ, 2);
    expect(spreadHz / (BIN_HZ * Math.sqrt(((k2 - k1) / 2) ** 2 + 1 / 3))).toBeCloseTo(1, 4);
    expect(Math.abs(interior(results, 'spectral_skewness', equal.length)[3])).toBeLessThan(1e-3);

    const unequal = tones([
      [k1 * BIN_HZ, 0.4],
      [k2 * BIN_HZ, 0.2],
    ]);
    const rolled = interior(await describeSignal(unequal), 'spectral_rolloff', unequal.length);
    for (const r of rolled) expect(r).toBeCloseTo(k2 * BIN_HZ, 3);
  });

  it('weighs the bins by their power: tones of amplitude 0.4 and 0.2 weigh 4 : 1 in centroid and spread', async () => {
    // Power weights 0.16 : 0.04 = 0.8 : 0.2 (magnitude weights would be 2 : 1, a centroid at
    // k1 + (k2 − k1)/3). Spread: the variance of the two-point distribution, 0.8·0.2·(k2 − k1)²,
    // plus each tone's own 1/3 bin² (three bins 1/6, 2/3, 1/6 around its centre).
    const k1 = 60;
    const k2 = 260;
    const signal = tones([
      [k1 * BIN_HZ, 0.4],
      [k2 * BIN_HZ, 0.2],
    ]);
    const results = await describeSignal(signal);
    const centroids = interior(results, 'spectral_centroid', signal.length);
    for (const c of centroids) expect(c / ((0.8 * k1 + 0.2 * k2) * BIN_HZ)).toBeCloseTo(1, 4);
    const spreads = interior(results, 'spectral_spread', signal.length);
    const expectedSpreadHz = BIN_HZ * Math.sqrt(0.8 * 0.2 * (k2 - k1) ** 2 + 1 / 3);
    for (const s of spreads) expect(s / expectedSpreadHz).toBeCloseTo(1, 4);
  });

  it('finds white noise flat (e^−γ ≈ 0.56 per periodogram) and a sine not flat at all', async () => {
    // Each bin of a white-noise periodogram has exponentially distributed power, so
    // E[ln p] = ln E[p] − γ (Euler–Mascheroni): geometric / arithmetic mean → e^−γ = 0.5615.
    const noise = whiteNoise(SAMPLE_RATE);
    const flat = interior(await describeSignal(noise), 'spectral_flatness', noise.length);
    const mean = flat.reduce((s, v) => s + v, 0) / flat.length;
    expect(Math.abs(mean - Math.exp(-0.5772156649))).toBeLessThan(0.02);
    for (const v of flat) expect(v).toBeGreaterThan(0.4);

    const sine = tones([[1000, 0.5]]);
    const tonal = interior(await describeSignal(sine), 'spectral_flatness', sine.length);
    for (const v of tonal) expect(v).toBeLessThan(1e-6);
  });

  it('sees no flux in a steady tone, full flux where it starts', async () => {
    const signal = new Float32Array(SAMPLE_RATE);
    const start = 8 * HOP + FFT_SIZE; // frames 0..8 are silent
    for (let i = start; i < signal.length; i++)
      signal[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / SAMPLE_RATE);
    const results = await describeSignal(signal);
    const flux = results.require('spectral_flux').value as Float32Array;
    expect(flux[0]).toBe(0); // no previous frame
    expect(flux[5]).toBe(0); // silence to silence
    expect(flux[9]).toBe(1); // silence to sound
    const steadyFrom = start / HOP + 1;
    const whole = Math.floor((signal.length - FFT_SIZE) / HOP);
    for (let f = steadyFrom; f <= whole; f++) expect(flux[f]).toBeLessThan(1e-4);
    // Silent frames give 0 for the other descriptors.
    for (const id of ['spectral_centroid', 'spectral_spread', 'spectral_rolloff', 'spectral_flatness']) {
      expect((results.require(id).value as Float32Array)[3]).toBe(0);
    }
  });

  it('produces nine framewise results, one value per frame (ceil(samples / hop))', async () => {
    const signal = tones([[440, 0.5]], 0.3);
    const results = await describeSignal(signal);
    const ids = [...results].map((r) => r.id).sort();
    expect(ids).toEqual(SpectralDescriptors.meta.results?.map((r) => r.id).sort());
    for (const r of results) {
      expect(r.timeMode).toBe('framewise');
      expect(r.frame).toEqual({ sampleRate: SAMPLE_RATE, size: FFT_SIZE, hop: HOP });
      expect((r.value as Float32Array).length).toBe(Math.ceil(signal.length / HOP));
    }
  });
});

describe('shared STFT', () => {
  it('computes one FFT per frame for every spectral analyzer at 2048 / 512 / hann', async () => {
    const signal = tones(
      [
        [440, 0.3],
        [3000, 0.1],
      ],
      1.5,
    );
    // The plugin's other STFT consumers join when they are registered (same STFT parameters).
    const others = processors
      .filter((cls) => ['spectrogram', 'onsets'].includes(cls.meta.id))
      .map((cls) => new cls({ fftSize: FFT_SIZE, hopSize: HOP, window: 'hann' }));
    const before = Stft.transforms;
    const pipeline = pipe(
      arrayDecoder(signal, SAMPLE_RATE, { blockSize: 3000 }),
      new SpectralDescriptors(),
      new MelEnergy(),
      new Mfcc(),
      ...others,
    );
    const results = await pipeline.run();
    // 9 descriptors + mel_energy + mfcc (+ the others' results): one STFT for all of them.
    expect([...results].length).toBeGreaterThanOrEqual(11);
    expect(Stft.transforms - before).toBe(Math.ceil(signal.length / HOP));
    const graph = await pipeline.graph();
    expect(graph.filter((n) => n.processor.meta.id === 'stft')).toHaveLength(1);
    expect(graph.filter((n) => n.processor.meta.id === 'mel_energy')).toHaveLength(1);
  });
});
