/** A frequency axis: linear, logarithmic or mel, mapping [minHz, maxHz] onto [0, 1] (0 at the bottom). */
export interface FrequencyScale {
  kind: 'linear' | 'log' | 'mel';
  minHz: number;
  maxHz: number;
  /** Position of `freqHz` on the axis: 0 at minHz, 1 at maxHz (outside [0, 1] beyond them). */
  toUnit(freqHz: number): number;
  /** The frequency at position `unit`. */
  fromUnit(unit: number): number;
}

/** Mel of a frequency, HTK's formula: 2595·log10(1 + f/700) (1000 Hz ↦ 1000 mel). */
export function hzToMel(freqHz: number): number {
  return 2595 * Math.log10(1 + freqHz / 700);
}

/** Frequency of a mel value (inverse of `hzToMel`). */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** The scale of a spectrogram axis. `minHz` must be > 0 for 'log'. */
export function frequencyScale(kind: FrequencyScale['kind'], minHz: number, maxHz: number): FrequencyScale {
  if (kind === 'log') {
    const span = Math.log(maxHz / minHz);
    return {
      kind,
      minHz,
      maxHz,
      toUnit: (f) => Math.log(f / minHz) / span,
      fromUnit: (u) => minHz * Math.exp(u * span),
    };
  }
  if (kind === 'mel') {
    const low = hzToMel(minHz);
    const span = hzToMel(maxHz) - low;
    return {
      kind,
      minHz,
      maxHz,
      toUnit: (f) => (hzToMel(f) - low) / span,
      fromUnit: (u) => melToHz(low + u * span),
    };
  }
  const span = maxHz - minHz;
  return { kind, minHz, maxHz, toUnit: (f) => (f - minHz) / span, fromUnit: (u) => minHz + u * span };
}
