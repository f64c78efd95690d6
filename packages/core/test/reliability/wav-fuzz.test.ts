/**
 * fast-check fuzzing of the WAV reader on mutations of valid files: bytes overwritten, header
 * fields set to extreme values, chunks inserted, the file cut anywhere. The header parser must
 * never throw and describe only audio that lies inside the file; the decoder must read the file
 * to its end or fail with one TimesideError naming it, within a bound, handing out finite samples.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fileDecoder, PCM_BYTES, parseWavHeader } from '../../src/index.js';
import { tempDir } from '../ffmpeg-fixtures.js';
import { bounded, chunk, failureProblem, fmtBody, riff, sinePcm16 } from './fixtures.js';

const dir = tempDir('reliability-wav-fuzz');
afterAll(() => dir.remove());

/** Valid files to mutate: 16-bit stereo PCM, float mono, 24-bit EXTENSIBLE, with a LIST chunk. */
const SEEDS: Buffer[] = [
  riff([
    chunk('fmt ', fmtBody({ tag: 1, channels: 2, sampleRate: 44100, bits: 16 })),
    chunk('data', sinePcm16(300, 2, 44100, 0.5)),
  ]),
  riff([
    chunk('fmt ', fmtBody({ tag: 3, channels: 1, sampleRate: 48000, bits: 32 })),
    chunk('data', Buffer.from(new Float32Array(200).map((_, i) => Math.sin(i / 5)).buffer)),
  ]),
  riff([
    chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1')),
    chunk(
      'fmt ',
      fmtBody({
        tag: 0xfffe,
        channels: 3,
        sampleRate: 96000,
        bits: 24,
        extensible: { validBits: 24, subFormat: 1 },
      }),
    ),
    chunk('data', Buffer.alloc(3 * 3 * 100, 0x11)),
  ]),
];

/** One mutation of a file: overwrite bytes, set a 16/32-bit field, insert a chunk, or cut. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('u16' as const),
    at: fc.constantFrom(20, 22, 32, 34, 38, 44), // tag, channels, blockAlign, bits, (extensible) valid bits, sub-format
    value: fc.oneof(fc.constantFrom(0, 1, 3, 7, 0xfffe, 0xffff, 65535), fc.nat(0xffff)),
  }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.constantFrom(4, 16, 24, 28, 40), // RIFF size, fmt size, rate, byte rate, a chunk size
    value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), fc.nat()),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    id: fc.constantFrom('fmt ', 'data', 'JUNK', 'LIST'),
    size: fc.nat(),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(file: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(file);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'bytes') Buffer.from(m.bytes).copy(b, at);
    else if (m.kind === 'u16' && m.at + 2 <= b.length) b.writeUInt16LE(m.value, m.at);
    else if (m.kind === 'u32' && m.at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, m.at);
    else if (m.kind === 'insert') {
      const head = Buffer.alloc(8);
      head.write(m.id, 0, 'latin1');
      head.writeUInt32LE(m.size >>> 0, 4);
      b = Buffer.concat([b.subarray(0, at), head, b.subarray(at)]);
    } else if (m.kind === 'cut') b = b.subarray(0, at);
  }
  return b;
}

const mutatedFile = fc
  .tuple(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([seed, mutations]) => mutate(SEEDS[seed], mutations));

describe('WAV reader on mutated valid files (properties)', () => {
  it('parseWavHeader never throws, and an accepted header describes audio inside the file', () => {
    fc.assert(
      fc.property(mutatedFile, (bytes) => {
        const parsed = parseWavHeader(bytes);
        if (!parsed.ok) {
          expect(['not-wav', 'unsupported', 'corrupt', 'need-more']).toContain(parsed.kind);
          expect(parsed.reason.length).toBeGreaterThan(5);
          return;
        }
        const h = parsed.header;
        expect(h.channels).toBeGreaterThan(0);
        expect(h.sampleRate).toBeGreaterThan(0);
        expect(h.blockAlign).toBe(h.channels * PCM_BYTES[h.format]);
        expect(h.dataBytes).toBe(h.totalFrames * h.blockAlign);
        expect(h.dataOffset + h.dataBytes).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 1000, seed: 18 },
    );
  });

  it('file_decoder reads a mutated file to its end or fails with one TimesideError naming it (bounded)', async () => {
    let n = 0;
    let decoded = 0;
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(mutatedFile, async (bytes) => {
        const path = dir.path(`mutated-${n++}.wav`);
        writeFileSync(path, bytes);
        const decoder = fileDecoder(path, { blockSize: 128 });
        try {
          const opened = await bounded(decoder.open(), 10_000);
          let frames = 0;
          await bounded(
            (async () => {
              for await (const block of decoder.blocks()) {
                for (const ch of block.data)
                  for (let i = 0; i < block.length; i++) expect(Number.isFinite(ch[i])).toBe(true);
                frames += block.length;
              }
            })(),
            10_000,
          );
          const parsed = parseWavHeader(bytes);
          // Read by the built-in reader: exactly the frames its header describes.
          if (parsed.ok && parsed.header.channels === opened.format.channels)
            expect(frames).toBe(parsed.header.totalFrames);
          decoded++;
        } catch (error) {
          expect(failureProblem(error, path)).toBeUndefined();
          failed++;
        } finally {
          await decoder.release();
        }
      }),
      { numRuns: 120, seed: 18 },
    );
    // The mutations reach both outcomes (a generator that only breaks files would test little).
    expect(decoded).toBeGreaterThan(10);
    expect(failed).toBeGreaterThan(10);
  });
});
