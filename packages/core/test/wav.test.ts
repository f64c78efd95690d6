import { writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AudioBlock,
  fileDecoder,
  isTimesideError,
  parseWavHeader,
  readWavBlocks,
  readWavHeader,
  type WavHeader,
} from '../src/index.js';
import { ffmpeg, ffmpegReference, generate, tempDir, wrapWav } from './ffmpeg-fixtures.js';

const tmp = tempDir('wav');
afterAll(() => tmp.remove());

const SR = 44100;
const SECONDS = 0.5;
const FRAMES = SR * SECONDS;
/** The signal every format test writes: what aevalsrc computes, in double precision. */
const EXPRS = ['0.8*sin(2*PI*440*t)', '-0.5*sin(2*PI*1000*t)'];
const truth = (c: number, i: number) =>
  c === 0 ? 0.8 * Math.sin((2 * Math.PI * 440 * i) / SR) : -0.5 * Math.sin((2 * Math.PI * 1000 * i) / SR);

/** Decodes a whole WAV with the built-in reader into planar arrays (copies of each block). */
async function readAll(
  file: string,
  blockSize = 4096,
): Promise<{ header: WavHeader; planar: Float32Array[] }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const parsed = await readWavHeader(handle, size, file);
    if (!parsed.ok) throw new Error(`${parsed.kind}: ${parsed.reason}`);
    const header = parsed.header;
    const planar = Array.from({ length: header.channels }, () => new Float32Array(header.totalFrames));
    let last: AudioBlock | undefined;
    for await (const block of readWavBlocks(handle, header, { blockSize })) {
      for (let c = 0; c < header.channels; c++)
        planar[c].set(block.data[c].subarray(0, block.length), block.start);
      last = block;
    }
    expect(last?.eod).toBe(true);
    return { header, planar };
  } finally {
    await handle.close();
  }
}

function maxDiff(a: Float32Array, b: Float32Array | ((i: number) => number)): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - (typeof b === 'function' ? b(i) : b[i]));
    if (d > worst) worst = d;
  }
  return worst;
}

describe('WAV reader against ffmpeg, every sample format', () => {
  // quantum: the largest error the format's quantisation allows against the double-precision sine.
  const cases = [
    { codec: 'pcm_u8', raw: 'u8', tag: 1, bits: 8, format: 'u8', quantum: 1 / 128 },
    { codec: 'pcm_s16le', raw: 's16le', tag: 1, bits: 16, format: 's16', quantum: 1 / 32768 },
    { codec: 'pcm_s24le', raw: 's24le', tag: 1, bits: 24, format: 's24', quantum: 1 / 2 ** 23 },
    { codec: 'pcm_s32le', raw: 's32le', tag: 1, bits: 32, format: 's32', quantum: 1e-7 },
    { codec: 'pcm_f32le', raw: 'f32le', tag: 3, bits: 32, format: 'f32', quantum: 1e-7 },
    { codec: 'pcm_f64le', raw: 'f64le', tag: 3, bits: 64, format: 'f64', quantum: 1e-7 },
  ] as const;

  for (const c of cases) {
    it(`${c.format}: equals ffmpeg's decode and the sine within the quantisation (both header kinds)`, async () => {
      // ffmpeg's own WAV (tag 1 for 8/16-bit, WAVE_FORMAT_EXTENSIBLE above), and the same samples
      // under a canonical 44-byte header with the plain tag.
      const fromFfmpeg = tmp.path(`sine-${c.format}.wav`);
      generate(fromFfmpeg, EXPRS, SECONDS, SR, ['-c:a', c.codec]);
      const raw = tmp.path(`sine-${c.format}.raw`);
      generate(raw, EXPRS, SECONDS, SR, ['-f', c.raw]);
      const plain = tmp.path(`sine-${c.format}-plain.wav`);
      const { readFileSync } = await import('node:fs');
      wrapWav(plain, readFileSync(raw), c.tag, c.bits, 2, SR);

      const reference = ffmpegReference(fromFfmpeg, 2);
      for (const file of [fromFfmpeg, plain]) {
        const { header, planar } = await readAll(file, 3000);
        expect(header).toMatchObject({
          format: c.format,
          bitsPerSample: c.bits,
          channels: 2,
          sampleRate: SR,
        });
        expect(header.totalFrames).toBe(FRAMES);
        expect(header.formatTag).toBe(file === plain ? c.tag : c.bits > 16 ? 0xfffe : 1);
        for (let ch = 0; ch < 2; ch++) {
          // ffmpeg converts these formats to float exactly as the reader does.
          expect(maxDiff(planar[ch], reference[ch])).toBe(0);
          expect(maxDiff(planar[ch], (i) => truth(ch, i))).toBeLessThanOrEqual(c.quantum);
        }
      }
    });
  }

  it('reads a 6-channel WAVE_FORMAT_EXTENSIBLE (5.1, 24-bit) file channel by channel', async () => {
    const file = tmp.path('six-channels-5.1-s24.wav');
    const freqs = [200, 300, 500, 700, 1100, 1300];
    const exprs = freqs.map((f, k) => `${(0.1 * (k + 3)).toFixed(1)}*sin(2*PI*${f}*t)`);
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      `aevalsrc=${exprs.join('|')}:s=48000:d=0.25:c=5.1`,
      '-c:a',
      'pcm_s24le',
      file,
    );
    const { header, planar } = await readAll(file, 1000);
    expect(header).toMatchObject({ formatTag: 0xfffe, format: 's24', channels: 6, sampleRate: 48000 });
    expect(header.totalFrames).toBe(12000);
    expect(header.channelMask).toBeGreaterThan(0);
    const reference = ffmpegReference(file, 6);
    for (let ch = 0; ch < 6; ch++) {
      expect(maxDiff(planar[ch], reference[ch])).toBe(0);
      const amp = 0.1 * (ch + 3);
      expect(
        maxDiff(planar[ch], (i) => amp * Math.sin((2 * Math.PI * freqs[ch] * i) / 48000)),
      ).toBeLessThanOrEqual(2 ** -23);
    }
  });
});

