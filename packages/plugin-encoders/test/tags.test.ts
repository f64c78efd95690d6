import { join } from 'node:path';
import { fileDecoder, pipe } from '@timeside/core';
import { beforeAll, expect, describe as group, it } from 'vitest';
import { AacEncoder } from '../src/aac_encoder.js';
import type { Encoder } from '../src/base/encoder.js';
import { FlacEncoder } from '../src/flac_encoder.js';
import { Mp3Encoder } from '../src/mp3_encoder.js';
import { OpusEncoder } from '../src/opus_encoder.js';
import { VorbisEncoder } from '../src/vorbis_encoder.js';
import { WavEncoder } from '../src/wav_encoder.js';
import { WebmEncoder } from '../src/webm_encoder.js';
import { describe, musicLikeWav, runFfmpeg, tempDir } from './helpers.js';

const dir = tempDir('timeside-tags-');
const source = join(dir, 'tagged-source.flac');

const encoders: { ext: string; make: (params: Record<string, unknown>) => Encoder }[] = [
  { ext: 'wav', make: (p) => new WavEncoder(p) },
  { ext: 'flac', make: (p) => new FlacEncoder(p) },
  { ext: 'ogg', make: (p) => new VorbisEncoder(p) },
  { ext: 'opus', make: (p) => new OpusEncoder(p) },
  { ext: 'mp3', make: (p) => new Mp3Encoder(p) },
  { ext: 'm4a', make: (p) => new AacEncoder(p) },
  { ext: 'webm', make: (p) => new WebmEncoder(p) },
];

beforeAll(async () => {
  const wav = join(dir, 'music-like-1s.wav');
  musicLikeWav(wav, 1);
  // A FLAC with Vorbis comments: ffprobe, through file_decoder, gives them to the encoders.
  runFfmpeg([
    '-y',
    '-i',
    wav,
    '-metadata',
    'title=Chant de la forêt',
    '-metadata',
    'artist=Anonyme',
    '-metadata',
    'album=Archives CREM',
    source,
  ]);
  const carried = encoders.map((e) => e.make({ output: join(dir, `carried.${e.ext}`) }));
  const replaced = encoders.map((e) =>
    e.make({ output: join(dir, `replaced.${e.ext}`), title: 'Nouveau titre', genre: 'Ethnomusicology' }),
  );
  const dropped = encoders.map((e) => e.make({ output: join(dir, `dropped.${e.ext}`), copyTags: false }));
  await pipe(fileDecoder(source), ...carried, ...replaced, ...dropped).run();
});

group('tags', () => {
  it.each(encoders)('$ext carries the source’s title, artist and album (read back by ffmpeg)', ({ ext }) => {
    const { tags } = describe(join(dir, `carried.${ext}`));
    expect(tags).toMatchObject({ title: 'Chant de la forêt', artist: 'Anonyme', album: 'Archives CREM' });
  });

  it.each(encoders)('$ext: tag parameters replace or add to the source’s', ({ ext }) => {
    const { tags } = describe(join(dir, `replaced.${ext}`));
    expect(tags).toMatchObject({ title: 'Nouveau titre', artist: 'Anonyme', genre: 'Ethnomusicology' });
  });

  it.each(encoders)('$ext: copyTags false writes none of them', ({ ext }) => {
    const { tags } = describe(join(dir, `dropped.${ext}`));
    expect(tags.title).toBeUndefined();
    expect(tags.artist).toBeUndefined();
  });
});

group('tags of a WAV source (core’s built-in reader parses its LIST/INFO chunk)', () => {
  it('reach the encoders as ffmpeg wrote them', async () => {
    const wav = join(dir, 'tagged-source.wav');
    musicLikeWav(wav, 1, 44100, [
      '-metadata',
      'title=Berceuse',
      '-metadata',
      'artist=Enregistrement de terrain',
      '-metadata',
      'date=1962',
    ]);
    const output = join(dir, 'from-wav.ogg');
    await pipe(fileDecoder(wav), new VorbisEncoder({ output })).run();
    expect(describe(output).tags).toMatchObject({
      title: 'Berceuse',
      artist: 'Enregistrement de terrain',
      date: '1962',
    });
  });
});
