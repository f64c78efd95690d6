import { arrayDecoder, pipe, ResultContainer } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Level } from './level.js';

const SR = 44100;

/** 441 Hz: exactly 100 samples per period, so the peak sample is exactly 1 and 1 s holds whole periods. */
function sine441(seconds: number, amplitude = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * 441 * i) / SR);
  return out;
}

function square(seconds: number, amplitude: number, periodSamples = 100): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++)
    out[i] = i % periodSamples < periodSamples / 2 ? amplitude : -amplitude;
  return out;
}

async function level(
  data: Float32Array | Float32Array[],
  params: Record<string, unknown> = {},
  blockSize = 4096,
) {
  return pipe(arrayDecoder(data, SR, { blockSize }), new Level(params)).run();
}

const dbOf = (results: ResultContainer, id: string) => results.require(id).value as number;

/** Reference: mean square over all samples of all channels, in float64, by the definition. */
function referenceRmsDb(channels: Float32Array[]): number {
  let sum = 0;
  let count = 0;
  for (const ch of channels) {
    for (const x of ch) sum += x * x;
    count += ch.length;
  }
  return 10 * Math.log10(sum / count);
}

describe('level: whole-stream values against known truths', () => {
  it('reads a full-scale sine as 0 dBFS peak and −3.0103 dBFS RMS (10·log10 ½)', async () => {
    const results = await level(sine441(1));
    expect(dbOf(results, 'level.max')).toBeCloseTo(0, 6);
    expect(dbOf(results, 'level.rms')).toBeCloseTo(10 * Math.log10(0.5), 4);
  });

  it('reads a square wave of amplitude 0.5 as −6.02 dBFS peak and RMS', async () => {
    const results = await level(square(1, 0.5));
    expect(dbOf(results, 'level.rms')).toBeCloseTo(-6.0206, 4);
    expect(dbOf(results, 'level.max')).toBeCloseTo(-6.0206, 4);
  });

  it('sums every sample of every channel of a stereo file with different channels', async () => {
    const left = sine441(1, 1);
    const right = square(1, 0.25, 60);
    const results = await level([left, right]);
    // ½·(0.5 + 0.0625) = 0.28125 → −5.509 dBFS
    expect(dbOf(results, 'level.rms')).toBeCloseTo(10 * Math.log10(0.28125), 4);
    expect(dbOf(results, 'level.rms')).toBeCloseTo(referenceRmsDb([left, right]), 4);
    expect(dbOf(results, 'level.max')).toBeCloseTo(0, 6);
  });

  it('does not cancel channels in opposite phase (no downmix)', async () => {
    const left = sine441(0.5);
    const right = left.map((x) => -x);
    const results = await level([left, right]);
    expect(dbOf(results, 'level.rms')).toBeCloseTo(-3.0103, 4);
    const rmsFrames = results.require('level.rms_frames').value as Float32Array;
    expect(rmsFrames[3]).toBeCloseTo(-3.0103, 2);
  });

  it("matches the true RMS of TimeSide's sweep.wav, generated (−3.009 dBFS, max 0)", async () => {
    // 8 s, 44.1 kHz, stereo, equal channels: scipy's logarithmic chirp 20 Hz → 22050 Hz, cosine phase.
    const seconds = 8;
    const f0 = 20;
    const f1 = SR / 2;
    const k = (f0 * seconds) / Math.log(f1 / f0);
    const sweep = new Float32Array(seconds * SR);
    for (let i = 0; i < sweep.length; i++) {
      sweep[i] = Math.cos(2 * Math.PI * k * ((f1 / f0) ** (i / SR / seconds) - 1));
    }
    const results = await level([sweep, sweep], {}, 65536);
    expect(dbOf(results, 'level.max')).toBeCloseTo(0, 6);
    // REFERENCES.md: true whole-file RMS −3.009 (TimeSide's block-wise figure −2.995 is biased).
    expect(Math.abs(dbOf(results, 'level.rms') - -3.009)).toBeLessThan(0.0005);
  });

  it("matches the true RMS of TimeSide's C4_scale.wav, generated (−3.711 dBFS)", async () => {
    // Mono 44.1 kHz: C4 D4 E4 F4 G4 A4 B4 C5 sines of 1 s, 0.2 s of silence between: 9.4 s.
    const notes = [261.63, 293.66, 329.63, 349.23, 392.0, 440.0, 493.88, 523.25];
    const scale = new Float32Array(Math.round(9.4 * SR));
    notes.forEach((hz, n) => {
      const start = Math.round(n * 1.2 * SR);
      for (let i = 0; i < SR; i++) scale[start + i] = Math.sin((2 * Math.PI * hz * i) / SR);
    });
    const results = await level(scale, {}, 65536);
    expect(Math.abs(dbOf(results, 'level.rms') - -3.711)).toBeLessThan(0.0005);
  });

  it('reads digital silence as −Infinity dBFS, kept through JSON', async () => {
    const results = await level(new Float32Array(SR / 10));
    expect(dbOf(results, 'level.max')).toBe(Number.NEGATIVE_INFINITY);
    expect(dbOf(results, 'level.rms')).toBe(Number.NEGATIVE_INFINITY);
    const restored = ResultContainer.fromJSON(JSON.stringify(results.toJSON()));
    expect(restored.require('level.rms').value).toBe(Number.NEGATIVE_INFINITY);
    expect((restored.require('level.rms_frames').value as Float32Array)[0]).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('level: framewise values', () => {
  /** Frame i covers [i·hop, i·hop + size), zero-padded; one frame per hop that starts before the end. */
  function referenceFrames(channels: Float32Array[], size: number, hop: number) {
    const length = channels[0].length;
    const rms: number[] = [];
    const max: number[] = [];
    for (let start = 0; start < length; start += hop) {
      let sum = 0;
      let peak = 0;
      for (const ch of channels) {
        for (let i = start; i < Math.min(start + size, length); i++) {
          sum += ch[i] * ch[i];
          peak = Math.max(peak, Math.abs(ch[i]));
        }
      }
      rms.push(10 * Math.log10(sum / (size * channels.length)));
      max.push(20 * Math.log10(peak));
    }
    return { rms, max };
  }

  const cases = [
    { size: 2048, hop: 512, blockSize: 1000, channels: 2 },
    { size: 1000, hop: 300, blockSize: 4096, channels: 2 },
    { size: 256, hop: 1024, blockSize: 777, channels: 2 },
    { size: 2048, hop: 512, blockSize: 1000, channels: 1 },
    { size: 1000, hop: 300, blockSize: 777, channels: 3 },
  ];
  it.each(cases)(
    'frameSize $size, hop $hop, blocks of $blockSize, $channels channel(s): equal to a direct computation',
    async (c) => {
      // A rising-then-falling envelope on different channels, 0.3 s; the third one's peaks are its
      // negative half-waves, larger than the others'.
      const length = Math.round(0.3 * SR);
      const all = [0, 1, 2].map(() => new Float32Array(length));
      for (let i = 0; i < length; i++) {
        const envelope = Math.sin((Math.PI * i) / length);
        all[0][i] = envelope * Math.sin(i * 0.05);
        all[1][i] = 0.3 * envelope * Math.cos(i * 0.011);
        all[2][i] = -1.2 * envelope * Math.abs(Math.sin(i * 0.003));
      }
      const channels = all.slice(0, c.channels);
      const results = await level(channels, { frameSize: c.size, hopSize: c.hop }, c.blockSize);
      const expected = referenceFrames(channels, c.size, c.hop);
      const rms = results.require('level.rms_frames');
      const max = results.require('level.max_frames');
      expect(rms.frame).toEqual({ sampleRate: SR, size: c.size, hop: c.hop });
      expect((rms.value as Float32Array).length).toBe(Math.ceil(length / c.hop));
      const rmsValues = rms.value as Float32Array;
      const worst = Math.max(...expected.rms.map((v, i) => Math.abs(rmsValues[i] - v)));
      expect(worst).toBeLessThan(1e-4);
      expect(Array.from(max.value as Float32Array)).toEqual(expected.max.map((v) => Math.fround(v)));
    },
  );
});