// ---- header parsing, from the RIFF/WAVE specification -------------------------------------------

type Chunk = [id: string, body: Uint8Array];

function fmtBody(
  tag: number,
  channels: number,
  rate: number,
  bits: number,
  ext?: { sub: number; guidTail?: number[] },
) {
  const body = Buffer.alloc(ext ? 40 : 16);
  const blockAlign = (channels * bits) / 8;
  body.writeUInt16LE(tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE((rate * blockAlign) % 2 ** 32, 8);
  body.writeUInt16LE(blockAlign & 0xffff, 12);
  body.writeUInt16LE(bits, 14);
  if (ext) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(bits, 18);
    body.writeUInt32LE(3, 20);
    body.writeUInt16LE(ext.sub, 24);
    Buffer.from(ext.guidTail ?? [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(body, 26);
  }
  return body;
}

/** A RIFF/WAVE file of chunks, each padded to an even length; `sizes` overrides declared sizes. */
function riff(chunks: Chunk[], sizes: Record<number, number> = {}): Buffer {
  const parts: Buffer[] = [];
  chunks.forEach(([id, body], k) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'latin1');
    head.writeUInt32LE(sizes[k] ?? body.length, 4);
    parts.push(head, Buffer.from(body));
    if (body.length & 1) parts.push(Buffer.alloc(1));
  });
  const all = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + all.length, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, all]);
}

const pcm16 = fmtBody(1, 2, 44100, 16);
const data100 = new Uint8Array(400); // 100 stereo 16-bit frames

