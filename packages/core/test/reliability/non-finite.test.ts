/**
 * The NaN/Inf policy (docs/decoding.md, "Non-finite samples"): decoders replace NaN and ±Infinity
 * by 0 and count them; every analyzer therefore sees the same signal as a file holding 0 at those
 * places, and the results carry the count. Truths: level computed here from the samples written,
 * and every analyzer's results on a twin file whose non-finite samples were written as 0.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processors as analyzers } from '../../../plugin-aubio-like/src/index.js';
import {
  arrayDecoder,
  countNonFinite,
  fileDecoder,
  Pipeline,
  type Processor,
  type ProcessorClass,
  type ResultContainer,
  registerProcessor,
  replaceNonFinite,
  setDiscoverer,
} from '../../src/index.js';
import { runCli } from '../cli-fixtures.js';
import { ffmpeg, tempDir } from '../ffmpeg-fixtures.js';
import { float32Le, make, wavFile } from './fixtures.js';

const SR = 44100;
const FRAMES = SR / 2;
const dir = tempDir('reliability-nonfinite');
afterAll(() => dir.remove());

/** A two-tone stereo signal with NaN, +Inf and −Inf at known places (and its twin with 0 there). */
const BAD: [number, number, number][] = [
  [0, 1000, Number.NaN],
  [0, 9000, Number.POSITIVE_INFINITY],
  [1, 15000, Number.NEGATIVE_INFINITY],
  [1, 15001, Number.NaN],
];
function signal(withBad: boolean): number[][] {
  const left = Array.from({ length: FRAMES }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR));
  const right = Array.from({ length: FRAMES }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 1250 * i) / SR));
  const channels = [left, right];
  for (const [c, i, v] of BAD) channels[c][i] = withBad ? v : 0;
  return channels;
}

const bad = dir.path('tones-with-nan-inf.wav');
const clean = dir.path('tones-zeroed.wav');
const badCaf = dir.path('tones-with-nan-inf.caf');

beforeAll(async () => {
  setDiscoverer(async () => {});
  for (const cls of analyzers) registerProcessor(cls as unknown as ProcessorClass);
  writeFileSync(bad, wavFile({ tag: 3, channels: 2, sampleRate: SR, bits: 32 }, float32Le(signal(true))));
  writeFileSync(clean, wavFile({ tag: 3, channels: 2, sampleRate: SR, bits: 32 }, float32Le(signal(false))));
  // The same samples in a container only ffmpeg reads (float32 copied bit for bit).
  const raw = dir.path('tones.f32');
  writeFileSync(raw, float32Le(signal(true)));
  ffmpeg('-f', 'f32le', '-ar', String(SR), '-ac', '2', '-i', raw, '-c:a', 'pcm_f32le', badCaf);
  twin = await new Pipeline(fileDecoder(clean), allAnalyzers()).run();
});

/** Every analyzer's results on the zeroed twin file: the reference of the comparisons. */
let twin: ResultContainer;

function allAnalyzers(): Processor[] {
  return analyzers.map((cls) => make(cls));
}

/** The data of each result by id (what an analyzer computed, without the audio it names). */
function dataOf(results: ResultContainer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of results) out[r.id] = { value: r.value, time: r.time, duration: r.duration, label: r.label };
  return out;
}

describe('NaN and ±Infinity samples: replaced by 0 at the decoder, counted, reported', () => {
  it('replaceNonFinite zeroes exactly the non-finite samples and counts them', () => {
    const a = new Float32Array([
      1,
      Number.NaN,
      -0.5,
      Number.POSITIVE_INFINITY,
      3.4e38,
      Number.NEGATIVE_INFINITY,
    ]);
    const b = new Float32Array([Number.NaN, 0, 0, 0, 0, 0]);
    expect(countNonFinite([a, b], 6)).toBe(4);
    // Frames 1…5: a[1], a[3] and a[5]; b[0] lies before the range and stays NaN.
    expect(replaceNonFinite([a, b], 5, 1)).toBe(3);
    expect([...a]).toEqual([1, 0, -0.5, 0, 3.4e38, 0].map(Math.fround));
    expect(Number.isNaN(b[0])).toBe(true);
  });

  it('level reads the finite samples: max and RMS as computed here with 0 in place of NaN/Inf', async () => {
    const decoder = fileDecoder(bad);
    const results = await new Pipeline(decoder, [make(analyzers.find((c) => c.meta.id === 'level'))]).run();
    const zeroed = signal(false).map((ch) => ch.map(Math.fround));
    let sum = 0;
    let peak = 0;
    for (const ch of zeroed) {
      for (const x of ch) {
        sum += x * x;
        peak = Math.max(peak, Math.abs(x));
      }
    }
    expect(results.get('level.max')?.value).toBeCloseTo(20 * Math.log10(peak), 9);
    expect(results.get('level.rms')?.value).toBeCloseTo(10 * Math.log10(sum / (2 * FRAMES)), 9);
    expect(decoder.nonFiniteSamples).toBe(BAD.length);
    expect(results.get('level.rms')?.audio.nonFiniteSamples).toBe(BAD.length);
  });

  it('every analyzer of plugin-aubio-like gives the results of the zeroed twin file (built-in WAV reader)', async () => {
    const withBad = await new Pipeline(fileDecoder(bad), allAnalyzers()).run();
    expect(withBad.size).toBe(twin.size);
    expect(withBad.size).toBeGreaterThan(analyzers.length);
    expect(dataOf(withBad)).toEqual(dataOf(twin));
    for (const r of withBad) expect(r.audio.nonFiniteSamples, r.id).toBe(BAD.length);
    for (const r of twin) expect(r.audio.nonFiniteSamples, r.id).toBeUndefined();
  });

  it('the ffmpeg path applies the same policy (a CAF of the same float samples)', async () => {
    const decoder = fileDecoder(badCaf);
    const withBad = await new Pipeline(decoder, allAnalyzers()).run();
    expect(decoder.nonFiniteSamples).toBe(BAD.length);
    expect(dataOf(withBad)).toEqual(dataOf(twin));
  });

  it('array_decoder cleans a copy: the caller’s arrays keep their NaN/Inf', async () => {
    const [left, right] = signal(true).map((ch) => Float32Array.from(ch));
    // The file decoder's block size, so that every sum runs in the same order.
    const decoder = arrayDecoder([left, right], SR, { blockSize: 65536 });
    const withBad = await new Pipeline(decoder, allAnalyzers()).run();
    expect(decoder.nonFiniteSamples).toBe(BAD.length);
    expect(dataOf(withBad)).toEqual(dataOf(twin));
    expect(Number.isNaN(left[1000])).toBe(true);
    expect(right[15000]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('timeside run prints a warning naming the file and the count, and the results JSON carries it', async () => {
    const out = dir.path('out');
    const { code, stdout, stderr } = await runCli(
      ['run', 'tones-with-nan-inf.wav', '-a', 'level', '-o', out],
      dir.dir,
    );
    expect(code).toBe(0);
    expect(stderr).toContain(
      `timeside: warning: tones-with-nan-inf.wav: ${BAD.length} non-finite samples (NaN or ±Infinity) replaced by 0`,
    );
    expect(stdout).toContain('tones-with-nan-inf.results.json');
  });
});
