import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrayDecoder, pipe, type ResultContainer } from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
import { kWeightingCoefficients } from './dsp/ebur128.js';
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

describe('EBU Tech 3341 true peak (cases 15–19)', () => {
  // Tech 3341 Table 2: sines at fs/f at 48 kHz with a phase offset, expected +0.2/−0.4 dB.
  const cases = [
    { name: 'case 15: fs/4, 0°, 0.5', divisor: 4, phaseDeg: 0, amplitude: 0.5, expected: -6.0 },
    { name: 'case 16: fs/4, 45°, 0.5', divisor: 4, phaseDeg: 45, amplitude: 0.5, expected: -6.0 },
    { name: 'case 17: fs/6, 60°, 0.5', divisor: 6, phaseDeg: 60, amplitude: 0.5, expected: -6.0 },
    { name: 'case 18: fs/8, 67.5°, 0.5', divisor: 8, phaseDeg: 67.5, amplitude: 0.5, expected: -6.0 },
    { name: 'case 19: fs/4, 45°, 1.41', divisor: 4, phaseDeg: 45, amplitude: 1.41, expected: 3.0 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const length = SAMPLE_RATE * 2;
      const channel = new Float32Array(length);
      const phase = (c.phaseDeg * Math.PI) / 180;
      // 20 ms raised-cosine fades: an abrupt start on a non-zero sample is a step, whose
      // band-limited reconstruction overshoots (Gibbs) — a true peak, but not the steady sine's.
      const fade = Math.round(0.02 * SAMPLE_RATE);
      for (let i = 0; i < length; i++) {
        const edge = Math.min(i, length - 1 - i);
        const gain = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
        channel[i] = gain * c.amplitude * Math.sin((2 * Math.PI * i) / c.divisor + phase);
      }
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
});
