import { arrayDecoder, isTimesideError, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { autocorrelation, rayleigh } from './dsp/tempo.js';
import { Tempo } from './tempo.js';
import { clickTrack, matchEvents, regularTimes } from './test/click-tracks.js';

const SAMPLE_RATE = 44100;

async function analyse(audio: Float32Array, params: Record<string, unknown> = {}) {
  const results = await pipe(arrayDecoder(audio, SAMPLE_RATE), new Tempo(params)).run();
  return { tempo: results.require('tempo'), beats: results.require('beats') };
}

describe('tempo kernels', () => {
  it('autocorrelation matches the direct sum Σ x[n]·x[n+l] / (N − l)', () => {
    const x = Float32Array.from({ length: 37 }, (_, i) => Math.sin(i * 0.7) + (i % 5 === 0 ? 1 : 0));
    const r = autocorrelation(x, 20);
    for (const lag of [0, 1, 5, 13, 20]) {
      let direct = 0;
      for (let n = 0; n + lag < x.length; n++) direct += x[n] * x[n + lag];
      expect(r[lag]).toBeCloseTo(direct / (x.length - lag), 4);
    }
  });

  // Davies & Plumbley (2007) weight the comb output by a Rayleigh distribution of the lag,
  // R(τ; β) = τ/β² · exp(−τ²/2β²): β = 43 frames of 512 samples at 44.1 kHz is 120 BPM.
  const beta = 43;
  it.each([
    { lag: 0, expected: 0 },
    { lag: beta / 2, expected: Math.exp(-1 / 8) / (2 * beta) },
    { lag: beta, expected: Math.exp(-1 / 2) / beta },
    { lag: 2 * beta, expected: (2 * Math.exp(-2)) / beta },
    { lag: 3 * beta, expected: (3 * Math.exp(-9 / 2)) / beta },
  ])('the Rayleigh prior at lag $lag (β = 43) is τ/β²·exp(−τ²/2β²)', ({ lag, expected }) => {
    expect(rayleigh(lag, beta)).toBeCloseTo(expected, 12);
  });

  it('the Rayleigh prior is a distribution of the lag: mode β, total 1, mean β·√(π/2)', () => {
    expect(rayleigh(beta, beta)).toBeGreaterThan(rayleigh(beta - 1, beta));
    expect(rayleigh(beta, beta)).toBeGreaterThan(rayleigh(beta + 1, beta));
    // Sums over whole lags stand for the integrals; the error is O(1/β²) (Euler–Maclaurin, R(0) = 0).
    let total = 0;
    let mean = 0;
    for (let lag = 0; lag <= 20 * beta; lag++) {
      total += rayleigh(lag, beta);
      mean += lag * rayleigh(lag, beta);
    }
    expect(total).toBeCloseTo(1, 4);
    expect(mean / (beta * Math.sqrt(Math.PI / 2))).toBeCloseTo(1, 4);
  });
});

describe('tempo', () => {
  it.each([60, 90, 120, 140])(
    'reads a %d BPM click track within ±1 BPM and beats on the clicks',
    async (bpm) => {
      const clicks = regularTimes(bpm, 0.5, 14);
      const { tempo, beats } = await analyse(clickTrack(clicks, 14, { seed: bpm }));
      expect(tempo.timeMode).toBe('global');
      expect(tempo.unit).toBe('BPM');
      const beatF = matchEvents(clicks, beats.time!, 0.07).fMeasure;
      console.log(
        `tempo of a ${bpm} BPM click track: ${(tempo.value as number).toFixed(3)} BPM, beat F=${beatF.toFixed(3)}`,
      );
      expect(Math.abs((tempo.value as number) - bpm)).toBeLessThanOrEqual(1);
      // MIREX beat evaluation: F-measure within ±70 ms.
      expect(beats.timeMode).toBe('event');
      expect(beatF).toBeGreaterThanOrEqual(0.95);
    },
  );

  it('reads 120 BPM on a −50 dBFS noise bed', async () => {
    const clicks = regularTimes(120, 0.5, 12);
    const { tempo } = await analyse(clickTrack(clicks, 12, { seed: 2, bedDb: -50 }));
    expect(Math.abs((tempo.value as number) - 120)).toBeLessThanOrEqual(1);
  });

  // Any positive bound is accepted; the search must stay within the lags the signal can show
  // (at least one frame, at most its length) instead of stepping through billions of lags.
  it.each([
    { minBpm: 1e-9, maxBpm: 240 },
    { minBpm: 40, maxBpm: 1e9 },
  ])(
    'finishes promptly with extreme bounds ($minBpm to $maxBpm BPM) and still reads 120 BPM',
    async ({ minBpm, maxBpm }) => {
      const clicks = regularTimes(120, 0.5, 8);
      const { tempo } = await analyse(clickTrack(clicks, 8, { seed: 120 }), { minBpm, maxBpm });
      expect(Math.abs((tempo.value as number) - 120)).toBeLessThanOrEqual(1);
    },
    10_000,
  );

  it('reports 0 BPM and no beats on silence', async () => {
    const { tempo, beats } = await analyse(new Float32Array(3 * SAMPLE_RATE));
    expect(tempo.value).toBe(0);
    expect(beats.time).toHaveLength(0);
  });

  it('rejects maxBpm ≤ minBpm when constructed', () => {
    let error: unknown;
    try {
      new Tempo({ minBpm: 150, maxBpm: 100 });
    } catch (e) {
      error = e;
    }
    expect(isTimesideError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_PARAM', processor: 'tempo', param: 'maxBpm' });
  });
});