describe('parseWavHeader', () => {
  const ok: { name: string; bytes: Buffer; fileSize?: number; expected: Partial<WavHeader> }[] = [
    {
      name: 'canonical 44-byte header',
      bytes: riff([
        ['fmt ', pcm16],
        ['data', data100],
      ]),
      expected: {
        format: 's16',
        channels: 2,
        sampleRate: 44100,
        dataOffset: 44,
        dataBytes: 400,
        totalFrames: 100,
      },
    },
    {
      name: 'an odd-sized chunk before fmt is padded to even',
      bytes: riff([
        ['bext', new Uint8Array(5)],
        ['fmt ', pcm16],
        ['data', data100],
      ]),
      expected: { dataOffset: 12 + 14 + 24 + 8, totalFrames: 100 },
    },
    {
      name: 'a data size of 0 means to the end of the file',
      bytes: riff(
        [
          ['fmt ', pcm16],
          ['data', data100],
        ],
        { 1: 0 },
      ),
      expected: { dataBytes: 400, totalFrames: 100 },
    },
    {
      name: 'a data size of 0xFFFFFFFF means to the end of the file',
      bytes: riff(
        [
          ['fmt ', pcm16],
          ['data', data100],
        ],
        { 1: 0xffffffff },
      ),
      expected: { dataBytes: 400, totalFrames: 100 },
    },
    {
      name: 'a data size past the end (truncated file) means to the end, whole frames only',
      bytes: riff(
        [
          ['fmt ', pcm16],
          ['data', new Uint8Array(403)],
        ],
        { 1: 1_000_000 },
      ),
      expected: { dataBytes: 404, totalFrames: 101 }, // 403 bytes + the pad byte = 404
    },
    {
      name: 'a declared size shorter than the file keeps the declared size (trailing chunks)',
      bytes: riff([
        ['fmt ', pcm16],
        ['data', data100],
        ['LIST', new Uint8Array(20)],
      ]),
      expected: { dataBytes: 400, totalFrames: 100 },
    },
    {
      name: 'WAVE_FORMAT_EXTENSIBLE with the IEEE float sub-format',
      bytes: riff([
        ['fmt ', fmtBody(0xfffe, 2, 48000, 32, { sub: 3 })],
        ['data', new Uint8Array(80)],
      ]),
      expected: { formatTag: 0xfffe, format: 'f32', channelMask: 3, totalFrames: 10 },
    },
    {
      name: 'float64 with the plain tag 3',
      bytes: riff([
        ['fmt ', fmtBody(3, 1, 8000, 64)],
        ['data', new Uint8Array(80)],
      ]),
      expected: { format: 'f64', channels: 1, totalFrames: 10 },
    },
    {
      name: 'the file size given beyond the bytes read',
      bytes: riff(
        [
          ['fmt ', pcm16],
          ['data', new Uint8Array(0)],
        ],
        { 1: 0 },
      ),
      fileSize: 44 + 4000,
      expected: { dataBytes: 4000, totalFrames: 1000 },
    },
  ];
  for (const c of ok) {
    it(`parses: ${c.name}`, () => {
      const result = parseWavHeader(c.bytes, c.fileSize);
      expect(result.ok ? result.header : result).toMatchObject(c.expected);
    });
  }

  const bad: { name: string; bytes: Uint8Array; fileSize?: number; kind: string; reason: RegExp }[] = [
    {
      name: 'text',
      bytes: Buffer.from('hello world, this is text'),
      kind: 'not-wav',
      reason: /no RIFF header/,
    },
    { name: 'an AVI', bytes: Buffer.from('RIFF\x10\x00\x00\x00AVI LIST'), kind: 'not-wav', reason: /"AVI "/ },
    { name: 'RF64', bytes: Buffer.from('RF64\xff\xff\xff\xffWAVEds64'), kind: 'unsupported', reason: /RF64/ },
    {
      name: 'µ-law',
      bytes: riff([
        ['fmt ', fmtBody(7, 1, 8000, 8)],
        ['data', data100],
      ]),
      kind: 'unsupported',
      reason: /µ-law/,
    },
    {
      name: 'an unknown EXTENSIBLE sub-format GUID',
      bytes: riff([['fmt ', fmtBody(0xfffe, 2, 48000, 16, { sub: 1, guidTail: new Array(14).fill(7) })]]),
      kind: 'unsupported',
      reason: /GUID/,
    },
    {
      name: 'a header cut inside fmt',
      bytes: riff([
        ['fmt ', pcm16],
        ['data', data100],
      ]).subarray(0, 30),
      kind: 'corrupt',
      reason: /truncated/,
    },
    {
      name: '0 channels',
      bytes: riff([
        ['fmt ', fmtBody(1, 0, 44100, 16)],
        ['data', data100],
      ]),
      kind: 'corrupt',
      reason: /0 channels/,
    },
    {
      name: 'a chunk running past the end before data',
      bytes: riff(
        [
          ['fmt ', pcm16],
          ['JUNK', new Uint8Array(8)],
        ],
        { 1: 5000 },
      ),
      kind: 'corrupt',
      reason: /"JUNK" chunk at byte 36 claims 5000 bytes, past the end/,
    },
    { name: 'no data chunk', bytes: riff([['fmt ', pcm16]]), kind: 'corrupt', reason: /no data chunk/ },
    {
      name: 'no fmt chunk',
      bytes: riff([['LIST', new Uint8Array(4)]]),
      kind: 'corrupt',
      reason: /no fmt chunk/,
    },
    {
      name: 'the chunks continue past the bytes given',
      bytes: riff([
        ['LIST', new Uint8Array(100)],
        ['fmt ', pcm16],
        ['data', data100],
      ]).subarray(0, 64),
      fileSize: 568,
      kind: 'need-more',
      reason: /continues/,
    },
  ];
  for (const c of bad) {
    it(`refuses, saying why: ${c.name}`, () => {
      const result = parseWavHeader(c.bytes, c.fileSize);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.kind).toBe(c.kind);
      expect(result.reason).toMatch(c.reason);
      if (c.kind === 'need-more') expect(result.needBytes).toBeGreaterThan(c.bytes.length);
    });
  }

  /** What a parse must satisfy, whatever the input. */
  function checkInvariants(bytes: Uint8Array, fileSize: number) {
    const started = performance.now();
    const result = parseWavHeader(bytes, fileSize);
    expect(performance.now() - started).toBeLessThan(250);
    const size = Math.max(fileSize, bytes.length);
    if (result.ok) {
      const h = result.header;
      expect(h.channels).toBeGreaterThan(0);
      expect(h.sampleRate).toBeGreaterThan(0);
      expect(h.totalFrames * h.blockAlign).toBe(h.dataBytes);
      expect(h.dataOffset + h.dataBytes).toBeLessThanOrEqual(size);
    } else {
      expect(['not-wav', 'unsupported', 'corrupt', 'need-more']).toContain(result.kind);
      expect(result.reason.length).toBeGreaterThan(0);
      if (result.kind === 'need-more') {
        expect(result.needBytes).toBeGreaterThan(bytes.length);
        expect(result.needBytes).toBeLessThanOrEqual(size);
      }
    }
  }

  it('never throws or hangs on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 2 ** 32 }), (bytes, extra) => {
        checkInvariants(bytes, bytes.length + (extra % 3 === 0 ? 0 : extra));
      }),
      { numRuns: 2000, seed: 20240611 },
    );
  });

  it('never throws or hangs on random chunk lists after a valid RIFF/WAVE header (property)', () => {
    const chunkId = fc.oneof(
      fc.constantFrom('fmt ', 'data', 'LIST', 'JUNK', 'fact'),
      fc.string({ minLength: 4, maxLength: 4 }),
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .record({
          tag: fc.constantFrom(1, 3, 0xfffe, 7, 0),
          channels: fc.integer({ min: 0, max: 70000 }),
          rate: fc.nat(),
          bits: fc.constantFrom(0, 8, 12, 16, 24, 32, 64),
          sub: fc.constantFrom(1, 3, 9),
        })
        .map((f) => {
          const b = fmtBody(
            f.tag,
            f.channels & 0xffff,
            f.rate,
            f.bits,
            f.tag === 0xfffe ? { sub: f.sub } : undefined,
          );
          return new Uint8Array(b.buffer, b.byteOffset, b.length);
        }),
    );
    const size = fc.oneof(
      fc.constant(undefined),
      fc.nat({ max: 0xffffffff }),
      fc.constantFrom(0, 0xffffffff),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(chunkId, body, size), { maxLength: 6 }),
        fc.nat({ max: 100 }),
        fc.nat({ max: 1 << 20 }),
        (chunks, cut, extra) => {
          const sizes: Record<number, number> = {};
          chunks.forEach(([, , s], k) => {
            if (s !== undefined) sizes[k] = s;
          });
          const bytes = riff(
            chunks.map(([id, b]) => [id, b] as Chunk),
            sizes,
          );
          const prefix = bytes.subarray(0, Math.max(0, bytes.length - cut));
          checkInvariants(prefix, prefix.length);
          checkInvariants(prefix, prefix.length + extra);
        },
      ),
      { numRuns: 1500, seed: 42 },
    );
  });

  it('file_decoder on random RIFF/WAVE files opens or fails with one TimesideError (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(4),
        fc.nat(),
        async (tail, variant, dataSize) => {
          // Garbage after: the RIFF header, a valid fmt chunk, or fmt + a data chunk header of any size.
          const dataHead = Buffer.from('data\0\0\0\0', 'latin1');
          dataHead.writeUInt32LE(dataSize % 2 ** 32, 4);
          const head =
            variant === 0
              ? riff([])
              : variant === 1
                ? riff([['fmt ', pcm16]])
                : Buffer.concat([riff([['fmt ', pcm16]]), dataHead]);
          const file = tmp.path(`random-${n++}.wav`);
          writeFileSync(file, Buffer.concat([head, tail]));
          const decoder = fileDecoder(file);
          try {
            await decoder.open();
            for await (const block of decoder.blocks()) if (block.eod) break;
          } catch (error) {
            expect(isTimesideError(error)).toBe(true);
            expect((error as Error).message).toContain(file);
          } finally {
            await decoder.release();
          }
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});
