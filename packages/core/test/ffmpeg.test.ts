import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createEncoder,
  ffmpegDecode,
  ffmpegInfo,
  isTimesideError,
  liveFfmpegProcesses,
  locateFfmpeg,
  locateFfprobe,
  probe,
} from '../src/index.js';
import {
  FFMPEG,
  ffmpegChildren,
  ffmpegReference,
  generate,
  peakFrequency,
  tempDir,
  toneAmplitude,
} from './ffmpeg-fixtures.js';

const tmp = tempDir('ffmpeg');
afterAll(() => tmp.remove());
afterEach(() => {
  // Every test leaves no ffmpeg behind.
  expect(liveFfmpegProcesses()).toBe(0);
  expect(ffmpegChildren()).toEqual([]);
});

const SR = 44100;
/** Two channels of known sines: 440 Hz at 0.5 and 1000 Hz at 0.25. */
function stereoSines(frames: number): Float32Array[] {
  const l = new Float32Array(frames);
  const r = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    l[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR);
    r[i] = 0.25 * Math.sin((2 * Math.PI * 1000 * i) / SR);
  }
  return [l, r];
}

async function encodeAll(
  output: string,
  codec: string,
  planar: Float32Array[],
  block = 8192,
  format?: string,
) {
  const encoder = createEncoder({ output, sampleRate: SR, channels: planar.length, codec, format });
  await encoder.ready;
  for (let s = 0; s < planar[0].length; s += block) {
    const length = Math.min(block, planar[0].length - s);
    await encoder.write(
      planar.map((c) => c.subarray(s)),
      length,
    );
  }
  await encoder.end();
  return encoder;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; file?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('ffmpeg lookup and info', () => {
  it('reports the binaries in use, their versions and the codecs timeside relies on', async () => {
    const info = await ffmpegInfo();
    expect(existsSync(info.ffmpeg.path)).toBe(true);
    expect(existsSync(info.ffprobe.path)).toBe(true);
    expect(['FFMPEG_PATH', 'PATH', '@ffmpeg-installer/ffmpeg']).toContain(info.ffmpeg.source);
    expect(['FFPROBE_PATH', 'PATH', '@ffprobe-installer/ffprobe']).toContain(info.ffprobe.source);
    expect(info.ffmpeg.version).not.toBe('unknown');
    for (const encoder of ['libvorbis', 'libopus', 'libmp3lame', 'flac', 'aac', 'pcm_s16le']) {
      expect(info.encoders).toContain(encoder);
    }
    for (const decoder of ['mp3', 'flac', 'vorbis', 'opus', 'aac']) expect(info.decoders).toContain(decoder);
    expect(await ffmpegInfo()).toBe(info); // cached
  });

  it('looks in FFMPEG_PATH, then PATH, then the installer package', () => {
    const saved = { FFMPEG_PATH: process.env.FFMPEG_PATH, PATH: process.env.PATH };
    const bin = tmp.path('bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(FFMPEG, `${bin}/ffmpeg`);
    try {
      delete process.env.FFMPEG_PATH;
      process.env.PATH = '/nonexistent';
      expect(locateFfmpeg()).toMatchObject({ source: '@ffmpeg-installer/ffmpeg', path: FFMPEG });
      process.env.PATH = `${bin}:/nonexistent`;
      expect(locateFfmpeg()).toMatchObject({ source: 'PATH', path: `${bin}/ffmpeg` });
      process.env.FFMPEG_PATH = FFMPEG;
      expect(locateFfmpeg()).toMatchObject({ source: 'FFMPEG_PATH', path: FFMPEG });
      process.env.FFMPEG_PATH = tmp.path('no-such-ffmpeg');
      const located = locateFfmpeg();
      expect(located.source).toBe('PATH');
      expect(located.notes.join()).toMatch(/FFMPEG_PATH=.*no-such-ffmpeg is not an executable/);
      expect(locateFfprobe().source).toMatch(/^(FFPROBE_PATH|PATH|@ffprobe-installer\/ffprobe)$/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('probe', () => {
  it('reads rate, channels, duration, codec and container of generated files', async () => {
    const cases = [
      { ext: 'flac', args: ['-c:a', 'flac'], codec: 'flac', container: 'flac' },
      { ext: 'mp3', args: ['-c:a', 'libmp3lame', '-b:a', '128k'], codec: 'mp3', container: 'mp3' },
      { ext: 'ogg', args: ['-c:a', 'libvorbis'], codec: 'vorbis', container: 'ogg' },
    ];
    for (const c of cases) {
      const file = tmp.path(`probe-sine-440hz-1s.${c.ext}`);
      generate(file, ['0.5*sin(2*PI*440*t)', '0.5*sin(2*PI*440*t)'], 1, SR, c.args);
      const info = await probe(file);
      expect(info).toMatchObject({ sampleRate: SR, channels: 2, codec: c.codec, container: c.container });
      expect(info.durationS).toBeGreaterThan(0.95);
      expect(info.durationS).toBeLessThan(1.1);
      if (c.ext === 'mp3') expect(info.bitRate).toBe(128000);
    }
  });

  it('says in words why a file cannot be probed', async () => {
    const text = tmp.path('notes.txt');
    writeFileSync(text, 'These are not the samples you are looking for.\n'.repeat(40));
    const missing = tmp.path('missing.mp3');
    const e1 = await rejection(probe(text));
    expect(isTimesideError(e1) && e1.code).toBe('E_DECODE');
    expect(e1.message).toContain(text);
    expect(e1.message).toMatch(/it is a text file, not audio/);
    const e2 = await rejection(probe(missing));
    expect(isTimesideError(e2) && e2.code).toBe('E_IO');
    expect(e2.message).toContain(missing);
    // A video-only file has streams, but no audio.
    const video = tmp.path('video-only.mkv');
    execFileSync(FFMPEG, [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=32x32:rate=5',
      '-t',
      '0.4',
      '-c:v',
      'mjpeg',
      video,
    ]);
    const e3 = await rejection(probe(video));
    expect(isTimesideError(e3) && e3.code).toBe('E_DECODE');
    expect(e3.message).toMatch(/no audio stream .*video \(mjpeg\)/);
  });
});

describe('createEncoder', () => {
  it('encodes planar float32 losslessly to flac (checked against the input, decoded by ffmpeg)', async () => {
    const input = stereoSines(SR);
    const file = tmp.path('roundtrip-440-1000hz-1s.flac');
    const encoder = await encodeAll(file, 'flac', input, 10_000);
    expect(encoder.framesWritten).toBe(SR);
    const decoded = ffmpegReference(file, 2);
    expect(decoded[0].length).toBe(SR);
    // flac stores 16-bit samples here: the error is at most half a 16-bit step.
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < SR; i++) worst = Math.max(worst, Math.abs(decoded[c][i] - input[c][i]));
      expect(worst).toBeLessThanOrEqual(0.5 / 32768 + 1e-7);
    }
  });

  it('encodes vorbis, opus and mp3 that decode to 440 Hz at 0.5 left and 1000 Hz at 0.25 right', async () => {
    const input = stereoSines(SR / 2);
    for (const [ext, codec, expected] of [
      ['ogg', 'libvorbis', 'vorbis'],
      ['opus', 'libopus', 'opus'],
      ['mp3', 'libmp3lame', 'mp3'],
    ] as const) {
      const file = tmp.path(`enc-440hz-1000hz.${ext}`);
      await encodeAll(file, codec, input);
      const info = await probe(file);
      expect(info.codec).toBe(expected);
      expect(info.channels).toBe(2);
      expect(info.durationS).toBeGreaterThan(0.45);
      expect(info.durationS).toBeLessThan(0.6);
      // Opus decodes at 48 kHz: back to 44.1 kHz so that 0.3 s holds whole periods of both tones
      // (132 and 300), and each tone's amplitude reads exactly whatever the codec's delay.
      const [left, right] = ffmpegReference(file, 2, ['-ar', String(SR)]);
      const middle = (x: Float32Array) => x.subarray(SR / 10, SR / 10 + (3 * SR) / 10);
      const levels = {
        left440: toneAmplitude(middle(left), SR, 440),
        left1000: toneAmplitude(middle(left), SR, 1000),
        right440: toneAmplitude(middle(right), SR, 440),
        right1000: toneAmplitude(middle(right), SR, 1000),
      };
      const seen = `${ext}: ${JSON.stringify(levels)}`;
      // Within 1 dB of the input's levels (measured: vorbis +0.04 … +0.07 dB, opus < 0.01 dB, lame's
      // default 128 kb/s −0.45 dB), and each tone at least 40 dB down in the other channel.
      expect(Math.abs(20 * Math.log10(levels.left440 / 0.5)), seen).toBeLessThan(1);
      expect(Math.abs(20 * Math.log10(levels.right1000 / 0.25)), seen).toBeLessThan(1);
      expect(levels.left1000, seen).toBeLessThan(0.0025);
      expect(levels.right440, seen).toBeLessThan(0.005);
    }
  });

  it('keeps order and data intact when writes overlap (queued, buffers reused safely)', async () => {
    const input = stereoSines(SR);
    const file = tmp.path('overlap.flac');
    const encoder = createEncoder({ output: file, sampleRate: SR, channels: 2, codec: 'flac' });
    const writes: Promise<void>[] = [];
    for (let s = 0; s < SR; s += 4410)
      writes.push(encoder.write([input[0].subarray(s), input[1].subarray(s)], 4410));
    await Promise.all(writes);
    await encoder.end();
    const decoded = ffmpegReference(file, 2);
    expect(decoded[0].length).toBe(SR);
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < SR; i++) worst = Math.max(worst, Math.abs(decoded[c][i] - input[c][i]));
      expect(worst, `channel ${c}`).toBeLessThanOrEqual(0.5 / 32768 + 1e-7);
    }
  });

  it('applies back-pressure: write() waits while ffmpeg does not read', async () => {
    const encoder = createEncoder({
      output: tmp.path('bp.flac'),
      sampleRate: SR,
      channels: 2,
      codec: 'flac',
    });
    await encoder.ready;
    const [pid] = ffmpegChildren();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    const block = stereoSines(1 << 17); // 1 MiB per write, far more than a pipe holds
    let resolved = 0;
    // Four blocks may be in flight (the encoder's WRITE_DEPTH): the first four writes resolve at
    // once, the fifth waits for the first megabyte, which a stopped ffmpeg never takes.
    const writes = Array.from({ length: 5 }, () =>
      encoder.write(block, block[0].length).then(() => resolved++),
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(resolved).toBe(4);
    process.kill(pid, 'SIGCONT');
    await Promise.all(writes);
    expect(resolved).toBe(5);
    await encoder.end();
  });

  it('reports a missing codec before any write, naming the processor and the file', async () => {
    const encoder = createEncoder({
      output: tmp.path('x.ogg'),
      sampleRate: SR,
      channels: 1,
      codec: 'libnosuchcodec',
      processor: 'vorbis_encoder',
      displayName: 'out/x.ogg',
    });
    const error = await rejection(encoder.ready);
    expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
    expect(error.message).toMatch(/vorbis_encoder cannot encode out\/x\.ogg: .*libnosuchcodec/);
    await expect(encoder.write([new Float32Array(10)], 10)).rejects.toBe(error);
    await expect(encoder.end()).rejects.toBe(error);
  });

  it("rejects end() with E_ENCODE and ffmpeg's stderr when ffmpeg fails", async () => {
    const output = tmp.path('no/such/dir/out.ogg');
    const encoder = createEncoder({ output, sampleRate: SR, channels: 2, codec: 'libvorbis' });
    const error = await rejection(
      (async () => {
        const input = stereoSines(SR);
        await encoder.write(input, SR);
        await encoder.end();
      })(),
    );
    expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
    expect(error.message).toMatch(/exited with code \d+: .*No such file or directory/);
  });

  it('abort() kills ffmpeg and awaits its exit; later calls reject with E_ABORT', async () => {
    const encoder = createEncoder({
      output: tmp.path('aborted.ogg'),
      sampleRate: SR,
      channels: 2,
      codec: 'libvorbis',
    });
    await encoder.ready;
    await encoder.write(stereoSines(SR), SR);
    expect(ffmpegChildren()).toHaveLength(1);
    await encoder.abort();
    expect(ffmpegChildren()).toEqual([]);
    const error = await rejection(encoder.end());
    expect(isTimesideError(error) && error.code).toBe('E_ABORT');
  });

  it('aborts on its signal, even before ffmpeg has started', async () => {
    const controller = new AbortController();
    const encoder = createEncoder({
      output: tmp.path('signal.ogg'),
      sampleRate: SR,
      channels: 1,
      codec: 'libvorbis',
      signal: controller.signal,
    });
    controller.abort();
    const error = await rejection(encoder.end());
    expect(isTimesideError(error) && error.code).toBe('E_ABORT');
    await encoder.abort();
  });

  it('rejects bad arguments synchronously', () => {
    expect(() => createEncoder({ output: '', sampleRate: SR, channels: 1 })).toThrow(/no output path/);
    expect(() => createEncoder({ output: 'x.wav', sampleRate: 0, channels: 1 })).toThrow(/sample rate/);
    expect(() => createEncoder({ output: 'x.wav', sampleRate: SR, channels: 1.5 })).toThrow(/channel count/);
  });
});

describe('ffmpegDecode', () => {
  const flac = tmp.path('decode-chirp-200-800hz-sine-1000hz-3s.flac');
  /** Left: a linear chirp of 200 + 200·t Hz, so that every instant of the file differs from every other. */
  const chirp = (t: number) => 0.5 * Math.sin(2 * Math.PI * (200 * t + 100 * t * t));

  /** Decodes with `options` and returns the f32le samples ffmpeg wrote. */
  async function decodeRaw(options: Parameters<typeof ffmpegDecode>[1]) {
    const chunks: Buffer[] = [];
    for await (const chunk of ffmpegDecode(flac, options)) chunks.push(chunk);
    return new Float32Array(new Uint8Array(Buffer.concat(chunks)).buffer);
  }

  it('streams f32le from start for duration: the full decode sliced at round(start·sr)', async () => {
    generate(flac, ['0.5*sin(2*PI*(200*t+100*t*t))', '0.25*sin(2*PI*1000*t)'], 3, SR, ['-c:a', 'flac']);
    const whole = ffmpegReference(flac, 2);
    expect(whole[0].length).toBe(3 * SR);
    const got = await decodeRaw({ start: 1, duration: 0.5 });
    const from = Math.round(1 * SR);
    expect(got.length).toBe(2 * Math.round(0.5 * SR));
    for (let c = 0; c < 2; c++) {
      let differing = 0;
      for (let i = 0; i < got.length / 2; i++) if (got[2 * i + c] !== whole[c][from + i]) differing++;
      expect(differing, `channel ${c}`).toBe(0);
    }
    // And the chirp itself at those instants, within the file's quantisation.
    let worst = 0;
    for (let i = 0; i < got.length / 2; i++)
      worst = Math.max(worst, Math.abs(got[2 * i] - chirp((from + i) / SR)));
    expect(worst).toBeLessThanOrEqual(1 / 32768);
  });

  it('resamples and downmixes after seeking: the chirp is at 410 Hz in the first 0.1 s, 490 Hz in the last', async () => {
    const got = await decodeRaw({ start: 1, duration: 0.5, sampleRate: 22050, channels: 1 });
    expect(got.length).toBeGreaterThanOrEqual(11025 - 32);
    expect(got.length).toBeLessThanOrEqual(11025);
    // 200 + 200·t Hz: its mean over [1, 1.1] s is 410 Hz, over [1.4, 1.5] s 490 Hz (a decode from
    // 0 s would read 210 Hz, one at 44.1 kHz labelled 22.05 kHz half of each).
    const first = got.subarray(0, 2205);
    const last = got.subarray(got.length - 2205);
    expect(Math.abs(peakFrequency(first, 22050, 380, 440) - 410)).toBeLessThanOrEqual(2);
    expect(Math.abs(peakFrequency(last, 22050, 460, 520) - 490)).toBeLessThanOrEqual(2);
    // The right channel's 1000 Hz tone is in the mono mix.
    expect(Math.abs(peakFrequency(first, 22050, 990, 1010) - 1000)).toBeLessThanOrEqual(1);
  });

  it('kills ffmpeg when the consumer stops early, and awaits it', async () => {
    const stream = ffmpegDecode(flac);
    for await (const _chunk of stream) break;
    expect(liveFfmpegProcesses()).toBe(0);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('kills ffmpeg on abort while the consumer waits, and throws E_ABORT', async () => {
    const controller = new AbortController();
    const error = await rejection(
      (async () => {
        let n = 0;
        for await (const _chunk of ffmpegDecode(flac, { signal: controller.signal })) {
          if (++n === 2) controller.abort();
        }
      })(),
    );
    expect(isTimesideError(error) && error.code).toBe('E_ABORT');
  });

  it("puts ffmpeg's stderr into the E_DECODE error of a failed decode", async () => {
    const text = tmp.path('words.txt');
    writeFileSync(text, 'hello\n'.repeat(100));
    chmodSync(text, 0o644);
    const error = await rejection(
      (async () => {
        for await (const _chunk of ffmpegDecode(text)) {
          // nothing arrives
        }
      })(),
    );
    expect(isTimesideError(error) && error.code).toBe('E_DECODE');
    expect(error.message).toContain(text);
    expect(error.message).toMatch(
      /it has no audio stream \(ffmpeg exited with code \d+: .*matches no streams/,
    );
  });
});
