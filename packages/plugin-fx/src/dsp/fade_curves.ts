/** Fade shapes: the gain at progress t ∈ [0, 1] of a fade-in (a fade-out runs it backwards). */
export const FADE_SHAPES = ['linear', 'qsin', 'hsin', 'exponential'] as const;

/** A fade shape. */
export type FadeShape = (typeof FADE_SHAPES)[number];

/** Floor of the exponential shape: it rises linearly in dB from −60 dB. */
const EXPONENTIAL_FLOOR_DB = -60;

/**
 * Gain of `shape` at progress t (0: start of a fade-in, 1: its end): linear t; quarter sine
 * sin(πt/2) (constant power against its mirror); half sine (1 − cos πt)/2 (an S curve); exponential
 * 10^(−60·(1 − t)/20), linear in dB from −60 dB (0 at t = 0 exactly).
 */
export function fadeGain(shape: FadeShape, t: number): number {
  switch (shape) {
    case 'linear':
      return t;
    case 'qsin':
      return Math.sin((Math.PI * t) / 2);
    case 'hsin':
      return (1 - Math.cos(Math.PI * t)) / 2;
    case 'exponential':
      return t <= 0 ? 0 : 10 ** ((EXPONENTIAL_FLOOR_DB * (1 - t)) / 20);
  }
}
