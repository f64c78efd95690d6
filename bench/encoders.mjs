// Encoder rows of `pnpm bench`: each encoder run in a pipeline (file_decoder → encoder) against a
// plain ffmpeg transcoding of the same WAV with the same codec options, as a ratio (pipeline time
// / ffmpeg time; 1.00 means no cost over ffmpeg alone), then all encoders in one pass against the
// sum of the plain runs. Usage: node bench/encoders.mjs INPUT.wav (run.mjs passes its input).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileDecoder, locateFfmpeg, pipe } from '@timeside/core';
import {
  AacEncoder,
  FlacEncoder,
  Mp3Encoder,
  OpusEncoder,
  VorbisEncoder,
  WavEncoder,
  WebmEncoder,
} from '@timeside/plugin-encoders';

const input = process.argv[2];
if (!input) throw new Error('usage: node bench/encoders.mjs INPUT.wav');
const out = join(new URL('..', import.meta.url).pathname, '.bench', 'encoders');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const ffmpeg = locateFfmpeg().path;
const seconds = (statSync(input).size - 44) / (44100 * 4);

// The same codec options as each encoder's defaults, for plain ffmpeg.
const rows = [
  {
    id: 'vorbis_encoder',
    ext: 'ogg',
    make: (o) => new VorbisEncoder({ output: o }),
    args: ['-c:a', 'libvorbis', '-q:a', '5'],
  },
  {
    id: 'opus_encoder',
    ext: 'opus',
    make: (o) => new OpusEncoder({ output: o }),
    args: ['-c:a', 'libopus', '-b:a', '96k', '-ar', '48000'],
  },
  {
    id: 'mp3_encoder',
    ext: 'mp3',
    make: (o) => new Mp3Encoder({ output: o }),
    args: ['-c:a', 'libmp3lame', '-q:a', '2'],
  },
  {
    id: 'aac_encoder',
    ext: 'm4a',
    make: (o) => new AacEncoder({ output: o }),
    args: ['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'],
  },
  {
    id: 'flac_encoder',
    ext: 'flac',
    make: (o) => new FlacEncoder({ output: o }),
    args: ['-c:a', 'flac', '-sample_fmt', 's16', '-compression_level', '5'],
  },
  {
    id: 'webm_encoder',
    ext: 'webm',
    make: (o) => new WebmEncoder({ output: o }),
    args: ['-c:a', 'libvorbis', '-q:a', '5'],
  },
  { id: 'wav_encoder', ext: 'wav', make: (o) => new WavEncoder({ output: o }), args: ['-c:a', 'pcm_s16le'] },
];

const time = async (fn) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};
const plain = (row) =>
  time(() =>
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', input, ...row.args, join(out, `plain.${row.ext}`)]),
  );

console.log(
  `encoders on ${basename(input)} (${(seconds / 60).toFixed(1)} min): pipeline vs plain ffmpeg -i in.wav out.ext`,
);
console.log(`${'encoder'.padEnd(28)} ${'pipeline'.padStart(9)} ${'ffmpeg'.padStart(9)}  ratio  × realtime`);
let plainTotal = 0;
for (const row of rows) {
  const ffmpegS = await plain(row);
  plainTotal += ffmpegS;
  const pipelineS = await time(() =>
    pipe(fileDecoder(input), row.make(join(out, `pipeline.${row.ext}`))).run(),
  );
  console.log(
    `${row.id.padEnd(28)} ${pipelineS.toFixed(2).padStart(7)} s ${ffmpegS.toFixed(2).padStart(7)} s  ${(pipelineS / ffmpegS).toFixed(2).padStart(5)}  ${(seconds / pipelineS).toFixed(0).padStart(6)}×`,
  );
}
const allS = await time(() =>
  pipe(fileDecoder(input), ...rows.map((row) => row.make(join(out, `all.${row.ext}`)))).run(),
);
console.log(
  `${'all 7, one pass'.padEnd(28)} ${allS.toFixed(2).padStart(7)} s ${plainTotal.toFixed(2).padStart(7)} s  ${(allS / plainTotal).toFixed(2).padStart(5)}  ${(seconds / allS).toFixed(0).padStart(6)}×   (ffmpeg: the 7 plain runs one after another)`,
);
rmSync(out, { recursive: true, force: true });
