import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTimesideError, locateFfmpeg, pipe } from '@timeside/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Mp3Encoder } from '../src/mp3_encoder.js';
import { countingDecoder, tempDir } from './helpers.js';

// Its own test file: fluent-ffmpeg caches the encoder list once per process.
const dir = tempDir('timeside-nocodec-');
const saved = process.env.FFMPEG_PATH;

beforeAll(() => {
  // The real ffmpeg, except that its list of encoders lacks libmp3lame (as a build without LAME).
  const wrapper = join(dir, 'ffmpeg-without-lame');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = "-encoders" ] && { "${locateFfmpeg().path}" "$@" | grep -v libmp3lame; exit 0; }; done\nexec "${locateFfmpeg().path}" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  process.env.FFMPEG_PATH = wrapper;
});

afterAll(() => {
  if (saved === undefined) delete process.env.FFMPEG_PATH;
  else process.env.FFMPEG_PATH = saved;
});

it('a missing codec fails at setup, naming the encoder, the format and the path, before any decoding', async () => {
  const { decoder, read } = countingDecoder(2);
  const output = join(dir, 'out', 'song.mp3');
  const error = await pipe(decoder, new Mp3Encoder({ output }))
    .run()
    .catch((e: unknown) => e);
  expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
  expect(String((error as Error).message)).toMatch(
    new RegExp(
      `^mp3_encoder cannot encode ${output}: the ffmpeg in use \\(.*ffmpeg-without-lame\\) has no libmp3lame encoder, needed to write mp3 \\(mp3/libmp3lame\\)`,
    ),
  );
  expect(read()).toBe(0);
});
