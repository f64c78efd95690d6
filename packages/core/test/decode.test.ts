import {
  closeSync,
  copyFileSync,
  createReadStream,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AudioBlock,
  abortError,
  FileDecoder,
  fileDecoder,
  getProcessor,
  isTimesideError,
  liveFfmpegProcesses,
  type OpenedStream,
  Processor,
  type ProcessorMeta,
  pipe,
  probe,
  type StreamFormat,
} from '../src/index.js';
import {
  ffmpeg,
  ffmpegChildren,
  ffmpegReference,
  generate,
  peakFrequency,
  rms,
  tempDir,
} from './ffmpeg-fixtures.js';

const tmp = tempDir('decode');
const SR = 44100;
const SINE = '0.5*sin(2*PI*440*t)';
/**
 * A linear chirp of 1000 + 1000·t Hz in the right channels: no two instants of it are alike, so a
 * decoder that starts at the wrong frame cannot match the untrimmed decode (the sine repeats every
 * 0.5 s, at 1.5 s and 1.9 s alike).
 */
const CHIRP = '0.25*sin(2*PI*(1000*t+500*t*t))';
const chirp = (t: number) => 0.25 * Math.sin(2 * Math.PI * (1000 * t + 500 * t * t));
const files = {
  wav: tmp.path('sine-440hz-chirp-1-3khz-2s-stereo-s16.wav'),
  mp3: tmp.path('sine-440hz-2s.mp3'),
  flac: tmp.path('sine-440hz-chirp-1-3khz-2s.flac'),
  ogg: tmp.path('sine-440hz-2s.ogg'),
  mp4: tmp.path('testsrc-sine-440hz-1s.mp4'),
};

