/**
 * Note segmentation from onsets and a framewise pitch track, as aubio's `notes` (aubionotes)
 * does: every onset opens a note whose pitch is the median of the pitch track over the note,
 * and the note closes at the next onset or when the sound falls silent, whichever comes first.
 */

import { medianInPlace } from './pitch_segments.js';

/** Framing of a framewise track: frame i covers samples [i·hop, i·hop + size). */
export interface TrackFraming {
  sampleRate: number;
  size: number;
  hop: number;
}

/** Notes as parallel arrays, one entry per note, sorted by time. */
export interface NoteEvents {
  /** Onset (s). */
  time: Float64Array;
  /** Duration (s). */
  duration: Float64Array;
  /** Median fundamental frequency (Hz). */
  frequency: Float32Array;
  /** Fractional MIDI note number, 69 + 12·log2(f / 440). */
  midi: Float32Array;
}

export interface NoteOptions {
  /** Frames quieter than this mean power (dBFS) are silence: a note ends there. */
  silenceDb: number;
  /** A note's sound ends where its power falls this far below the note's median power (dB). */
  releaseDb: number;
  /** Notes shorter than this (s) are dropped. */
  minDuration: number;
  /** A note needs at least this fraction of its pitch frames voiced, else it is dropped. */
  minVoicedFraction: number;
}

/** MIDI note number (fractional) of a frequency (A4 = 440 Hz = 69). */
export function hzToMidi(hz: number): number {
  return 69 + 12 * Math.log2(hz / 440);
}

/**
 * Where the sound that starts at `startS` ends, from framewise mean powers `levelsDb`: the first
 * frame after the start whose power is below the silence floor or `releaseDb` under the note's
 * median power ends it. For a sound that stops at sample e, frame k holds (e − k·hop)/size of
 * the steady power, so the end is placed inside the last audible frame in that proportion.
 */
export function soundEnd(
  levelsDb: Float32Array,
  framing: TrackFraming,
  startS: number,
  limitS: number,
  options: Pick<NoteOptions, 'silenceDb' | 'releaseDb'>,
): number {
  const { hop, size, sampleRate } = framing;
  // Audible frames wholly inside [start, limit): their median is the note's steady power.
  const first = Math.ceil((startS * sampleRate) / hop);
  const lastWhole = Math.floor((limitS * sampleRate - size) / hop);
  const span = Math.min(levelsDb.length - 1, lastWhole) - first + 1;
  if (span <= 0) return limitS;
  const scratch = new Float64Array(span);
  let count = 0;
  for (let i = 0; i < span; i++)
    if (levelsDb[first + i] >= options.silenceDb) scratch[count++] = levelsDb[first + i];
  if (count === 0) return startS;
  const steadyDb = medianInPlace(scratch.subarray(0, count));
  const floorDb = Math.max(options.silenceDb, steadyDb - options.releaseDb);
  const steadyPower = 10 ** (steadyDb / 10);
  const lastFrame = Math.min(levelsDb.length - 1, Math.floor((limitS * sampleRate) / hop));
  for (let k = first; k <= lastFrame; k++) {
    if (levelsDb[k] >= floorDb) continue;
    // Frame k is already quiet: the sound ended inside frame k − 1, which covers it partly.
    const previous = k - 1;
    if (previous < first) return Math.min(limitS, (k * hop) / sampleRate);
    const fraction = Math.min(1, 10 ** (levelsDb[previous] / 10) / steadyPower);
    return Math.min(limitS, (previous * hop + fraction * size) / sampleRate);
  }
  return limitS;
}

/**
 * Notes from onset times, a pitch track (f0 in Hz, NaN or ≤ 0 where unvoiced) and framewise
 * levels (dBFS). A note's pitch is the median f0 of the voiced pitch frames lying wholly inside
 * it (or, for notes shorter than a pitch frame, of the frames whose centre lies inside it).
 */
export function segmentNotes(
  onsets: Float64Array,
  f0: Float32Array,
  pitchFraming: TrackFraming,
  levelsDb: Float32Array,
  levelFraming: TrackFraming,
  durationS: number,
  options: NoteOptions,
): NoteEvents {
  const times: number[] = [];
  const durations: number[] = [];
  const frequencies: number[] = [];
  const scratch = new Float64Array(Math.max(1, f0.length));
  const { hop, size, sampleRate } = pitchFraming;
  for (let j = 0; j < onsets.length; j++) {
    const start = onsets[j];
    const limit = j + 1 < onsets.length ? onsets[j + 1] : durationS;
    const end = soundEnd(levelsDb, levelFraming, start, limit, options);
    if (end - start < options.minDuration) continue;

    let from = Math.ceil((start * sampleRate) / hop);
    let to = Math.floor((end * sampleRate - size) / hop);
    if (to < from) {
      from = Math.ceil((start * sampleRate - size / 2) / hop);
      to = Math.floor((end * sampleRate - size / 2) / hop);
    }
    from = Math.max(0, from);
    to = Math.min(f0.length - 1, to);
    let voiced = 0;
    let total = 0;
    for (let i = from; i <= to; i++) {
      total++;
      if (f0[i] > 0) scratch[voiced++] = f0[i];
    }
    if (voiced === 0 || voiced < options.minVoicedFraction * total) continue;
    times.push(start);
    durations.push(end - start);
    frequencies.push(medianInPlace(scratch.subarray(0, voiced)));
  }
  const frequency = Float32Array.from(frequencies);
  return {
    time: Float64Array.from(times),
    duration: Float64Array.from(durations),
    frequency,
    midi: Float32Array.from(frequency, hzToMidi),
  };
}
