/**
 * @timeside/plugin-aubio-like — the analysis family of TimeSide-TS (the original wrapped aubio,
 * Yaafe and VAMP). Discovered through the `timeside-plugin` manifest in package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
// processor imports (one line each, sorted)
import { Chroma } from './chroma.js';
import { ConstantQ } from './constant_q.js';
import { CrestFactor } from './crest_factor.js';
import { DcOffset } from './dc_offset.js';
import { Dissonance } from './dissonance.js';
import { Key } from './key.js';
import { Level } from './level.js';
import { LoudnessEbur128 } from './loudness_ebur128.js';
import { MelEnergy } from './mel_energy.js';
import { Mfcc } from './mfcc.js';
import { Notes } from './notes.js';
import { OnsetDetectionFunction } from './onset_detection_function.js';
import { Onsets } from './onsets.js';
import { Pitch } from './pitch.js';
import { Silence } from './silence.js';
import { SpectralContrast } from './spectral_contrast.js';
import { SpectralDescriptors } from './spectral_descriptors.js';
import { Spectrogram } from './spectrogram.js';
import { Tempo } from './tempo.js';
import { Tuning } from './tuning.js';
import { WaveformPeaks } from './waveform_peaks.js';
import { ZeroCrossingRate } from './zero_crossing_rate.js';

/** Every analyzer of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [
  // processor classes (one line each, sorted)
  Chroma,
  ConstantQ,
  CrestFactor,
  DcOffset,
  Dissonance,
  Key,
  Level,
  LoudnessEbur128,
  MelEnergy,
  Mfcc,
  Notes,
  OnsetDetectionFunction,
  Onsets,
  Pitch,
  Silence,
  SpectralContrast,
  SpectralDescriptors,
  Spectrogram,
  Tempo,
  Tuning,
  WaveformPeaks,
  ZeroCrossingRate,
];

export default definePlugin({ name: '@timeside/plugin-aubio-like', processors });
