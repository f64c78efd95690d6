import { describe, expect, it } from 'vitest';
import {
  type AnalyzerResult,
  frameTimes,
  isMatrix,
  isTimesideError,
  ResultContainer,
  resultRows,
  rowCount,
} from '../src/index.js';

const audio = { uri: 'file:///a.wav', start: 0, duration: 2, sampleRate: 44100, channels: 2 };
const processor = { id: 'level', version: '1.0.0', params: { frameSize: 2048 } };

function sample(): AnalyzerResult[] {
  return [
    {
      id: 'level.max',
      name: 'Max level',
      unit: 'dBFS',
      description: '',
      processor,
      audio,
      timeMode: 'global',
      dataMode: 'value',
      value: -Infinity,
    },
    {
      id: 'pitch.f0',
      name: 'f0',
      unit: 'Hz',
      description: '',
      processor,
      audio,
      timeMode: 'framewise',
      dataMode: 'value',
      frame: { sampleRate: 44100, size: 2048, hop: 512 },
      // 0.1 is not exact in float32: the round trip must keep the float32 value bit for bit.
      value: Float32Array.from([0.1, 440.0001, Number.NaN, 1e-30]),
    },
    {
      id: 'onsets',
      name: 'Onsets',
      unit: 's',
      description: '',
      processor,
      audio,
      timeMode: 'event',
      dataMode: 'value',
      time: Float64Array.from([0.5, 1 / 3]),
    },
    {
      id: 'silence',
      name: 'Silence',
      unit: '',
      description: '',
      processor,
      audio,
      timeMode: 'segment',
      dataMode: 'label',
      time: Float64Array.from([0, 1]),
      duration: Float64Array.from([1, 1]),
      label: [0, 1],
      labelMetadata: { 0: 'sound', 1: 'silence' },
    },
    {
      id: 'mfcc',
      name: 'MFCC',
      unit: '',
      description: '',
      processor,
      audio,
      timeMode: 'framewise',
      dataMode: 'value',
      value: [
        [1.5, -2],
        [3, Number.POSITIVE_INFINITY],
      ],
    },
  ];
}

describe('ResultContainer JSON', () => {
  it('round-trips typed arrays and non-finite numbers losslessly through a JSON string', () => {
    const container = new ResultContainer(sample());
    const text = JSON.stringify(container.toJSON());
    const back = ResultContainer.fromJSON(text);
    expect(back.ids()).toEqual(['level.max', 'pitch.f0', 'onsets', 'silence', 'mfcc']);
    expect(back.get('level.max')?.value).toBe(-Infinity);
    const f0 = back.get('pitch.f0')?.value as Float32Array;
    expect(f0).toBeInstanceOf(Float32Array);
    expect(Array.from(new Uint32Array(f0.buffer))).toEqual(
      Array.from(new Uint32Array((sample()[1].value as Float32Array).buffer)),
    );
    const onsets = back.get('onsets')?.time as Float64Array;
    expect(onsets).toBeInstanceOf(Float64Array);
    expect(onsets[1]).toBe(1 / 3);
    expect(back.get('silence')?.labelMetadata).toEqual({ 0: 'sound', 1: 'silence' });
    expect(back.get('mfcc')?.value).toEqual([
      [1.5, -2],
      [3, Number.POSITIVE_INFINITY],
    ]);
    expect(back.get('pitch.f0')?.processor).toEqual(processor);
  });

  it('round-trips a Matrix value and reads its rows', () => {
    const matrix = { rows: 2, cols: 3, data: Float32Array.from([1, 2, 3, 4, 5, 0.1]) };
    const r: AnalyzerResult = {
      ...sample()[1],
      id: 'spectrogram',
      value: matrix,
    };
    const back = ResultContainer.fromJSON(JSON.stringify(new ResultContainer([r]).toJSON())).require(
      'spectrogram',
    );
    expect(isMatrix(back.value)).toBe(true);
    expect(rowCount(back.value)).toBe(2);
    expect(resultRows(back.value)).toEqual([
      [1, 2, 3],
      [4, 5, Math.fround(0.1)],
    ]);
  });

  it('rejects a document without results, naming what is missing', () => {
    expect(() => ResultContainer.fromJSON('{"x":1}')).toThrow(/"results" is missing/);
  });

  it.each([
    { json: '{"results": [', reason: /not JSON/ },
    { json: '{"results": [1]}', reason: /result 0 is not an object with an "id"/ },
    { json: '{"results": [{"name": "x"}]}', reason: /result 0 is not an object with an "id"/ },
  ])('rejects $json with a TimesideError (E_RESULT) saying why', ({ json, reason }) => {
    let error: unknown;
    try {
      ResultContainer.fromJSON(json);
    } catch (e) {
      error = e;
    }
    expect(isTimesideError(error) && error.code).toBe('E_RESULT');
    expect((error as Error).message).toMatch(reason);
  });

  it('gives frame times from the hop', () => {
    const times = frameTimes(sample()[1]);
    expect(Array.from(times)).toEqual([0, 512 / 44100, 1024 / 44100, 1536 / 44100]);
  });
});
