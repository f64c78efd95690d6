import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { DcOffset } from './dc_offset.js';

const SR = 44100;

function sine(freqHz: number, frames: number, amplitude: number, offset = 0): Float32Array {
  return Float32Array.from(
    { length: frames },
    (_, n) => offset + amplitude * Math.sin((2 * Math.PI * freqHz * n) / SR),
  );
}

describe('dc_offset', () => {
  it('a DC-shifted sine reads its shift, per channel and overall', async () => {
    // 441 Hz over 1 s: 441 whole periods, so the sine itself contributes no mean.
    const left = sine(441, SR, 0.5, 0.125);
    const right = sine(882, SR, 0.3, -0.05);
    const results = await pipe(arrayDecoder([left, right], SR, { blockSize: 1000 }), new DcOffset()).run();
    const perChannel = results.get('dc_offset.channels')?.value as Float64Array;
    expect(perChannel[0]).toBeCloseTo(0.125, 6);
    expect(perChannel[1]).toBeCloseTo(-0.05, 6);
    expect(results.get('dc_offset')?.value).toBeCloseTo((0.125 - 0.05) / 2, 6);
  });
});
