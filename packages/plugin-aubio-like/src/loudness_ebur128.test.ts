import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrayDecoder, pipe, type ResultContainer } from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type KWeighting, kWeightedSquares, kWeightingCoefficients } from './dsp/ebur128.js';
import {
  BS1770_INTERPOLATOR_PHASES,
  type TruePeakInterpolator,
  truePeakInterpolator,
  truePeakState,
  truePeakUpdate,
} from './dsp/true_peak.js';
import { LoudnessEbur128 } from './loudness_ebur128.js';

const SAMPLE_RATE = 48000;
const ID = 'loudness_ebur128';

/** A stretch of a 1 kHz sine (EBU Tech 3341/3342 signals): `dbfs` peak level for `seconds`. */
interface Segment {
  dbfs: number;
  seconds: number;
}

/**
 * Concatenated 1 kHz sine segments with a continuous phase, `channels` copies (or one level
 * offset per channel, in dB, to build the 5.0 case).
 */
function sineProgramme(
  segments: readonly Segment[],
  channelOffsetsDb: readonly number[] = [0, 0],
): Float32Array[] {
  const total = segments.reduce((n, s) => n + Math.round(s.seconds * SAMPLE_RATE), 0);
  const out = channelOffsetsDb.map(() => new Float32Array(total));
  // 1 kHz at 48 kHz repeats every 48 samples.
  const period = Float64Array.from({ length: 48 }, (_, i) =>
    Math.sin((2 * Math.PI * 1000 * i) / SAMPLE_RATE),
  );
  let n = 0;
  for (const segment of segments) {
    const count = Math.round(segment.seconds * SAMPLE_RATE);
    for (let c = 0; c < out.length; c++) {
      const amplitude = 10 ** ((segment.dbfs + channelOffsetsDb[c]) / 20);
      const channel = out[c];
      for (let i = n; i < n + count; i++) channel[i] = amplitude * period[i % 48];
    }
    n += count;
  }
  return out;
}

async function measure(
  channels: Float32Array[],
  params: Record<string, unknown> = {},
): Promise<ResultContainer> {
  return pipe(arrayDecoder(channels, SAMPLE_RATE), new LoudnessEbur128(params)).run();
}

function scalar(results: ResultContainer, id: string): number {
  return results.require(`${ID}.${id}`).value as number;
}

function series(results: ResultContainer, id: string): Float32Array {
  return results.require(`${ID}.${id}`).value as Float32Array;
}

/** Measured figures, printed once at the end for the report. */
const readings: string[] = [];
afterAll(() => {
  if (readings.length) console.log(`loudness_ebur128 readings:\n  ${readings.join('\n  ')}`);
});

describe('K-weighting', () => {
  it('re-derives BS.1770-4 Tables 1 and 2 at 48 kHz from the analog prototype', () => {
    const { shelf, highpass } = kWeightingCoefficients(48000);
    // ITU-R BS.1770-4 Annex 1, Table 1 (stage 1) and Table 2 (stage 2): b0 b1 b2 a1 a2.
    const table1 = [
      1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
    ];
    const table2 = [1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621];
    for (let i = 0; i < 5; i++) {
      expect(shelf[i]).toBeCloseTo(table1[i], 10);
      expect(highpass[i]).toBeCloseTo(table2[i], 10);
    }
  });

  it('has the same response at 44.1 kHz as at 48 kHz (re-derived, not reused)', () => {
    // |H(f)| of the cascade from its coefficients, for both rates: the analog prototype is the same,
    // so the gains agree up to the bilinear transform's frequency warping.
    const gainDb = (fs: number, f: number) => {
      const { shelf, highpass } = kWeightingCoefficients(fs);
      const w = (2 * Math.PI * f) / fs;
      const stage = (c: Float64Array) => {
        const num = [
          c[0] + c[1] * Math.cos(w) + c[2] * Math.cos(2 * w),
          -c[1] * Math.sin(w) - c[2] * Math.sin(2 * w),
        ];
        const den = [
          1 + c[3] * Math.cos(w) + c[4] * Math.cos(2 * w),
          -c[3] * Math.sin(w) - c[4] * Math.sin(2 * w),
        ];
        return Math.hypot(num[0], num[1]) / Math.hypot(den[0], den[1]);
      };
      return 20 * Math.log10(stage(shelf) * stage(highpass));
    };
    // At 1 kHz the K-weighting gain is ≈ +0.69 dB, which BS.1770's −0.691 offset cancels.
    expect(Math.abs(gainDb(48000, 1000) - 0.691)).toBeLessThan(0.01);
    expect(Math.abs(gainDb(44100, 1000) - gainDb(48000, 1000))).toBeLessThan(0.01);
    expect(Math.abs(gainDb(44100, 10000) - gainDb(48000, 10000))).toBeLessThan(0.1);
    expect(Math.abs(gainDb(44100, 30) - gainDb(48000, 30))).toBeLessThan(0.01);
  });

  it('reads a −23 dBFS stereo 1 kHz sine at 44.1 kHz as −23.0 LUFS', async () => {
    const length = 44100 * 10;
    const channel = new Float32Array(length);
    const amplitude = 10 ** (-23 / 20);
    for (let i = 0; i < length; i++) channel[i] = amplitude * Math.sin((2 * Math.PI * 1000 * i) / 44100);
    const results = await pipe(arrayDecoder([channel, channel], 44100), new LoudnessEbur128()).run();
    const integrated = scalar(results, 'integrated');
    readings.push(`44.1 kHz −23 dBFS stereo 1 kHz sine: I = ${integrated.toFixed(3)} LUFS`);
    expect(Math.abs(integrated + 23)).toBeLessThanOrEqual(0.1);
    // 100 ms at 44.1 kHz is 4410 samples.
    expect(results.require(`${ID}.momentary`).frame).toEqual({ sampleRate: 44100, size: 17640, hop: 4410 });
  });
});