beforeAll(() => {
  generate(files.wav, [SINE, CHIRP], 2, SR, ['-c:a', 'pcm_s16le']);
  generate(files.mp3, [SINE], 2, SR, ['-c:a', 'libmp3lame', '-b:a', '128k']);
  generate(files.flac, [SINE, CHIRP], 2, SR, ['-c:a', 'flac']);
  generate(files.ogg, [SINE], 2, SR, ['-c:a', 'libvorbis', '-q:a', '5']);
  ffmpeg(
    ...[
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10',
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=${SINE}:s=${SR}:d=1`,
    ],
    ...['-t', '1', '-c:v', 'mpeg4', '-c:a', 'aac', '-b:a', '128k', files.mp4],
  );
});
afterAll(() => tmp.remove());
afterEach(() => {
  expect(liveFfmpegProcesses()).toBe(0);
  expect(ffmpegChildren()).toEqual([]);
});

/** A sink that copies every block (for comparisons) and records how blocks arrive. */
class Collect extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'collect_test',
    kind: 'analyzer',
    name: 'collect (test)',
    version: '1.0.0',
    description: 'test sink',
    params: {},
  };
  format?: StreamFormat;
  chunks: Float32Array[][] = [];
  lengths: number[] = [];
  starts: number[] = [];
  eods: boolean[] = [];
  arrays = new Set<Float32Array>();
  keep = true;
  onBlock?: (block: AudioBlock, index: number) => void;
  override setup(format: StreamFormat): void {
    this.format = format;
  }
  override process(block: AudioBlock): void {
    this.onBlock?.(block, this.lengths.length);
    this.lengths.push(block.length);
    this.starts.push(block.start);
    this.eods.push(block.eod);
    for (const a of block.data) this.arrays.add(a);
    if (this.keep) this.chunks.push(block.data.map((a) => a.slice(0, block.length)));
  }
  /** All frames, per channel. */
  planar(): Float32Array[] {
    const channels = this.format?.channels ?? 0;
    const total = this.lengths.reduce((a, b) => a + b, 0);
    return Array.from({ length: channels }, (_, c) => {
      const out = new Float32Array(total);
      let at = 0;
      for (const chunk of this.chunks) {
        out.set(chunk[c], at);
        at += chunk[c].length;
      }
      return out;
    });
  }
}

/** 'equal', or where `actual` first differs from `expected` (a short message, fast on long arrays). */
function compareSamples(actual: Float32Array, expected: Float32Array): string {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  let differing = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      differing++;
      if (first < 0) first = i;
    }
  }
  if (differing === 0) return 'equal';
  return `${differing} of ${actual.length} samples differ, the first at ${first}: ${actual[first]}, expected ${expected[first]}`;
}

async function decodeAll(file: string, options: Parameters<typeof fileDecoder>[1] = {}) {
  const decoder = fileDecoder(file, options);
  const sink = new Collect();
  let opened: OpenedStream | undefined;
  const original = decoder.open.bind(decoder);
  decoder.open = async (signal) => {
    opened = await original(signal);
    return opened;
  };
  await pipe(decoder, sink).run();
  return { sink, opened: opened!, planar: sink.planar() };
}

/** This process's open file descriptors on `path` (read from /proc; [] elsewhere). */
function openDescriptors(path: string): string[] {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  return fds.filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while we looked
    }
  });
}

async function failure(run: () => Promise<unknown>) {
  const seen: unknown[] = [];
  const onUnhandled = (e: unknown) => seen.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    await run();
  } catch (error) {
    seen.push(error);
  }
  await new Promise((r) => setTimeout(r, 50));
  process.off('unhandledRejection', onUnhandled);
  return seen;
}

describe('file_decoder: WAV through the built-in reader', () => {
  it('is registered as the file_decoder decoder', async () => {
    expect(await getProcessor('file_decoder')).toBe(FileDecoder);
    expect(FileDecoder.meta.kind).toBe('decoder');
  });

  it('decodes exactly what ffmpeg decodes, in blocks of blockSize, the last with eod', async () => {
    const { sink, opened, planar } = await decodeAll(files.wav, { blockSize: 10_000 });
    expect(opened.format).toEqual({ sampleRate: SR, channels: 2, totalFrames: 2 * SR });
    expect(opened.audio).toEqual({ uri: files.wav, start: 0, duration: 2, sampleRate: SR, channels: 2 });
    expect(sink.lengths).toEqual([...new Array(8).fill(10_000), 2 * SR - 80_000]);
    expect(sink.eods).toEqual([...new Array(8).fill(false), true]);
    expect(sink.arrays.size).toBe(2); // the same two arrays for every block
    const reference = ffmpegReference(files.wav, 2);
    expect(planar[0]).toEqual(reference[0]);
    expect(planar[1]).toEqual(reference[1]);
  });

  it('trims start/duration exactly to the frame (frame = round(t·sr))', async () => {
    const whole = (await decodeAll(files.wav)).planar;
    for (const [start, duration, blockSize] of [
      [0.123456, 0.2, 1000],
      [1.5, null, 4096],
      [0, 0.00002, 64],
      [1.9, 5, 65536],
    ] as const) {
      const { opened, planar, sink } = await decodeAll(files.wav, { start, duration, blockSize });
      const from = Math.round(start * SR);
      const to = duration === null ? 2 * SR : Math.min(2 * SR, from + Math.round(duration * SR));
      expect(opened.format.totalFrames).toBe(to - from);
      expect(opened.audio.start).toBe(from / SR);
      expect(opened.audio.duration).toBeCloseTo((to - from) / SR, 12);
      expect(sink.starts[0]).toBe(0);
      for (let c = 0; c < 2; c++)
        expect(compareSamples(planar[c], whole[c].subarray(from, to)), `${start} s`).toBe('equal');
    }
  });

  it('recognises WAV by its header, not its name', async () => {
    const disguisedWav = tmp.path('really-a-wav.mp3');
    const disguisedMp3 = tmp.path('really-an-mp3.wav');
    copyFileSync(files.wav, disguisedWav);
    copyFileSync(files.mp3, disguisedMp3);
    const spawned: number[] = [];
    for (const file of [disguisedWav, disguisedMp3]) {
      const sink = new Collect();
      sink.keep = false;
      sink.onBlock = () => spawned.push(ffmpegChildren().length);
      await pipe(fileDecoder(file, { blockSize: 8192 }), sink).run();
      expect(sink.format?.channels).toBe(file === disguisedWav ? 2 : 1);
    }
    const blocksOfWav = Math.ceil((2 * SR) / 8192);
    expect(spawned.slice(0, blocksOfWav).every((n) => n === 0)).toBe(true); // no ffmpeg for the WAV
    expect(spawned.slice(blocksOfWav, -1).some((n) => n === 1)).toBe(true); // ffmpeg for the mp3
  });

  it('leaves WAV codings it does not read (µ-law) to ffmpeg', async () => {
    const file = tmp.path('sine-440hz-mulaw.wav');
    generate(file, [SINE], 0.5, 8000, ['-c:a', 'pcm_mulaw']);
    const { opened, planar } = await decodeAll(file);
    expect(opened.format).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(planar[0]).toEqual(ffmpegReference(file, 1)[0]);
  });

  it('refuses a start at or past the end', async () => {
    const seen = await failure(() => pipe(fileDecoder(files.wav, { start: 2 }), new Collect()).run());
    expect(seen).toHaveLength(1);
    expect(isTimesideError(seen[0]) && seen[0].code).toBe('E_DECODE');
    expect((seen[0] as Error).message).toMatch(/start 2 s is at or past the end of the audio \(2\.000 s\)/);
    // The WAV it opened to read the header is closed again.
    expect(openDescriptors(files.wav)).toEqual([]);
  });

  it.each(['wav', 'flac'] as const)(
    '%s: a duration shorter than half a frame decodes to no frames, with one eod block',
    async (kind) => {
      // round(1e-5 s · 44100 Hz) = 0 frames, through the WAV reader and through ffmpeg alike.
      const { sink, opened } = await decodeAll(files[kind], { duration: 1e-5 });
      expect(opened.format.totalFrames).toBe(0);
      expect(sink.lengths).toEqual([0]);
      expect(sink.eods).toEqual([true]);
    },
  );

  it('validates its parameters at construction', () => {
    expect(() => fileDecoder(files.wav, { blockSize: 0 })).toThrow(/blockSize/);
    expect(() => fileDecoder(files.wav, { start: -1 })).toThrow(/start/);
    expect(() => fileDecoder(files.wav, { duration: 0 })).toThrow(/duration/);
    expect(() => fileDecoder('')).toThrow(/file path or URL/);
  });
});

describe('file_decoder: everything else through ffmpeg', () => {
  const cases = [
    { name: 'mp3', file: files.mp3, channels: 1, frames: [2 * SR - 1152, 2 * SR + 1152], rmsTol: 0.02 },
    { name: 'flac', file: files.flac, channels: 2, frames: [2 * SR, 2 * SR], rmsTol: 0.001 },
    { name: 'ogg', file: files.ogg, channels: 1, frames: [2 * SR - 1024, 2 * SR + 1024], rmsTol: 0.02 },
    {
      name: 'mp4 video (aac audio track)',
      file: files.mp4,
      channels: 1,
      frames: [SR - 2048, SR + 2048],
      rmsTol: 0.03,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: duration, channels, and the 440 Hz sine's frequency and RMS`, async () => {
      const { sink, opened, planar } = await decodeAll(c.file, { blockSize: 16384 });
      expect(opened.format.sampleRate).toBe(SR);
      expect(opened.format.channels).toBe(c.channels);
      expect(planar).toHaveLength(c.channels);
      const frames = planar[0].length;
      expect(frames).toBeGreaterThanOrEqual(c.frames[0]);
      expect(frames).toBeLessThanOrEqual(c.frames[1]);
      expect(Math.abs((opened.format.totalFrames ?? 0) - frames)).toBeLessThanOrEqual(2048);
      // Blocks: full ones, then the last with eod; the same arrays every time.
      expect(sink.lengths.slice(0, -1).every((n) => n === 16384)).toBe(true);
      expect(sink.eods.indexOf(true)).toBe(sink.eods.length - 1);
      expect(sink.arrays.size).toBe(c.channels);
      const middle = planar[0].subarray(Math.floor(frames / 4), Math.floor(frames / 4) + SR / 2);
      expect(Math.abs(peakFrequency(middle, SR, 430, 450) - 440)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(rms(middle) - 0.5 / Math.SQRT2)).toBeLessThanOrEqual(c.rmsTol);
    });
  }

  it('flac is lossless: the samples are the sine (left) and the chirp (right), each in its channel', async () => {
    const { planar } = await decodeAll(files.flac);
    const truth = [(i: number) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR), (i: number) => chirp(i / SR)];
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < planar[c].length; i++)
        worst = Math.max(worst, Math.abs(planar[c][i] - truth[c](i)));
      expect(worst, `channel ${c}`).toBeLessThanOrEqual(1 / 32768);
    }
  });

  it("16-bit flac crosses ffmpeg's pipe as s16: the floats equal ffmpeg's own float decode and the WAV's, bit for bit", async () => {
    // From the 16-bit WAV: a 16-bit FLAC (the one made from lavfi's floats holds 24 bits, s32).
    const flac16 = tmp.path('sine-440hz-chirp-1-3khz-2s-s16.flac');
    ffmpeg('-i', files.wav, '-c:a', 'flac', flac16);
    expect((await probe(flac16)).sampleFormat).toBe('s16');
    expect((await probe(files.flac)).sampleFormat).toBe('s32');
    const { planar } = await decodeAll(flac16, { blockSize: 1000 });
    const reference = ffmpegReference(flac16, 2);
    const wav = (await decodeAll(files.wav)).planar;
    for (let c = 0; c < 2; c++) {
      expect(compareSamples(planar[c], reference[c]), `channel ${c} against ffmpeg`).toBe('equal');
      expect(compareSamples(planar[c], wav[c]), `channel ${c} against the WAV`).toBe('equal');
    }
  });

  it('trims with ffmpeg to exactly round(duration·sr) frames, matching the untrimmed decode', async () => {
    const whole = (await decodeAll(files.flac)).planar;
    const { planar, opened } = await decodeAll(files.flac, { start: 0.5, duration: 0.25, blockSize: 1000 });
    expect(opened.format.totalFrames).toBe(Math.round(0.25 * SR));
    expect(planar[0].length).toBe(Math.round(0.25 * SR));
    const from = Math.round(0.5 * SR);
    for (let c = 0; c < 2; c++)
      expect(compareSamples(planar[c], whole[c].subarray(from, from + planar[c].length))).toBe('equal');
    // And the chirp itself at those instants.
    let worst = 0;
    for (let i = 0; i < planar[1].length; i++)
      worst = Math.max(worst, Math.abs(planar[1][i] - chirp((from + i) / SR)));
    expect(worst).toBeLessThanOrEqual(1 / 32768);
  });

  it('resamples and downmixes a WAV through ffmpeg when asked for another rate or channel count', async () => {
    const { opened, planar } = await decodeAll(files.wav, { sampleRate: 22050, channels: 1 });
    expect(opened.format).toMatchObject({ sampleRate: 22050, channels: 1, totalFrames: 44100 });
    expect(opened.audio).toMatchObject({ sampleRate: 22050, channels: 1, duration: 2 });
    const reference = ffmpegReference(files.wav, 1, ['-ac', '1', '-ar', '22050']);
    expect(planar[0]).toEqual(reference[0]);
    expect(
      Math.abs(peakFrequency(planar[0].subarray(11025, 22050), 22050, 430, 450) - 440),
    ).toBeLessThanOrEqual(0.5);
  });

  describe('over http', () => {
    let server: Server;
    let base = '';
    beforeAll(async () => {
      server = createServer((req, res) => {
        const file = req.url === '/sine.mp3' ? files.mp3 : undefined;
        if (!file) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': statSync(file).size });
        createReadStream(file).pipe(res);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('decodes an http URL', async () => {
      const { opened, planar } = await decodeAll(`${base}/sine.mp3`);
      expect(opened.audio.uri).toBe(`${base}/sine.mp3`);
      expect(opened.format.channels).toBe(1);
      expect(Math.abs(planar[0].length - 2 * SR)).toBeLessThanOrEqual(1152);
      expect(Math.abs(peakFrequency(planar[0].subarray(SR / 2, SR), SR, 430, 450) - 440)).toBeLessThanOrEqual(
        0.5,
      );
    });

    it('names the URL when it cannot be read', async () => {
      const seen = await failure(() => pipe(fileDecoder(`${base}/missing.mp3`), new Collect()).run());
      expect(seen).toHaveLength(1);
      expect(isTimesideError(seen[0]) && seen[0].code).toBe('E_DECODE');
      expect((seen[0] as Error).message).toContain(`${base}/missing.mp3`);
    });
  });
});

describe('file_decoder: bad input gives exactly one TimesideError naming the file', () => {
  const garbage = (n: number, seed: number) => {
    const out = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  };
  const wavHead = (() => {
    const h = Buffer.alloc(36);
    h.write('RIFF', 0, 'latin1');
    h.writeUInt32LE(100_000, 4);
    h.write('WAVEfmt ', 8, 'latin1');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(2, 22);
    h.writeUInt32LE(SR, 24);
    h.writeUInt32LE(SR * 4, 28);
    h.writeUInt16LE(4, 32);
    h.writeUInt16LE(16, 34);
    return h;
  })();
  const cases: { name: string; make: (path: string) => void; code: string; reason: RegExp }[] = [
    { name: 'a missing file', make: () => {}, code: 'E_IO', reason: /no such file/ },
    { name: 'a directory', make: (p) => mkdirSync(p), code: 'E_IO', reason: /is a directory/ },
    { name: 'an empty file', make: (p) => writeFileSync(p, ''), code: 'E_DECODE', reason: /empty/ },
    {
      name: 'a WAV with garbage after a valid-looking header',
      make: (p) => writeFileSync(p, Buffer.concat([wavHead, garbage(4096, 1)])),
      code: 'E_DECODE',
      reason: /broken WAV file: .*past the end of the file/,
    },
    {
      name: 'a truncated WAV header',
      make: (p) => writeFileSync(p, wavHead.subarray(0, 30)),
      code: 'E_DECODE',
      reason: /broken WAV file: the file ends inside its fmt chunk/,
    },
    {
      name: 'a text file',
      make: (p) => writeFileSync(p, 'Not audio at all.\n'.repeat(50)),
      code: 'E_DECODE',
      reason: /text file, not audio|not an audio or video file/,
    },
    {
      name: 'a PNG-ish byte blob',
      make: (p) =>
        writeFileSync(p, Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), garbage(2048, 2)])),
      code: 'E_DECODE',
      reason: /not an audio or video file|no audio stream|ffprobe could not read/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const file = tmp.path(`bad-${c.name.replace(/\W+/g, '-')}.wav`);
      c.make(file);
      const sink = new Collect();
      const seen = await failure(() => pipe(fileDecoder(file), sink).run());
      expect(seen).toHaveLength(1);
      const error = seen[0] as Error & { code?: string; file?: string };
      expect(isTimesideError(error)).toBe(true);
      expect(error.code).toBe(c.code);
      expect(error.file).toBe(file);
      expect(error.message).toContain(file);
      expect(error.message).toMatch(c.reason);
      expect(sink.format).toBeUndefined(); // failed before any processor was set up
    });
  }
});

