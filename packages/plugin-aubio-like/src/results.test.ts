import { type AnalyzerResult, arrayDecoder, pipe, rowCount } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { processors } from './index.js';
import { clickTrack, regularTimes } from './test/click-tracks.js';

// What every analyzer of the plugin promises about the results it emits, checked on one signal:
// the ids, names, units and descriptions declared in `meta.results` (read by `timeside info` and
// the generated docs) are the ones in the results, and each time mode carries the fields that
// place its values in time (DESIGN.md §5).

const SAMPLE_RATE = 44100;

/** 3.5 s: clicks at 120 BPM over a 440 Hz tone, long enough for one 3 s short-term block. */
function programme(): Float32Array {
  const audio = clickTrack(regularTimes(120, 0.25, 3.5), 3.5, { seed: 3 });
  for (let i = 0; i < audio.length; i++) audio[i] += 0.2 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE);
  return audio;
}

function lengthOf(result: AnalyzerResult): number {
  return result.dataMode === 'label' ? (result.label?.length ?? 0) : rowCount(result.value);
}

describe('results of every analyzer, with default parameters', () => {
  const audio = programme();
  const cases = processors.map((cls) => ({ id: cls.meta.id, cls }));

  it.each(cases)(
    '$id: emits exactly its declared results, with their name, unit and description',
    async ({ cls }) => {
      const results = await pipe(arrayDecoder(audio, SAMPLE_RATE), new cls()).run();
      const own = [...results].filter((r) => r.processor.id === cls.meta.id);
      const declared = cls.meta.results ?? [];
      expect(own.map((r) => r.id).sort()).toEqual(declared.map((r) => r.id).sort());
      for (const spec of declared) {
        const result = results.require(spec.id);
        expect({ name: result.name, unit: result.unit, description: result.description }, spec.id).toEqual({
          name: spec.name,
          unit: spec.unit,
          description: spec.description,
        });
        expect(result.description.length, `${spec.id} has a description`).toBeGreaterThan(0);
      }
    },
  );

  it.each(cases)('$id: each time mode carries the fields that place its values in time', async ({ cls }) => {
    const results = await pipe(arrayDecoder(audio, SAMPLE_RATE), new cls()).run();
    for (const result of results) {
      const where = `${result.id} (${result.timeMode})`;
      switch (result.timeMode) {
        case 'framewise':
          expect(result.frame?.sampleRate, where).toBe(SAMPLE_RATE);
          expect(result.frame?.size, where).toBeGreaterThan(0);
          expect(result.frame?.hop, where).toBeGreaterThan(0);
          expect(result.time, where).toBeUndefined();
          break;
        case 'event':
          expect(result.time, where).toBeInstanceOf(Float64Array);
          if (result.value !== undefined) expect(lengthOf(result), where).toBe(result.time!.length);
          break;
        case 'segment':
          expect(result.time, where).toBeInstanceOf(Float64Array);
          expect(result.duration, where).toBeInstanceOf(Float64Array);
          expect(result.duration!.length, where).toBe(result.time!.length);
          expect(lengthOf(result), where).toBe(result.time!.length);
          break;
        case 'global':
          expect(result.frame, where).toBeUndefined();
          expect(result.time, where).toBeUndefined();
          break;
      }
    }
  });
});