describe('EBU Tech 3341 conformance (stereo 1 kHz sines at 48 kHz)', () => {
  // EBU Tech 3341 (2016) §4 Table 1; tolerance ±0.1 LU. L R C Ls Rs for the 5.0 case.
  const cases: {
    name: string;
    segments: Segment[];
    offsets?: number[];
    expect: { integrated?: number; momentary?: number; shortTerm?: number };
  }[] = [
    { name: 'case 1: −23 dBFS, 20 s', segments: [{ dbfs: -23, seconds: 20 }], expect: { integrated: -23 } },
    { name: 'case 2: −33 dBFS, 20 s', segments: [{ dbfs: -33, seconds: 20 }], expect: { integrated: -33 } },
    {
      name: 'case 3: −36/−23/−36 dBFS, 10/60/10 s',
      segments: [
        { dbfs: -36, seconds: 10 },
        { dbfs: -23, seconds: 60 },
        { dbfs: -36, seconds: 10 },
      ],
      expect: { integrated: -23 },
    },
    {
      name: 'case 4: −72/−36/−23/−36/−72 dBFS, 10/10/60/10/10 s (absolute gate)',
      segments: [
        { dbfs: -72, seconds: 10 },
        { dbfs: -36, seconds: 10 },
        { dbfs: -23, seconds: 60 },
        { dbfs: -36, seconds: 10 },
        { dbfs: -72, seconds: 10 },
      ],
      expect: { integrated: -23 },
    },
    {
      name: 'case 5: −26/−20/−26 dBFS, 20/20.1/20 s (relative gate)',
      segments: [
        { dbfs: -26, seconds: 20 },
        { dbfs: -20, seconds: 20.1 },
        { dbfs: -26, seconds: 20 },
      ],
      expect: { integrated: -23 },
    },
    {
      name: 'case 6: 5.0, L R −28, C −24, Ls Rs −30 dBFS, 20 s',
      segments: [{ dbfs: 0, seconds: 20 }],
      offsets: [-28, -28, -24, -30, -30],
      expect: { integrated: -23 },
    },
    {
      // Not in Tech 3341: case 6 as 5.1 (L R C LFE Ls Rs) with a loud LFE, which Table 3 excludes.
      name: 'case 6 as 5.1: the LFE at −10 dBFS is not counted',
      segments: [{ dbfs: 0, seconds: 20 }],
      offsets: [-28, -28, -24, -10, -30, -30],
      expect: { integrated: -23 },
    },
    {
      // Not in Tech 3341: one channel (G = 1) carries half the power of case 1's pair, −3.01 LU.
      name: 'mono −23 dBFS, 20 s: −26.0 LUFS (eq. (2) sums over the channels)',
      segments: [{ dbfs: -23, seconds: 20 }],
      offsets: [0],
      expect: { integrated: -23 - 10 * Math.log10(2) },
    },
    {
      name: 'case 9: 1.34 s at −20 then 1.66 s at −30 dBFS, ×5',
      segments: Array.from({ length: 5 }, () => [
        { dbfs: -20, seconds: 1.34 },
        { dbfs: -30, seconds: 1.66 },
      ]).flat(),
      expect: { shortTerm: -23 },
    },
    {
      name: 'case 12: 0.18 s at −20 then 0.22 s at −30 dBFS, ×25',
      segments: Array.from({ length: 25 }, () => [
        { dbfs: -20, seconds: 0.18 },
        { dbfs: -30, seconds: 0.22 },
      ]).flat(),
      expect: { momentary: -23 },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const results = await measure(sineProgramme(c.segments, c.offsets));
      if (c.expect.integrated !== undefined) {
        const integrated = scalar(results, 'integrated');
        readings.push(`Tech 3341 ${c.name}: I = ${integrated.toFixed(3)} LUFS`);
        expect(Math.abs(integrated - c.expect.integrated)).toBeLessThanOrEqual(0.1);
      }
      // M and S must read the target constantly once their window spans whole periods.
      const check = (values: Float32Array, target: number, label: string) => {
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const v of values) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        readings.push(`Tech 3341 ${c.name}: ${label} in [${lo.toFixed(3)}, ${hi.toFixed(3)}] LUFS`);
        expect(values.length).toBeGreaterThan(0);
        expect(lo).toBeGreaterThanOrEqual(target - 0.1);
        expect(hi).toBeLessThanOrEqual(target + 0.1);
      };
      if (c.expect.shortTerm !== undefined) check(series(results, 'short_term'), c.expect.shortTerm, 'S');
      if (c.expect.momentary !== undefined) check(series(results, 'momentary'), c.expect.momentary, 'M');
    });
  }

  it('reports one momentary value per 100 ms once 400 ms are complete, one short-term once 3 s are', async () => {
    const seconds = 5.05;
    const results = await measure(sineProgramme([{ dbfs: -23, seconds }]));
    const momentary = results.require(`${ID}.momentary`);
    expect(momentary.frame).toEqual({ sampleRate: SAMPLE_RATE, size: 19200, hop: 4800 });
    // 5.05 s hold 50 complete 100 ms sub-blocks: blocks end at sub-blocks 4..50 and 30..50.
    expect((momentary.value as Float32Array).length).toBe(50 - 3);
    expect((results.require(`${ID}.short_term`).value as Float32Array).length).toBe(50 - 29);
    // Every complete momentary block of a steady −23 dBFS stereo sine reads −23.0.
    for (const v of momentary.value as Float32Array) expect(Math.abs(v + 23)).toBeLessThan(0.1);
  });
});

