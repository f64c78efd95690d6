import { resolve } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { decodeError, ioError } from '../errors/index.js';
import { isUrl } from './decode.js';
import { locateFfprobe } from './locate.js';
import { stderrTail } from './run.js';

/** What ffprobe says about the first audio stream of a file. */
export interface ProbeInfo {
  /** Sample rate of the stream, in Hz. */
  sampleRate: number;
  channels: number;
  /** Duration in seconds, when the container or stream tells it. */
  durationS?: number;
  /** Codec name as ffmpeg calls it: 'mp3', 'flac', 'vorbis', 'opus', 'aac', 'pcm_s16le'… */
  codec: string;
  /** Container (demuxer) name(s) as ffmpeg calls them: 'mp3', 'ogg', 'mov,mp4,m4a,3gp,3g2,mj2'… */
  container: string;
  /** Bit rate in bits per second, when known. */
  bitRate?: number;
  /** Index of the stream in the file. */
  streamIndex: number;
}

type Fields = Record<string, unknown>;

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Turns ffprobe's complaint into words a person understands. */
function probeFailure(file: string, error: Error): Error {
  // fluent-ffmpeg appends ffprobe's stderr to its message; each line starts with the input's name.
  const said = stderrTail(error.message.replace(/^ffprobe exited with code \d+\n?/, ''), 4)
    .split('\n')
    .map((line) => line.replace(/^.*?: (?=[A-Z])/, ''))
    .join('; ');
  if (/No such file or directory/i.test(said)) return ioError(file, 'no such file', error);
  if (/Permission denied/i.test(said)) return ioError(file, 'permission denied', error);
  if (/Invalid data found when processing input/i.test(said)) {
    return decodeError(file, 'it is not an audio or video file that ffmpeg can read (invalid data)', error);
  }
  if (/Cannot find ffprobe|ENOENT/i.test(error.message)) {
    return decodeError(file, `ffprobe could not be run: ${error.message}`, error);
  }
  return decodeError(file, `ffprobe could not read it${said ? `: ${said}` : ''}`, error);
}

/**
 * Reads the format of the first audio stream of a file or URL with ffprobe. A file ffprobe cannot
 * read, or one with no audio stream, gives a TimesideError (`E_DECODE`, or `E_IO` for a missing or
 * unreadable file) naming the file and saying why.
 */
export async function probe(file: string): Promise<ProbeInfo> {
  const source = isUrl(file) ? file : resolve(file);
  const ffprobePath = locateFfprobe().path;
  const options = ['-v', 'error'];
  if (isUrl(file)) options.push('-rw_timeout', '30000000');
  const data = await new Promise<ffmpeg.FfprobeData>((done, fail) => {
    const command = ffmpeg(source);
    command.setFfprobePath(ffprobePath);
    command.ffprobe(options, (error: Error | null, result: ffmpeg.FfprobeData) => {
      if (error) fail(probeFailure(file, error));
      else done(result);
    });
  });
  const streams = (data.streams ?? []) as unknown as Fields[];
  const format = (data.format ?? {}) as unknown as Fields;
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!audio && format.format_name === 'tty') throw decodeError(file, 'it is a text file, not audio');
  if (!audio) {
    const held = streams.map((s) => `${String(s.codec_type ?? 'unknown')} (${String(s.codec_name ?? '?')})`);
    const container = typeof format.format_name === 'string' ? ` ${format.format_name}` : '';
    throw decodeError(
      file,
      held.length
        ? `it has no audio stream (this${container} file holds ${held.join(', ')})`
        : `it has no audio stream (ffprobe found no streams in this${container} file)`,
    );
  }
  const sampleRate = positive(Number(audio.sample_rate));
  const channels = positive(audio.channels);
  const codec = String(audio.codec_name ?? 'unknown');
  if (!sampleRate || !channels) {
    throw decodeError(file, `its audio stream (${codec}) has no valid sample rate or channel count`);
  }
  return {
    sampleRate,
    channels,
    durationS: positive(audio.duration) ?? positive(format.duration),
    codec,
    container: String(format.format_name ?? 'unknown'),
    bitRate: positive(audio.bit_rate) ?? positive(format.bit_rate),
    streamIndex: typeof audio.index === 'number' ? audio.index : 0,
  };
}