describe('file_decoder: memory and processes', () => {
  const MINUTES = 10;
  const big = tmp.path(`sine-440hz-${MINUTES}min-mono-s16.wav`);
  const bigFlac = tmp.path(`sine-440hz-${MINUTES}min.flac`);
  const FRAMES = MINUTES * 60 * SR;

  beforeAll(() => {
    // Written in 1 MiB pieces: a 53 MB file that the test itself never holds in memory.
    const fd = openSync(big, 'w');
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(36 + FRAMES * 2, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(SR, 24);
    header.writeUInt32LE(SR * 2, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(FRAMES * 2, 40);
    writeSync(fd, header);
    const piece = Buffer.alloc(1 << 20);
    for (let at = 0; at < FRAMES; ) {
      const n = Math.min(piece.length / 2, FRAMES - at);
      for (let i = 0; i < n; i++)
        piece.writeInt16LE(Math.round(16384 * Math.sin((2 * Math.PI * 440 * (at + i)) / SR)), i * 2);
      writeSync(fd, piece, 0, n * 2);
      at += n;
    }
    closeSync(fd);
    ffmpeg('-i', big, '-c:a', 'flac', '-compression_level', '0', bigFlac);
  });

  for (const kind of ['wav', 'flac'] as const) {
    it(`decodes ${MINUTES} minutes of ${kind} with flat memory (reused block arrays)`, async () => {
      const file = kind === 'wav' ? big : bigFlac;
      const sink = new Collect();
      sink.keep = false;
      let sumSquares = 0;
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = baseline;
      sink.onBlock = (block, index) => {
        const x = block.data[0];
        for (let i = 0; i < block.length; i++) sumSquares += x[i] * x[i];
        if (index % 16 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      };
      await pipe(fileDecoder(file), sink).run();
      const frames = sink.lengths.reduce((a, b) => a + b, 0);
      expect(frames).toBe(FRAMES);
      expect(sink.arrays.size).toBe(1);
      // A 53 MB file, a few hundred KB of buffers: growth stays far below the file's size.
      expect(peak - baseline).toBeLessThan(8 * 1024 * 1024);
      expect(Math.sqrt(sumSquares / frames)).toBeCloseTo(0.5 / Math.SQRT2, 4);
    });
  }

  it('aborting a run mid-ffmpeg-decode leaves no ffmpeg alive', async () => {
    const controller = new AbortController();
    const sink = new Collect();
    sink.keep = false;
    sink.onBlock = (_block, index) => {
      if (index === 5) {
        expect(ffmpegChildren()).toHaveLength(1);
        controller.abort(abortError(bigFlac));
      }
    };
    const seen = await failure(() => pipe(fileDecoder(bigFlac), sink).run({ signal: controller.signal }));
    expect(seen).toHaveLength(1);
    expect(isTimesideError(seen[0])).toBe(true);
    expect(sink.lengths.length).toBeLessThan(20);
    expect(liveFfmpegProcesses()).toBe(0);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('a failing sink mid-ffmpeg-decode leaves no ffmpeg alive', async () => {
    const sink = new Collect();
    sink.keep = false;
    sink.onBlock = (_block, index) => {
      if (index === 3) throw new Error('sink failed');
    };
    const seen = await failure(() => pipe(fileDecoder(bigFlac), sink).run());
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toMatch(/collect_test .*sink failed/);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('release() after open() without decoding, and twice, is safe', async () => {
    const decoder = fileDecoder(bigFlac);
    await decoder.open();
    const blocks = decoder.blocks()[Symbol.asyncIterator]();
    await blocks.next(); // ffmpeg now runs
    expect(ffmpegChildren()).toHaveLength(1);
    await decoder.release();
    await decoder.release();
    expect(ffmpegChildren()).toEqual([]);
    await blocks.return?.(undefined);
  });
});