describe('EBU Tech 3341 true peak (cases 15–19, the signals as the standard defines them)', () => {
  // Tech 3341 Table 1, cases 15–19: 48 kHz stereo, 3 s of a steady sine at fs/divisor, sample 0
  // at the stated phase, starting and stopping abruptly (no fade); expected +0.2 / −0.4 dB.
  // The true peak of a steady sine is its amplitude: 0.5 is −6.02 dBTP, 1.41 is +2.98 dBTP.
  const cases = [
    { name: 'case 15: fs/4, 0°, 0.5', divisor: 4, phaseDeg: 0, amplitude: 0.5, expected: -6.0 },
    { name: 'case 16: fs/4, 45°, 0.5', divisor: 4, phaseDeg: 45, amplitude: 0.5, expected: -6.0 },
    { name: 'case 17: fs/6, 60°, 0.5', divisor: 6, phaseDeg: 60, amplitude: 0.5, expected: -6.0 },
    { name: 'case 18: fs/8, 67.5°, 0.5', divisor: 8, phaseDeg: 67.5, amplitude: 0.5, expected: -6.0 },
    { name: 'case 19: fs/4, 45°, 1.41', divisor: 4, phaseDeg: 45, amplitude: 1.41, expected: 3.0 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const channel = steadySine(3 * SAMPLE_RATE, c.divisor, c.phaseDeg, c.amplitude);
      const results = await measure([channel, channel.slice()]);
      const truePeak = scalar(results, 'true_peak');
      let samplePeak = 0;
      for (const v of channel) samplePeak = Math.max(samplePeak, Math.abs(v));
      readings.push(
        `Tech 3341 ${c.name}: true peak ${truePeak.toFixed(3)} dBTP (sample peak ${(20 * Math.log10(samplePeak)).toFixed(2)} dBFS)`,
      );
      expect(truePeak).toBeGreaterThanOrEqual(c.expected - 0.4);
      expect(truePeak).toBeLessThanOrEqual(c.expected + 0.2);
    });
  }

  it('reads the same cases cut at any sample (an excerpt starts and ends anywhere in the waveform)', async () => {
    for (const c of cases) {
      for (let cut = 1; cut < c.divisor; cut++) {
        const channel = steadySine(SAMPLE_RATE / 2 + cut, c.divisor, c.phaseDeg, c.amplitude).subarray(cut);
        const truePeak = scalar(await measure([channel]), 'true_peak');
        expect(truePeak, `${c.name} from sample ${cut}`).toBeGreaterThanOrEqual(c.expected - 0.4);
        expect(truePeak, `${c.name} from sample ${cut}`).toBeLessThanOrEqual(c.expected + 0.2);
      }
    }
  });
});

/** True peak of two periods (at least 12 samples more) of a 0.5 sine at `freqHz`, sample 0 at `phaseDeg`. */
function sinePeak(
  interpolator: TruePeakInterpolator,
  rate: number,
  freqHz: number,
  phaseDeg: number,
): number {
  const length = Math.ceil((2 * rate) / freqHz) + 12;
  const phase = (phaseDeg * Math.PI) / 180;
  const signal = Float32Array.from(
    { length },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * freqHz * i) / rate + phase),
  );
  return streamedTruePeak(interpolator, signal, length);
}

/** `length` samples of a sine at fs/`divisor` whose sample 0 is at `phaseDeg` (float32). */
function steadySine(length: number, divisor: number, phaseDeg: number, amplitude: number): Float32Array {
  const phase = (phaseDeg * Math.PI) / 180;
  return Float32Array.from({ length }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / divisor + phase));
}

