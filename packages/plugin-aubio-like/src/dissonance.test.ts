import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Dissonance } from './dissonance.js';

const SR = 44100;

function tones(freqs: readonly number[], seconds = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (const f of freqs)
    for (let i = 0; i < out.length; i++) out[i] += 0.3 * Math.sin((2 * Math.PI * f * i) / SR);
  return out;
}

/** Sethares' pair dissonance written from the book's formula (appendix E), for equal amplitudes. */
function reference(f1: number, f2: number): number {
  const s = 0.24 / (0.0207 * Math.min(f1, f2) + 18.96);
  const x = s * Math.abs(f2 - f1);
  return Math.exp(-3.5 * x) - Math.exp(-5.75 * x);
}

/** Mean of the frames wholly inside the signal. */
async function interiorMean(signal: Float32Array): Promise<number> {
  const results = await pipe(arrayDecoder(signal, SR), new Dissonance()).run();
  const values = results.require('dissonance').value as Float32Array;
  const whole = Math.floor((signal.length - 4096) / 1024) + 1;
  let sum = 0;
  for (let i = 1; i < whole; i++) sum += values[i];
  return sum / (whole - 1);
}

describe('dissonance', () => {
  const a4 = 880;
  const minorSecond = a4 * 2 ** (1 / 12);

  it('a minor second reads the model’s value for its two partials', async () => {
    const measured = await interiorMean(tones([a4, minorSecond]));
    expect(Math.abs(measured - reference(a4, minorSecond)) / reference(a4, minorSecond)).toBeLessThan(0.02);
  });

  it.each([
    { name: 'a single tone (unison)', freqs: [a4] },
    { name: 'an octave', freqs: [a4, 2 * a4] },
    { name: 'a fifth', freqs: [a4, 1.5 * a4] },
  ])('$name reads far lower than a minor second', async ({ freqs }) => {
    const second = await interiorMean(tones([a4, minorSecond]));
    const consonant = await interiorMean(tones(freqs));
    expect(consonant).toBeLessThan(0.05 * second);
  });
});
