import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { hzToMidi, soundEnd } from './dsp/notes.js';
import { Notes } from './notes.js';
import { Pitch } from './pitch.js';

const SAMPLE_RATE = 44100;

/** Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz). */
function midiHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

/** Sine notes of `noteS` each, `gapS` of silence after each, from `startS`; 10 ms raised-cosine fades. */
function melody(midis: number[], noteS: number, gapS: number, startS: number) {
  const total = startS + midis.length * (noteS + gapS);
  const audio = new Float32Array(Math.round(total * SAMPLE_RATE));
  const onsets: number[] = [];
  const fade = Math.round(0.01 * SAMPLE_RATE);
  midis.forEach((midi, j) => {
    const first = Math.round((startS + j * (noteS + gapS)) * SAMPLE_RATE);
    const length = Math.round(noteS * SAMPLE_RATE);
    const hz = midiHz(midi);
    onsets.push(first / SAMPLE_RATE);
    for (let i = 0; i < length; i++) {
      const edge = Math.min(i, length - 1 - i);
      const gain = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
      audio[first + i] = 0.5 * gain * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE);
    }
  });
  return { audio, onsets };
}

async function transcribe(audio: Float32Array, params: Record<string, unknown> = {}) {
  const pipeline = pipe(arrayDecoder(audio, SAMPLE_RATE), new Notes(params));
  const results = await pipeline.run();
  return { notes: results.require('notes'), frequency: results.require('notes.frequency'), pipeline };
}

describe('notes kernels', () => {
  it('hzToMidi: A4 = 69, C4 = 60, an octave = 12', () => {
    expect(hzToMidi(440)).toBe(69);
    expect(hzToMidi(261.6256)).toBeCloseTo(60, 4);
    expect(hzToMidi(880) - hzToMidi(440)).toBeCloseTo(12, 12);
  });

  it('soundEnd places the end inside the last audible frame by its share of the steady power', () => {
    // Frames of 1 s every 0.5 s (1000 Hz, size 1000, hop 500); a steady 0 dB sound stops at 5.25 s:
    // frame 10, [5, 6) s, holds it for a quarter of its length (−6.02 dB), frame 11 not at all.
    const levels = Float32Array.from({ length: 12 }, (_, k) => {
      const covered = Math.min(1, Math.max(0, 5.25 - 0.5 * k));
      return covered > 0 ? 10 * Math.log10(covered) : Number.NEGATIVE_INFINITY;
    });
    const framing = { sampleRate: 1000, size: 1000, hop: 500 };
    const end = soundEnd(levels, framing, 0, 6, { silenceDb: -70, releaseDb: 30 });
    expect(end).toBeCloseTo(5.25, 6);
  });
});

describe('notes', () => {
  it('transcribes C4 E4 G4 C5 (0.4 s notes, 0.1 s gaps): MIDI 60 64 67 72, onsets and ends within 50 ms', async () => {
    const midis = [60, 64, 67, 72];
    const { audio, onsets } = melody(midis, 0.4, 0.1, 0.25);
    const { notes, frequency, pipeline } = await transcribe(audio);
    expect(notes.timeMode).toBe('segment');
    expect(notes.unit).toBe('MIDI');
    expect(Array.from(notes.value as Float32Array)).toEqual(midis);
    const times = Array.from(notes.time!);
    const durations = Array.from(notes.duration!);
    console.log(
      `notes C4 E4 G4 C5: onset errors ${times.map((t, i) => ((t - onsets[i]) * 1000).toFixed(1)).join(', ')} ms; ` +
        `durations ${durations.map((d) => (d * 1000).toFixed(0)).join(', ')} ms (true 400)`,
    );
    times.forEach((t, i) => {
      expect(Math.abs(t - onsets[i])).toBeLessThan(0.05);
      expect(Math.abs(t + durations[i] - (onsets[i] + 0.4))).toBeLessThan(0.05);
    });
    // The median f0 of each note is within 10 cents of the sine's frequency.
    Array.from(frequency.value as Float32Array).forEach((hz, i) => {
      expect(Math.abs(1200 * Math.log2(hz / midiHz(midis[i])))).toBeLessThan(10);
    });
    // It consumes the pitch and onsets analyzers, once each.
    const ids = (await pipeline.graph()).map((n) => n.processor.meta.id);
    expect(ids.filter((id) => id === 'pitch')).toHaveLength(1);
    expect(ids.filter((id) => id === 'onsets')).toHaveLength(1);
  });

  it("transcribes TimeSide's C4_scale (1 s notes, 0.2 s silences): C4 D4 E4 F4 G4 A4 B4 C5", async () => {
    const midis = [60, 62, 64, 65, 67, 69, 71, 72];
    const { audio, onsets } = melody(midis, 1, 0.2, 0);
    const { notes } = await transcribe(audio);
    expect(Array.from(notes.value as Float32Array)).toEqual(midis);
    Array.from(notes.time!).forEach((t, i) => {
      expect(Math.abs(t - onsets[i])).toBeLessThan(0.05);
    });
  });

  it('runs beside a pitch analyzer with other parameters: each keeps its own pitch.f0', async () => {
    const { audio } = melody([60, 64, 67, 72], 0.4, 0.1, 0.1);
    const results = await pipe(
      arrayDecoder(audio, SAMPLE_RATE),
      new Pitch({ method: 'mcleod' }),
      new Notes({ pitchMethod: 'yinfft' }),
    ).run();
    expect(Array.from(results.require('notes').value as ArrayLike<number>)).toEqual([60, 64, 67, 72]);
    expect(results.require('pitch.f0').processor.params.method).toBe('mcleod');
    expect(results.require('pitch.f0#2').processor.params.method).toBe('yinfft');
  });

  it("shares a default pitch analyzer's f0 track: one pitch node, the same notes", async () => {
    const { audio } = melody([60, 64, 67, 72], 0.4, 0.1, 0.1);
    const results = await pipe(arrayDecoder(audio, SAMPLE_RATE), new Pitch(), new Notes()).run();
    expect(Array.from(results.require('notes').value as ArrayLike<number>)).toEqual([60, 64, 67, 72]);
    expect(results.get('pitch.f0#2')).toBeUndefined();
    expect(results.require('pitch.f0').processor.params.method).toBe('yin');
  });

  it('finds no notes in silence', async () => {
    const { notes } = await transcribe(new Float32Array(SAMPLE_RATE));
    expect(notes.time).toHaveLength(0);
  });
});