describe('true peak of BS.1770-4 Annex 2', () => {
  // ITU-R BS.1770-4 Annex 2, the interpolating filter's table (order 48, four phases of twelve),
  // typed here from the recommendation: phase k, coefficient j weighs x[m − j] in y[4m + k].
  const annex2 = [
    [
      0.001708984375, 0.010986328125, -0.0196533203125, 0.033203125, -0.0594482421875, 0.1373291015625,
      0.97216796875, -0.102294921875, 0.047607421875, -0.026611328125, 0.014892578125, -0.00830078125,
    ],
    [
      -0.0291748046875, 0.029296875, -0.0517578125, 0.089111328125, -0.16650390625, 0.465087890625,
      0.77978515625, -0.2003173828125, 0.1015625, -0.0582275390625, 0.0330810546875, -0.0189208984375,
    ],
    [
      -0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625, -0.2003173828125, 0.77978515625,
      0.465087890625, -0.16650390625, 0.089111328125, -0.0517578125, 0.029296875, -0.0291748046875,
    ],
    [
      -0.00830078125, 0.014892578125, -0.026611328125, 0.047607421875, -0.102294921875, 0.97216796875,
      0.1373291015625, -0.0594482421875, 0.033203125, -0.0196533203125, 0.010986328125, 0.001708984375,
    ],
  ];

  it('uses the recommendation’s coefficients: 4 phases at 48 kHz, phases 0 and 2 at 96 kHz, none at 192 kHz', () => {
    expect(BS1770_INTERPOLATOR_PHASES.map((phase) => [...phase])).toEqual(annex2);
    // The 48-tap prototype h[4j + k] is symmetric (linear phase); a swapped column would break it.
    const prototype = Array.from({ length: 48 }, (_, i) => annex2[i % 4][Math.floor(i / 4)]);
    expect(prototype).toEqual([...prototype].reverse());
    const oldestFirst = (k: number) => Float64Array.from(annex2[k]).reverse();
    expect(truePeakInterpolator(44100).phases).toEqual([0, 1, 2, 3].map(oldestFirst));
    expect(truePeakInterpolator(48000).phases).toEqual([0, 1, 2, 3].map(oldestFirst));
    expect(truePeakInterpolator(96000).phases).toEqual([0, 2].map(oldestFirst));
    expect(truePeakInterpolator(176400).phases).toEqual([0, 2].map(oldestFirst));
    expect(truePeakInterpolator(192000).phases).toEqual([]);
  });

  it('reads a steady sine’s amplitude from 500 Hz to 20 kHz at any phase, at 44.1, 48 and 96 kHz', () => {
    // The true peak of a steady sine is its amplitude. −0.4 dB is Tech 3341's lower bound; the
    // Annex 2 filter's pass-band ripple reads up to +0.22 dB for some phases (near fs/4).
    const ranges: string[] = [];
    for (const rate of [44100, 48000, 96000]) {
      const interpolator = truePeakInterpolator(rate);
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (let freqHz = 500; freqHz <= 20000; freqHz += 250) {
        for (let phaseDeg = 0; phaseDeg < 360; phaseDeg += 5) {
          const errorDb = 20 * Math.log10(sinePeak(interpolator, rate, freqHz, phaseDeg) / Math.fround(0.5));
          low = Math.min(low, errorDb);
          high = Math.max(high, errorDb);
        }
      }
      ranges.push(`${rate} Hz: [${low.toFixed(3)}, ${high.toFixed(3)}] dB`);
      expect(low, `${rate} Hz`).toBeGreaterThanOrEqual(-0.4);
      expect(high, `${rate} Hz`).toBeLessThanOrEqual(0.25);
    }
    readings.push(`steady sines 500 Hz–20 kHz, true peak − amplitude: ${ranges.join('; ')}`);
  });

  it('reads the samples alone at 192 kHz: a sine’s amplitude times at least cos(π·f/fs)', () => {
    // Without oversampling the nearest sample is at most half a sample from the crest, where a
    // sine of frequency f has fallen to cos(π·f/fs) of its amplitude (−0.47 dB at 20 kHz).
    const interpolator = truePeakInterpolator(192000);
    for (let freqHz = 500; freqHz <= 20000; freqHz += 500) {
      const floorDb = 20 * Math.log10(Math.cos((Math.PI * freqHz) / 192000));
      for (let phaseDeg = 0; phaseDeg < 360; phaseDeg += 5) {
        const errorDb = 20 * Math.log10(sinePeak(interpolator, 192000, freqHz, phaseDeg) / Math.fround(0.5));
        expect(errorDb, `${freqHz} Hz, ${phaseDeg}°`).toBeGreaterThanOrEqual(floorDb - 1e-6);
        expect(errorDb, `${freqHz} Hz, ${phaseDeg}°`).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('finds the peak between two equal samples within −0.4 dB of the band-limited waveform’s', () => {
    // Two samples of 0.5 amid silence: the band-limited waveform through them, Σ x[n]·sinc(t − n),
    // peaks half-way, at 2 × 0.5 × sinc(0.5) = 2/π ≈ 0.637; the samples alone read 0.5.
    const signal = new Float32Array(200);
    signal[100] = 0.5;
    signal[101] = 0.5;
    const peak = streamedTruePeak(truePeakInterpolator(48000), signal, 200);
    const bandLimited = 2 / Math.PI;
    readings.push(
      `two samples of 0.5: true peak ${peak.toFixed(4)} (band-limited ${bandLimited.toFixed(4)})`,
    );
    expect(20 * Math.log10(peak / bandLimited)).toBeGreaterThanOrEqual(-0.4);
    expect(20 * Math.log10(peak / bandLimited)).toBeLessThanOrEqual(0.2);
  });

  it('counts a click on the first or last sample at its own value', () => {
    for (const at of [0, 1, 10, 1989, 1999]) {
      const signal = noise(2000, 0.01, 41 + at);
      signal[at] = -0.7;
      expect(
        streamedTruePeak(truePeakInterpolator(48000), signal, 2000),
        `click at ${at}`,
      ).toBeGreaterThanOrEqual(Math.fround(0.7));
    }
  });
});

describe('EBU Tech 3342 loudness range (20 s stereo 1 kHz segments)', () => {
  // EBU Tech 3342 (2016) §4 Table 1; tolerance ±1 LU.
  const cases = [
    { name: 'case 1: −20, −30 dBFS', levels: [-20, -30], expected: 10 },
    { name: 'case 2: −20, −15 dBFS', levels: [-20, -15], expected: 5 },
    { name: 'case 3: −40, −20 dBFS', levels: [-40, -20], expected: 20 },
    { name: 'case 4: −50, −35, −20, −35, −50 dBFS', levels: [-50, -35, -20, -35, -50], expected: 15 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const results = await measure(sineProgramme(c.levels.map((dbfs) => ({ dbfs, seconds: 20 }))));
      const lra = scalar(results, 'lra');
      readings.push(`Tech 3342 ${c.name}: LRA = ${lra.toFixed(3)} LU`);
      expect(Math.abs(lra - c.expected)).toBeLessThanOrEqual(1);
    });
  }
});

describe('agreement with ffmpeg’s ebur128 filter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'timeside-ebur128-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // ffmpeg from @ffmpeg-installer/ffmpeg, resolved from packages/core (a dependency of core).
  const corePackage = fileURLToPath(new URL('../../core/package.json', import.meta.url));
  const ffmpeg = (createRequire(corePackage)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

  /** Reads the float32 samples of a WAV's data chunk, deinterleaved. */
  function readFloatWav(path: string, channels: number): Float32Array[] {
    const bytes = readFileSync(path);
    let offset = 12;
    while (offset + 8 <= bytes.length) {
      const id = bytes.toString('ascii', offset, offset + 4);
      const size = bytes.readUInt32LE(offset + 4);
      if (id === 'data') {
        const frames = Math.floor(size / 4 / channels);
        const out = Array.from({ length: channels }, () => new Float32Array(frames));
        for (let i = 0; i < frames; i++) {
          for (let c = 0; c < channels; c++)
            out[c][i] = bytes.readFloatLE(offset + 8 + (i * channels + c) * 4);
        }
        return out;
      }
      offset += 8 + size + (size & 1);
    }
    throw new Error(`no data chunk in ${path}`);
  }

  it('measures a varying stereo programme within 0.1 LU of ffmpeg (integrated)', async () => {
    const wav = join(dir, 'programme-stereo-48k-40s.wav');
    // Left: a 440 Hz tone stepping between two levels plus noise; right: a 150 Hz tone fading in
    // 13 s cycles; a 2 s gap of silence every 17 s exercises both gates.
    const left = '(0.3*sin(2*PI*440*t)*(0.15+0.85*lt(mod(t,10),6))+0.03*(2*random(0)-1))*gt(mod(t,17),2)';
    const right = '(0.25*sin(2*PI*150*t)*pow(10,-1.5*mod(t,13)/20)+0.02*sin(2*PI*3000*t))*gt(mod(t,17),2)';
    const gen = spawnSync(
      ffmpeg,
      [
        '-nostats',
        '-hide_banner',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `aevalsrc=exprs='${left}|${right}':s=${SAMPLE_RATE}:d=40`,
        '-c:a',
        'pcm_f32le',
        wav,
      ],
      { encoding: 'utf8' },
    );
    expect(gen.status, gen.stderr).toBe(0);
    const meter = spawnSync(
      ffmpeg,
      ['-nostats', '-hide_banner', '-i', wav, '-af', 'ebur128=peak=true', '-f', 'null', '-'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    expect(meter.status, meter.stderr).toBe(0);
    const summary = meter.stderr.slice(meter.stderr.lastIndexOf('Summary:'));
    const number = (re: RegExp) => {
      const m = re.exec(summary);
      if (!m) throw new Error(`ffmpeg summary without ${re}: ${summary}`);
      return Number(m[1]);
    };
    const ffmpegIntegrated = number(/I:\s+(-?[\d.]+) LUFS/);
    const ffmpegLra = number(/LRA:\s+(-?[\d.]+) LU/);
    const ffmpegPeak = number(/Peak:\s+(-?[\d.]+) dBFS/);

    const results = await measure(readFloatWav(wav, 2));
    const integrated = scalar(results, 'integrated');
    const lra = scalar(results, 'lra');
    const truePeak = scalar(results, 'true_peak');
    readings.push(
      `ffmpeg programme: I ${integrated.toFixed(3)} vs ffmpeg ${ffmpegIntegrated} LUFS; ` +
        `LRA ${lra.toFixed(3)} vs ${ffmpegLra} LU; true peak ${truePeak.toFixed(3)} vs ${ffmpegPeak} dBTP`,
    );
    expect(Math.abs(integrated - ffmpegIntegrated)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(lra - ffmpegLra)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(truePeak - ffmpegPeak)).toBeLessThanOrEqual(0.3);
  });
});

describe('streaming', () => {
  it('gives the same figures whatever the block size (state carried across blocks)', async () => {
    const channels = sineProgramme([
      { dbfs: -30, seconds: 4 },
      { dbfs: -18, seconds: 4 },
    ]);
    const big = await measure(channels);
    const small = await pipe(
      arrayDecoder(channels, SAMPLE_RATE, { blockSize: 1001 }),
      new LoudnessEbur128(),
    ).run();
    for (const id of ['integrated', 'lra', 'true_peak'])
      expect(scalar(small, id)).toBeCloseTo(scalar(big, id), 9);
    expect(series(small, 'momentary')).toEqual(series(big, 'momentary'));
  });

  it('rejects channel weights that do not match the stream', async () => {
    const run = measure(sineProgramme([{ dbfs: -23, seconds: 1 }]), { channelWeights: [1, 1, 1] });
    await expect(run).rejects.toMatchObject({ code: 'E_PARAM', processor: ID, param: 'channelWeights' });
  });

  it('rejects a negative channel weight (BS.1770-4 weights are ≥ 0; a negative one makes the sum meaningless)', async () => {
    // [1, −1] on two equal channels would sum to zero power: −Infinity LUFS for a −23 dBFS sine.
    const run = measure(sineProgramme([{ dbfs: -23, seconds: 1 }]), { channelWeights: [1, -1] });
    await expect(run).rejects.toMatchObject({ code: 'E_PARAM', processor: ID, param: 'channelWeights' });
  });
});

/** `length` samples of uniform white noise in [−amplitude, amplitude) from a fixed seed (mulberry32). */
function noise(length: number, amplitude: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = amplitude * (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1);
  }
  return out;
}

/** The kernel as the processor drives it: `blockSize` samples per call. */
function streamedTruePeak(
  interpolator: TruePeakInterpolator,
  signal: Float32Array,
  blockSize: number,
): number {
  const state = truePeakState(interpolator);
  for (let start = 0; start < signal.length; start += blockSize) {
    const block = signal.subarray(start, Math.min(signal.length, start + blockSize));
    truePeakUpdate(interpolator, state, block, block.length);
  }
  return state.peak;
}

describe('true-peak kernel: streamed in blocks, with chunks skipped, equals the plain computation', () => {
  // These compare the fast kernel with a plain loop over the same coefficients: they prove that
  // streaming and skipping change no bit, not conformance (that is the Tech 3341 cases above).
  /**
   * The true peak computed the plain way, one sample at a time: the last tapsPerPhase inputs in
   * a ring; every sample, and once the ring holds only the signal every phase's dot product
   * (oldest input first), compared with the running extremes (the meter before chunks were
   * skipped). NaN values compare false and are passed over.
   */
  function referenceTruePeak(interpolator: TruePeakInterpolator, signal: Float32Array): number {
    const taps = interpolator.tapsPerPhase;
    const history = new Float64Array(2 * taps);
    let position = 0;
    let max = 0;
    let min = -0;
    for (let i = 0; i < signal.length; i++) {
      const x = signal[i];
      history[position] = x;
      history[position + taps] = x;
      position = position + 1 === taps ? 0 : position + 1;
      const values = [x];
      if (i >= taps - 1) {
        for (const phase of interpolator.phases) {
          let y = 0;
          for (let t = 0; t < taps; t++) y += phase[t] * history[position + t];
          values.push(y);
        }
      }
      for (const y of values) {
        if (y > max) max = y;
        else if (y < min) min = y;
      }
    }
    return Math.max(max, -min);
  }

  const length = SAMPLE_RATE; // 1 s each
  const clicks = new Float32Array(length);
  for (let i = 0; i < 40; i++) clicks[997 + i * 1187] = (i % 2 ? -1 : 1) * (0.1 + 0.02 * i);
  // Noise whose level rises 60 dB over the second: every block holds a new peak.
  const crescendo = noise(length, 0.9, 7).map((v, i) => v * 10 ** ((3 * (i - length)) / length));
  const lateClick = noise(length, 0.01, 11);
  lateClick[length - 1] = -0.7; // only the sample itself counts: no window is centred on it
  const earlyClick = noise(length, 0.01, 13);
  earlyClick[0] = 0.6; // the first windows would straddle the start
  const limited = noise(length, 1, 17).map((v) => 0.9 * Math.tanh(6 * v)); // flat envelope, loud
  // NaN poisons the windows that hold it; the loudest spot, between two, must still be found.
  const withNaN = noise(length, 0.3, 19);
  withNaN[30000] = Number.NaN;
  withNaN[30020] = 0.8;
  withNaN[30021] = 0.8;
  withNaN[30040] = Number.NaN;
  const signals: [string, Float32Array][] = [
    ['a sine at fs/4, 0°, 0.5', steadySine(length, 4, 0, 0.5)],
    ['a sine at fs/4, 45°, 0.5', steadySine(length, 4, 45, 0.5)],
    ['a sine at fs/6, 60°, 0.5', steadySine(length, 6, 60, 0.5)],
    ['a sine at fs/8, 67.5°, 0.5', steadySine(length, 8, 67.5, 0.5)],
    ['a sine at fs/4, 45°, 1.41', steadySine(length, 4, 45, 1.41)],
    ['white noise at −20 dBFS', noise(length, 0.1, 3)],
    ['clicks on silence', clicks],
    ['a crescendo (the peak comes last)', crescendo],
    ['a click on the last sample', lateClick],
    ['a click on the first sample', earlyClick],
    ['limited noise (loud, flat envelope)', limited],
    ['noise with NaN samples around its loudest spot', withNaN],
    ['digital silence', new Float32Array(length)],
    ['five samples (shorter than a window)', Float32Array.of(0.1, -0.5, 0.4, 0.4, -0.2)],
  ];
  const interpolator = truePeakInterpolator(SAMPLE_RATE);

  for (const [name, signal] of signals) {
    it(`is bit-identical on ${name}, whatever the block size`, () => {
      const expected = referenceTruePeak(interpolator, signal);
      expect(Number.isFinite(expected)).toBe(true);
      for (const blockSize of [65536, 4800, 1001, 33, 16, 12, 11, 7, 1]) {
        expect(streamedTruePeak(interpolator, signal, blockSize), `block size ${blockSize}`).toBe(expected);
      }
    });
  }

  it('finds an inter-sample peak wherever it falls relative to the blocks and chunks', () => {
    // Two equal samples: the oversampled peak between them is ≈ 1.245× the samples (the two
    // central taps of phases 1 and 2), so it can only be found by interpolating around them. An
    // earlier, larger single sample is where a meter that skips starts.
    for (let offset = 0; offset < 80; offset++) {
      const signal = noise(2048, 0.01, 29 + offset);
      signal[512] = 0.55;
      signal[1024 + offset] = 0.5;
      signal[1025 + offset] = 0.5;
      const expected = referenceTruePeak(interpolator, signal);
      expect(expected).toBeGreaterThan(0.6);
      for (const blockSize of [65536, 1001, 47]) {
        expect(streamedTruePeak(interpolator, signal, blockSize), `offset ${offset}, ${blockSize}`).toBe(
          expected,
        );
      }
    }
  });

  it('is bit-identical at 2× (96 kHz, the loop that is not unrolled) and 1× (192 kHz)', () => {
    for (const rate of [96000, 192000]) {
      const other = truePeakInterpolator(rate);
      for (const [name, signal] of [signals[1], signals[5], signals[7], signals[10], signals[11]]) {
        const expected = referenceTruePeak(other, signal);
        for (const blockSize of [65536, 1001, 5]) {
          expect(streamedTruePeak(other, signal, blockSize), `${rate} Hz, ${name}, ${blockSize}`).toBe(
            expected,
          );
        }
      }
    }
  });

  it('bounds every output by boundGain × the largest input of its window, tightly', () => {
    // The skip test's premise: a phase's output is at most Σ|taps| × the largest input of its
    // window, reached when the window's signs match the taps'. A window of ±0.25 matching the
    // phase with the largest Σ|taps| must read that bound.
    for (const rate of [48000, 96000]) {
      const other = truePeakInterpolator(rate);
      const sums = other.phases.map((phase) => phase.reduce((sum, tap) => sum + Math.abs(tap), 0));
      for (const sum of sums) expect(sum).toBeLessThanOrEqual(other.boundGain);
      const widest = sums.indexOf(Math.max(...sums));
      expect(other.boundGain / sums[widest]).toBeLessThan(1 + 1e-6);
      const taps = other.tapsPerPhase;
      const signal = new Float32Array(4 * taps);
      for (let t = 0; t < taps; t++) signal[taps + t] = other.phases[widest][t] < 0 ? -0.25 : 0.25;
      const peak = streamedTruePeak(other, signal, 1001);
      expect(peak).toBeLessThanOrEqual(0.25 * other.boundGain);
      expect(peak).toBeGreaterThan(0.25 * sums[widest] * (1 - 1e-12));
      expect(peak).toBe(referenceTruePeak(other, signal));
    }
  });
});

/** BS.1770-4 stage 1 then stage 2 as two biquads written out in full, weighted squares summed. */
function referenceSquares(filter: KWeighting, signal: Float32Array, weight: number): Float64Array {
  const out = new Float64Array(signal.length);
  const [sb0, sb1, sb2, sa1, sa2] = filter.shelf;
  const [hb0, hb1, hb2, ha1, ha2] = filter.highpass;
  let [x1, x2, y1, y2, z1, z2] = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < signal.length; i++) {
    const x = signal[i];
    const y = sb0 * x + sb1 * x1 + sb2 * x2 - sa1 * y1 - sa2 * y2;
    const z = hb0 * y + hb1 * y1 + hb2 * y2 - ha1 * z1 - ha2 * z2;
    [x2, x1, y2, y1, z2, z1] = [x1, x, y1, y, z1, z];
    out[i] = 0 + weight * z * z;
  }
  return out;
}

describe('K-weighting kernel against a direct-form-I biquad pair', () => {
  function streamedSquares(filter: KWeighting, signal: Float32Array, weight: number, blockSize: number) {
    const out = new Float64Array(signal.length);
    const state = new Float64Array(6);
    for (let start = 0; start < signal.length; start += blockSize) {
      const end = Math.min(signal.length, start + blockSize);
      kWeightedSquares(
        filter,
        state,
        signal.subarray(start, end),
        end - start,
        weight,
        out.subarray(start, end),
      );
    }
    return out;
  }

  /** Index of the first element where the arrays differ bit for bit (Object.is), or −1. */
  function firstDifference(a: Float64Array, b: Float64Array): number {
    if (a.length !== b.length) return Math.min(a.length, b.length);
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
    return -1;
  }

  const signal = noise(48000, 0.5, 23).map((v, i) => v + 0.3 * Math.sin((2 * Math.PI * 997 * i) / 48000));

  it('gives the same bits at 44.1 and 48 kHz, in blocks of any size', () => {
    for (const rate of [44100, 48000]) {
      const filter = kWeightingCoefficients(rate);
      const expected = referenceSquares(filter, signal, 1.41);
      for (const blockSize of [48000, 4410, 7, 1]) {
        expect(firstDifference(streamedSquares(filter, signal, 1.41, blockSize), expected)).toBe(-1);
      }
    }
  });

  it('still honours a stage-2 numerator other than (1, −2, 1)', () => {
    const { shelf, highpass } = kWeightingCoefficients(48000);
    const filter = { shelf, highpass: Float64Array.of(0.5, -1, 0.5, highpass[3], highpass[4]) };
    const expected = referenceSquares(filter, signal, 1);
    expect(firstDifference(streamedSquares(filter, signal, 1, 1001), expected)).toBe(-1);
  });
});

describe('block energies, gating and windows against a plain BS.1770 / Tech 3342 computation', () => {
  it('match the direct sums, gates and 3 s windows, whatever the block size', async () => {
    // A 10 s stereo programme in three parts: loud (noise and a tone), the same 14.5 dB down, and
    // nearly silent (≈ −85 LUFS, under the −70 LUFS absolute gate). The relative gate lies
    // ≈ 12.9 LU below the loud part, so it drops the quieter part; were the silent blocks not
    // gated first, it would lie ≈ 15.1 LU down and keep it.
    const parts = [
      { seconds: 3, scale: 1 },
      { seconds: 3, scale: 10 ** (-14.5 / 20) },
      { seconds: 4, scale: 0.00025 },
    ];
    const length = parts.reduce((n, p) => n + p.seconds * SAMPLE_RATE, 0);
    const scale = new Float32Array(length);
    let at = 0;
    for (const part of parts) {
      scale.fill(part.scale, at, at + part.seconds * SAMPLE_RATE);
      at += part.seconds * SAMPLE_RATE;
    }
    const left = noise(length, 0.2, 31).map(
      (v, i) => scale[i] * (v + 0.1 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)),
    );
    const right = noise(length, 0.1, 37).map((v, i) => scale[i] * v);

    // Plain computation: each channel K-weighted in one pass (direct form I), squares summed over
    // channels per sample, then over each 100 ms sub-block; a 400 ms block is the mean of four
    // sub-blocks, a 3 s block the mean of thirty (BS.1770-4 §2, Tech 3341 §2.3).
    const filter = kWeightingCoefficients(SAMPLE_RATE);
    const squares = [left, right].map((channel) => referenceSquares(filter, channel, 1));
    const step = SAMPLE_RATE / 10;
    const subBlocks: number[] = [];
    for (let start = 0; start + step <= length; start += step) {
      let sum = 0;
      for (let i = start; i < start + step; i++) sum += 0 + squares[0][i] + squares[1][i];
      subBlocks.push(sum);
    }
    const windowed = (size: number) =>
      Array.from({ length: subBlocks.length - size + 1 }, (_, j) => {
        let total = 0;
        for (let k = j; k < j + size; k++) total += subBlocks[k];
        return total / (size * step);
      });
    const lufs = (energy: number) => -0.691 + 10 * Math.log10(energy);
    const meanEnergy = (energies: number[]) => energies.reduce((a, b) => a + b, 0) / energies.length;
    const momentaryEnergies = windowed(4);
    const shortTermEnergies = windowed(30);

    // Integrated loudness, BS.1770-4 eq. (4)–(7), written with loudness values: blocks above
    // −70 LUFS, then above (their power mean's loudness − 10 LU); the survivors' power mean.
    const aboveAbsolute = momentaryEnergies.filter((z) => lufs(z) > -70);
    const relativeGate = lufs(meanEnergy(aboveAbsolute)) - 10;
    const gated = aboveAbsolute.filter((z) => lufs(z) > relativeGate);
    const expectedIntegrated = lufs(meanEnergy(gated));
    // Each gate must matter here, or a meter that skips one would pass: without the relative gate
    // (absolute only), and with the relative gate taken from every block (no absolute gate).
    const absoluteOnly = lufs(meanEnergy(aboveAbsolute));
    const everyBlockGate = lufs(meanEnergy(momentaryEnergies)) - 10;
    const relativeOnly = lufs(meanEnergy(momentaryEnergies.filter((z) => lufs(z) > everyBlockGate)));
    expect(Math.abs(expectedIntegrated - absoluteOnly)).toBeGreaterThan(0.5);
    expect(Math.abs(expectedIntegrated - relativeOnly)).toBeGreaterThan(0.5);

    // Loudness range, Tech 3342 §3.1: short-term blocks above −70 LUFS, then above their power
    // mean's loudness − 20 LU; 95th minus 10th percentile of the survivors' loudness (nearest
    // rank, index round((n − 1)·p) of the sorted values).
    const shortAbove = shortTermEnergies.filter((z) => lufs(z) > -70);
    const rangeGate = lufs(meanEnergy(shortAbove)) - 20;
    const survivors = shortAbove
      .filter((z) => lufs(z) > rangeGate)
      .map(lufs)
      .sort((a, b) => a - b);
    const percentile = (p: number) => survivors[Math.round((survivors.length - 1) * p)];
    const expectedLra = percentile(0.95) - percentile(0.1);
    readings.push(
      `gated programme: I ${expectedIntegrated.toFixed(3)} LUFS (absolute gate only ${absoluteOnly.toFixed(3)}, ` +
        `relative gate only ${relativeOnly.toFixed(3)}); LRA ${expectedLra.toFixed(3)} LU`,
    );

    for (const blockSize of [65536, 4801, 4800, 4799, 1001]) {
      const results = await pipe(
        arrayDecoder([left, right], SAMPLE_RATE, { blockSize }),
        new LoudnessEbur128(),
      ).run();
      const label = `block size ${blockSize}`;
      expect(series(results, 'momentary'), label).toEqual(Float32Array.from(momentaryEnergies, lufs));
      expect(scalar(results, 'integrated'), label).toBeCloseTo(expectedIntegrated, 9);
      expect(scalar(results, 'lra'), label).toBeCloseTo(expectedLra, 9);
      const shortTerm = series(results, 'short_term');
      expect(shortTerm.length, label).toBe(shortTermEnergies.length);
      let worst = 0;
      for (let j = 0; j < shortTerm.length; j++) {
        worst = Math.max(worst, Math.abs(shortTerm[j] - lufs(shortTermEnergies[j])));
      }
      // Float32 values of about −20: one unit in the last place is ≈ 2·10⁻⁶.
      expect(worst, label).toBeLessThan(1e-5);
    }
  });
});
