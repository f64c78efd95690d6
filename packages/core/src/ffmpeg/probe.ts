import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { abortError, decodeError, ioError } from '../errors/index.js';
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
  /** The decoder's sample format as ffmpeg calls it: 's16', 's16p', 's32', 'fltp'… ('' when not told). */
  sampleFormat: string;
  /** Container (demuxer) name(s) as ffmpeg calls them: 'mp3', 'ogg', 'mov,mp4,m4a,3gp,3g2,mj2'… */
  container: string;
  /** Bit rate in bits per second, when known. */
  bitRate?: number;
  /** Index of the stream in the file. */
  streamIndex: number;
  /**
   * The file's descriptive tags (title, artist, album, date, genre, comment, track…): the
   * container's and the audio stream's (Ogg and Opus keep them on the stream), keys in lower
   * case, without the technical ones ffmpeg reports as tags (encoder, brands, handler…).
   */
  tags: Record<string, string>;
}

/** Tags that describe how a file was made, not what it holds: not carried into a transcoding. */
const TECHNICAL_TAGS = new Set([
  'encoder',
  'encoded_by',
  'major_brand',
  'minor_version',
  'compatible_brands',
  'handler_name',
  'vendor_id',
  'creation_time',
  'duration',
  'language',
]);

/** Merges ffprobe's tag objects (later ones win), keys in lower case, technical tags left out. */
export function descriptiveTags(...sources: unknown[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const source of sources) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [key, value] of Object.entries(source)) {
      const name = key.toLowerCase();
      if (TECHNICAL_TAGS.has(name) || value === undefined || value === null || String(value) === '') continue;
      tags[name] = String(value);
    }
  }
  return tags;
}

type Fields = Record<string, unknown>;

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** Stops the probe: ffprobe is killed and awaited, and `probe` rejects with `E_ABORT`. */
  signal?: AbortSignal;
}

/** A number ffprobe's JSON gives as a number or a numeric string, when positive and finite. */
function positive(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Turns ffprobe's complaint (its stderr) into words a person understands. */
function probeFailure(file: string, stderr: string, cause: Error): Error {
  // ffprobe's lines start with the input's name or a `[codec @ 0x…]` tag, and repeat: keep each
  // distinct complaint once, in its words.
  const lines = stderr
    .split(/\r\n|\r|\n/)
    .map((line) =>
      line
        .replace(/^\s*\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')
        .replace(/^.*?: (?=[A-Z])/, '')
        .trim(),
    )
    .filter((line) => line !== '' && !/^Last message repeated/i.test(line));
  const said = stderrTail([...new Set(lines)].join('\n'), 4)
    .split('\n')
    .join('; ');
  if (/No such file or directory/i.test(said)) return ioError(file, 'no such file', cause);
  if (/Permission denied/i.test(said)) return ioError(file, 'permission denied', cause);
  if (/Invalid data found when processing input/i.test(said)) {
    return decodeError(file, 'it is not an audio or video file that ffmpeg can read (invalid data)', cause);
  }
  if (/^End of file$|Could not seek to|Truncat/im.test(said)) {
    return decodeError(
      file,
      `it ends before its format could be read: the file is truncated (${said})`,
      cause,
    );
  }
  return decodeError(file, `ffprobe could not read it${said ? `: ${said}` : ''}`, cause);
}

/** Most bytes of ffprobe's stdout (its JSON) and stderr kept: far more than any real file needs. */
const MAX_OUTPUT = 8 << 20;

/**
 * Runs ffprobe and resolves with its JSON (`-show_streams -show_format`). ffprobe is spawned
 * directly, not through fluent-ffmpeg, so that the signal can kill it; on abort it is killed
 * with SIGKILL and awaited before the promise rejects.
 */
function runFfprobe(file: string, source: string, signal?: AbortSignal): Promise<Fields> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format'];
  if (isUrl(file)) args.push('-rw_timeout', '30000000');
  args.push(source);
  return new Promise<Fields>((done, fail) => {
    if (signal?.aborted) return fail(abortError(file, 'the probe was aborted', signal.reason));
    const child = spawn(locateFfprobe().path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let aborted = false;
    let spawnError: Error | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_OUTPUT) stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_OUTPUT);
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    // 'close': the process has exited and its pipes are drained (also after a failed spawn).
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', onAbort);
      if (aborted) return fail(abortError(file, 'the probe was aborted', signal?.reason));
      if (spawnError) {
        return fail(decodeError(file, `ffprobe could not be run: ${spawnError.message}`, spawnError));
      }
      if (killedBy) return fail(decodeError(file, `ffprobe was killed (${killedBy}) while reading it`));
      if (code !== 0) {
        return fail(probeFailure(file, stderr, new Error(`ffprobe exited with code ${code}\n${stderr}`)));
      }
      if (stdoutBytes > MAX_OUTPUT) {
        return fail(decodeError(file, `ffprobe described it in more than ${MAX_OUTPUT >> 20} MiB`));
      }
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(stdout).toString('utf8') || '{}');
        done(parsed !== null && typeof parsed === 'object' ? (parsed as Fields) : {});
      } catch (error) {
        fail(
          decodeError(file, `ffprobe's description of it is not JSON: ${(error as Error).message}`, error),
        );
      }
    });
  });
}

/**
 * Reads the format of the first audio stream of a file or URL with ffprobe. A file ffprobe cannot
 * read, or one with no audio stream, gives a TimesideError (`E_DECODE`, or `E_IO` for a missing or
 * unreadable file) naming the file and saying why. `options.signal` aborts it: ffprobe is killed
 * and awaited, and the promise rejects with `E_ABORT` (URLs otherwise wait up to 30 s for data).
 */
export async function probe(file: string, options: ProbeOptions = {}): Promise<ProbeInfo> {
  const source = isUrl(file) ? file : resolve(file);
  const data = await runFfprobe(file, source, options.signal);
  const streams = (Array.isArray(data.streams) ? data.streams : []) as Fields[];
  const format = (data.format !== null && typeof data.format === 'object' ? data.format : {}) as Fields;
  const audio = streams.find((s) => s?.codec_type === 'audio');
  if (!audio && format.format_name === 'tty') throw decodeError(file, 'it is a text file, not audio');
  if (!audio) {
    const held = streams.map(
      (s) => `${String(s?.codec_type ?? 'unknown')} (${String(s?.codec_name ?? '?')})`,
    );
    const container = typeof format.format_name === 'string' ? ` ${format.format_name}` : '';
    throw decodeError(
      file,
      held.length
        ? `it has no audio stream (this${container} file holds ${held.join(', ')})`
        : `it has no audio stream (ffprobe found no streams in this${container} file)`,
    );
  }
  const sampleRate = positive(audio.sample_rate);
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
    sampleFormat: typeof audio.sample_fmt === 'string' ? audio.sample_fmt : '',
    container: String(format.format_name ?? 'unknown'),
    bitRate: positive(audio.bit_rate) ?? positive(format.bit_rate),
    streamIndex: typeof audio.index === 'number' ? audio.index : 0,
    tags: descriptiveTags(format.tags, audio.tags),
  };
}
