/**
 * A batch that survives its bad files (DESIGN.md §7): `timeside run` over 100 tiny files, 10 of
 * them broken in different ways, finishes the 90 good ones (their outputs complete, their level
 * the known one), reports each failure with its reason, ends with a summary and exits 1; with
 * `--fail-fast` it stops at the first bad file and skips the rest.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Level } from '../../../plugin-aubio-like/src/level.js';
import { WavEncoder } from '../../../plugin-encoders/src/wav_encoder.js';
import { type ProcessorClass, ResultContainer, registerProcessor, setDiscoverer } from '../../src/index.js';
import { runCli } from '../cli-fixtures.js';
import { tempDir } from '../ffmpeg-fixtures.js';
import { randomBytesSeeded, riff, sinePcm16, wavFile } from './fixtures.js';

const dir = tempDir('reliability-batch');
afterAll(() => dir.remove());
const inputs = dir.path('archive');
const AMP = 0.5;
const FRAMES = 2205; // 50 ms at 44.1 kHz

/** The ten bad files, by index in the batch, and the reason each must be reported with. */
const BAD: Record<number, { bytes: Buffer; reason: RegExp }> = {
  7: { bytes: Buffer.alloc(0), reason: /the file is empty/ },
  17: {
    bytes: Buffer.from('not audio, a note left in the archive\n'.repeat(10)),
    reason: /text file|not an audio/,
  },
  27: { bytes: riff([]), reason: /broken WAV file: it has no fmt chunk/ },
  37: { bytes: Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1'), reason: /broken WAV file/ },
  47: { bytes: randomBytesSeeded(2048, 47), reason: /not an audio or video file|truncated|ffprobe/ },
  57: {
    bytes: wavFile({ tag: 1, channels: 0, sampleRate: 44100, bits: 16, blockAlign: 2 }, Buffer.alloc(64)),
    reason: /declares 0 channels/,
  },
  67: {
    bytes: wavFile({ tag: 1, channels: 1, sampleRate: 0, bits: 16 }, Buffer.alloc(64)),
    reason: /sample rate of 0 Hz/,
  },
  77: { bytes: randomBytesSeeded(300, 77), reason: /not an audio or video file|truncated|ffprobe/ },
  87: {
    bytes: wavFile({ tag: 1, channels: 1, sampleRate: 0xffffffff, bits: 16 }, Buffer.alloc(64)),
    reason: /impossible sample rate/,
  },
  97: { bytes: Buffer.from('RIFF', 'latin1'), reason: /broken WAV file/ },
};
const name = (i: number) => `take-${String(i).padStart(3, '0')}.wav`;
const BAD_NAMES = Object.keys(BAD).map((i) => name(Number(i)));

beforeAll(() => {
  setDiscoverer(async () => {});
  for (const cls of [Level, WavEncoder]) registerProcessor(cls as unknown as ProcessorClass);
  const good = wavFile(
    { tag: 1, channels: 1, sampleRate: 44100, bits: 16 },
    sinePcm16(FRAMES, 1, 44100, AMP),
  );
  mkdirSync(inputs);
  for (let i = 0; i < 100; i++) writeFileSync(join(inputs, name(i)), BAD[i]?.bytes ?? good);
});

async function cli(args: string[]) {
  const { code, stdout, stderr } = await runCli(args, dir.dir);
  return { code, stdout, stderr: stderr.trim().split('\n') };
}

describe('timeside run over 100 files of which 10 are bad', () => {
  it('finishes the 90 good ones, reports each bad one with its reason, summarises and exits 1', async () => {
    const out = dir.path('out-all');
    const { code, stderr } = await cli(['run', 'archive', '-a', 'level', '-e', 'wav_encoder', '-o', out]);
    expect(code).toBe(1);
    expect(stderr.at(-1)).toBe(
      `100 inputs: 90 done, 10 failed (${BAD_NAMES.map((n) => `archive/${n}`).join(', ')})`,
    );
    const failures = stderr.slice(0, -1);
    expect(failures).toHaveLength(10);
    for (const [i, { reason }] of Object.entries(BAD)) {
      const line = failures.find((l) => l.includes(name(Number(i))));
      expect(line, name(Number(i))).toMatch(/^timeside: /);
      expect(line, name(Number(i))).toMatch(reason);
    }
    // Exactly the outputs of the good files: complete, none of the bad ones', no temporary file.
    const written = readdirSync(out).sort();
    const expected = Array.from({ length: 100 }, (_, i) => i)
      .filter((i) => !BAD[i])
      .flatMap((i) => [
        `take-${String(i).padStart(3, '0')}.results.json`,
        `take-${String(i).padStart(3, '0')}.wav_encoder.wav`,
      ])
      .sort();
    expect(written).toEqual(expected);
    // The good files' results are their known level: a sine of amplitude 0.5 in 16 bits.
    for (const i of [0, 50, 99]) {
      const json = readFileSync(join(out, `take-${String(i).padStart(3, '0')}.results.json`), 'utf8');
      const max = ResultContainer.fromJSON(json).get('level.max')?.value as number;
      expect(max).toBeCloseTo(20 * Math.log10(Math.round(AMP * 32767) / 32768), 6);
    }
  });

  it('with --fail-fast stops at the first bad file, skips the rest, and exits 1', async () => {
    const out = dir.path('out-fail-fast');
    const { code, stderr } = await cli([
      'run',
      'archive',
      '-a',
      'level',
      '-e',
      'wav_encoder',
      '-o',
      out,
      '--fail-fast',
    ]);
    expect(code).toBe(1);
    expect(stderr).toEqual([
      expect.stringMatching(/^timeside: .*take-007\.wav.*the file is empty/),
      '100 inputs: 7 done, 1 failed (archive/take-007.wav), 92 skipped',
    ]);
    expect(readdirSync(out)).toHaveLength(7 * 2);
  });
});
