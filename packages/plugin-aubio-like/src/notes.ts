import {
  type FinishContext,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { segmentNotes } from './dsp/notes.js';
import { type Onsets, onsetParams, onsetsSpec } from './onsets.js';
import { PITCH_METHODS, Pitch } from './pitch.js';

/** A note needs at least half of its pitch frames voiced. */
const MIN_VOICED_FRACTION = 0.5;

const params = {
  ...onsetParams({
    method: 'Onset detection function of the onsets that open notes (see onsets)',
    fftSize: 'FFT and frame size of the onset analysis in samples',
    hopSize: 'Step between frames in samples (onset and pitch analyses)',
    window: 'Window of the onset analysis',
    threshold: 'Onset peak-picking threshold (see onsets)',
    silence: 'Frames quieter than this (mean power, dBFS) carry no onset and end a note',
    minioi: 'Minimum inter-onset interval',
  }),
  pitchMethod: {
    type: 'string',
    default: 'yin',
    enum: PITCH_METHODS,
    description:
      "Pitch method of the required pitch analyzer (see pitch); the default is pitch's own, so that a pass " +
      'running both pitch and notes tracks f0 once',
  },
  pitchFrameSize: {
    type: 'integer',
    default: 2048,
    enum: [512, 1024, 2048, 4096, 8192],
    description: 'Frame size of the pitch analysis in samples',
  },
  releaseDb: {
    type: 'number',
    default: 30,
    exclusiveMinimum: 0,
    unit: 'dB',
    description: "A note ends where its power falls this far below the note's median power",
  },
  minDuration: {
    type: 'number',
    default: 0.03,
    minimum: 0,
    unit: 's',
    description: 'Shorter notes are dropped',
  },
} as const;

/** Parameters of `notes`. */
export type NotesParams = ParamsOf<typeof params>;

const RESULTS = [
  { id: 'notes', name: 'Notes', unit: 'MIDI', description: 'Nearest MIDI note number of each note' },
  { id: 'notes.frequency', name: 'Note frequency', unit: 'Hz', description: 'Median f0 of each note' },
] as const satisfies readonly ResultSpec[];

function pitchSpec(p: Params): NodeSpec {
  return {
    processor: Pitch,
    params: { method: p.pitchMethod, frameSize: p.pitchFrameSize, hopSize: p.hopSize },
  };
}

/**
 * `notes`: note events with onset, duration and MIDI pitch, as aubio's `notes` (aubionotes):
 * each onset from `onsets` opens a note, the note lasts until the next onset or until its sound
 * falls silent, and its pitch is the median of the `pitch` analyzer's f0 over the note.
 */
export class Notes extends Processor<NotesParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'notes',
    kind: 'analyzer',
    name: 'Notes',
    version: '1.1.0',
    description:
      'Note events (segments): each onset (see onsets) opens a note that lasts until the next onset or ' +
      'until its power falls below the silence floor or releaseDb under its median power; its pitch is ' +
      'the median f0 (see pitch) of the voiced pitch frames lying inside the note, reported as the ' +
      'nearest MIDI note number (notes) and in Hz (notes.frequency). Notes shorter than minDuration or ' +
      'less than half voiced are dropped. Tested: a C4 E4 G4 C5 melody (0.4 s notes, 0.1 s gaps) gives ' +
      'MIDI 60, 64, 67, 72 with onsets within 50 ms and durations within 50 ms.',
    params,
    results: RESULTS,
    requires: (p: Params): NodeSpec[] => [onsetsSpec(p), pitchSpec(p)],
  };

  #onsets!: Onsets;
  #sampleRate = 0;

  override setup(format: StreamFormat, ctx: SetupContext): void {
    this.#onsets = ctx.inputs[0] as Onsets;
    this.#sampleRate = format.sampleRate;
  }

  override finish(ctx: FinishContext): void {
    const { hopSize, fftSize, pitchFrameSize, silence, releaseDb, minDuration } = this.params;
    const sampleRate = this.#sampleRate;
    // The required pitch node's own result: another pitch analyzer in the run may share the id.
    const f0 = ctx.inputResults[1].require('pitch.f0');
    const notes = segmentNotes(
      this.#onsets.times(),
      f0.value as Float32Array,
      { sampleRate, size: pitchFrameSize, hop: hopSize },
      this.#onsets.levels(),
      { sampleRate, size: fftSize, hop: hopSize },
      ctx.audio.duration > 0 ? ctx.audio.duration : (this.#onsets.levels().length * hopSize) / sampleRate,
      { silenceDb: silence, releaseDb, minDuration, minVoicedFraction: MIN_VOICED_FRACTION },
    );
    const rounded = Float32Array.from(notes.midi, Math.round);
    const segments = () =>
      ({ timeMode: 'segment', time: notes.time.slice(), duration: notes.duration.slice() }) as const;
    const [midiSpec, frequencySpec] = RESULTS;
    ctx.addResult({ ...midiSpec, ...segments(), value: rounded });
    ctx.addResult({ ...frequencySpec, ...segments(), value: notes.frequency });
  }
}
