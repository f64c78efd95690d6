import { arrayDecoder, isTimesideError, pipe, Stft } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { ODF_METHODS, type OdfMethod } from './dsp/onset.js';
import { OnsetDetectionFunction } from './onset_detection_function.js';
import { Onsets } from './onsets.js';
import { Tempo } from './tempo.js';
import {
  type ClickTrackOptions,
  clickTrack,
  irregularTimes,
  matchEvents,
  regularTimes,
} from './test/click-tracks.js';

const SAMPLE_RATE = 44100;
const TOLERANCE_S = 0.05;

async function detect(audio: Float32Array, params: Record<string, unknown> = {}): Promise<Float64Array> {
  const results = await pipe(arrayDecoder(audio, SAMPLE_RATE), new Onsets(params)).run();
  const onsets = results.require('onsets');
  expect(onsets.timeMode).toBe('event');
  return onsets.time!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

describe('matchEvents (the evaluation itself)', () => {
  it('matches one to one within the tolerance', () => {
    // 1.00 may match 0.98 or 1.03, but each estimate is used once.
    const score = matchEvents([1, 1.05, 2], [0.98, 1.03, 3], 0.05);
    expect(score.matched).toBe(2);
    expect(score.precision).toBeCloseTo(2 / 3, 12);
    expect(score.recall).toBeCloseTo(2 / 3, 12);
    expect(matchEvents([1, 2], [], 0.05).fMeasure).toBe(0);
  });
});

describe('onsets', () => {
  it('finds every click of a 120 BPM click track (F ≥ 0.98 at ±50 ms), each within 10 ms', async () => {
    const times = regularTimes(120, 0.5, 15);
    const estimate = await detect(clickTrack(times, 15.5, { seed: 11 }));
    const score = matchEvents(times, estimate, TOLERANCE_S);
    expect(score.fMeasure).toBeGreaterThanOrEqual(0.98);
    // Frame i starts at i·hop, yet the clicks are reported where they start, not a frame early.
    expect(Math.max(...score.errors.map(Math.abs))).toBeLessThan(0.01);
    expect(Math.abs(median(score.errors))).toBeLessThan(0.003);
  });

  const irregular = irregularTimes(2024, 0.4, 14.5, 0.12, 0.7);
  const irregularCases: { name: string; options: ClickTrackOptions; reference: number[] }[] = [
    { name: 'noise bursts in silence', options: { kind: 'noise', seed: 21 }, reference: irregular },
    { name: '1 kHz blips in silence', options: { kind: 'blip', seed: 21 }, reference: irregular },
    // The bed itself starts at 0 s: that is an onset too.
    {
      name: 'noise bursts on a −50 dBFS noise bed',
      options: { kind: 'noise', seed: 21, bedDb: -50 },
      reference: [0, ...irregular],
    },
  ];

  for (const { name, options, reference } of irregularCases) {
    it(`finds irregular ${name} with every method (F ≥ 0.98 at ±50 ms)`, async () => {
      const audio = clickTrack(irregular, 15, options);
      const rows: { method: OdfMethod; f: number; medianErrorMs: number }[] = [];
      for (const method of ODF_METHODS) {
        const score = matchEvents(reference, await detect(audio, { method }), TOLERANCE_S);
        rows.push({ method, f: score.fMeasure, medianErrorMs: 1000 * median(score.errors) });
      }
      console.log(
        `onsets, irregular ${name} (${reference.length} onsets): ` +
          rows
            .map((r) => `${r.method} F=${r.f.toFixed(3)} (median error ${r.medianErrorMs.toFixed(1)} ms)`)
            .join(', '),
      );
      for (const row of rows) expect(row.f, row.method).toBeGreaterThanOrEqual(0.98);
    });
  }

  it('ignores clicks quieter than `silence` (dBFS)', async () => {
    const times = regularTimes(120, 0.5, 5);
    const quiet = clickTrack(times, 5.5, { amplitude: 1e-4, seed: 4 });
    expect(await detect(quiet)).toHaveLength(0);
    const score = matchEvents(times, await detect(quiet, { silence: -120 }), TOLERANCE_S);
    expect(score.fMeasure).toBeGreaterThanOrEqual(0.98);
  });

  it('drops onsets closer than `minioi` to the previous one', async () => {
    const firsts = regularTimes(60, 0.5, 8);
    const pairs = firsts.flatMap((t) => [t, t + 0.08]);
    const audio = clickTrack(pairs, 8.5, { seed: 6 });
    expect(matchEvents(pairs, await detect(audio), TOLERANCE_S).fMeasure).toBeGreaterThanOrEqual(0.98);
    expect(
      matchEvents(firsts, await detect(audio, { minioi: 0.15 }), TOLERANCE_S).fMeasure,
    ).toBeGreaterThanOrEqual(0.98);
  });

  it('shares one ODF and one FFT per frame with onset_detection_function and tempo', async () => {
    const audio = clickTrack(regularTimes(120, 0.5, 4), 4, { seed: 8 });
    const before = Stft.transforms;
    const pipeline = pipe(
      arrayDecoder(audio, SAMPLE_RATE),
      new Onsets(),
      new OnsetDetectionFunction(),
      new Tempo(),
    );
    const results = await pipeline.run();
    const ids = (await pipeline.graph()).map((n) => n.processor.meta.id);
    expect(ids.filter((id) => id === 'onset_detection_function')).toHaveLength(1);
    expect(ids.filter((id) => id === 'stft')).toHaveLength(1);
    expect(Stft.transforms - before).toBe(Math.ceil(audio.length / 512));
    expect(results.ids()).toEqual(
      expect.arrayContaining(['onset_detection_function', 'onsets', 'tempo', 'beats']),
    );
  });

  it('rejects an unknown method with a TimesideError naming the parameter', () => {
    let error: unknown;
    try {
      new Onsets({ method: 'spectral' });
    } catch (e) {
      error = e;
    }
    expect(isTimesideError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_PARAM', processor: 'onsets', param: 'method' });
  });

  it('reports nothing on silence', async () => {
    expect(await detect(new Float32Array(SAMPLE_RATE))).toHaveLength(0);
  });
});
