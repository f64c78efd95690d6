import { arrayDecoder, pipe, RealFft, windowFunction } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import {
  complexDomainOdf,
  energyOdf,
  hfcOdf,
  klOdf,
  mklOdf,
  ODF_METHODS,
  OnsetFunction,
  onsetTimeOffset,
  phaseOdf,
  phases,
  princarg,
  specdiffOdf,
  specfluxOdf,
} from './dsp/onset.js';
import { OnsetDetectionFunction } from './onset_detection_function.js';
import { clickTrack } from './test/click-tracks.js';

const SAMPLE_RATE = 44100;

/** Spectrum of `frame` windowed by `window`: interleaved complex bins and their magnitudes. */
function spectrum(frame: Float32Array, window: Float32Array) {
  const size = frame.length;
  const fft = new RealFft(size);
  const complex = new Float32Array(size + 2);
  fft.forward(
    Float32Array.from(frame, (x, i) => x * window[i]),
    complex,
  );
  const magnitude = new Float32Array(size / 2 + 1);
  for (let k = 0; k < magnitude.length; k++) magnitude[k] = Math.hypot(complex[2 * k], complex[2 * k + 1]);
  return { complex, magnitude };
}

describe('ODF kernels', () => {
  const size = 1024;
  const bins = size / 2 + 1;
  const rectangular = new Float32Array(size).fill(1);

  it('energy obeys Parseval: 2·Σ|X_k|² − |X_0|² − |X_N/2|² = N·Σx²', () => {
    const frame = clickTrack([0.001], size / SAMPLE_RATE, { seed: 3 });
    const { magnitude } = spectrum(frame, rectangular);
    let timeEnergy = 0;
    for (const x of frame) timeEnergy += x * x;
    const full = 2 * energyOdf(magnitude) - magnitude[0] ** 2 - magnitude[bins - 1] ** 2;
    expect(full / (size * timeEnergy)).toBeCloseTo(1, 5);
  });

  it('hfc of a unit impulse (flat unit spectrum) is Σ(k+1) = B(B+1)/2', () => {
    const frame = new Float32Array(size);
    frame[100] = 1;
    const { magnitude } = spectrum(frame, rectangular);
    expect(hfcOdf(magnitude)).toBeCloseTo((bins * (bins + 1)) / 2, 1);
  });

  it('difference methods: a frame after silence scores its own content, an identical frame scores 0', () => {
    const magnitude = new Float32Array(bins).fill(2);
    const silence = new Float32Array(bins);
    expect(specfluxOdf(magnitude, silence)).toBeCloseTo(2 * bins, 3);
    expect(specdiffOdf(magnitude, silence)).toBeCloseTo(4 * bins, 3);
    expect(specfluxOdf(magnitude, magnitude)).toBe(0);
    expect(specdiffOdf(magnitude, magnitude)).toBe(0);
    // Decays are rectified away.
    expect(specfluxOdf(silence, magnitude)).toBe(0);
    // KL: log(1 + |X|/(|X| + ε)) → ln 2 per bin for steady bins well above ε.
    expect(mklOdf(magnitude, magnitude) / bins).toBeCloseTo(Math.LN2, 3);
    expect(klOdf(magnitude, magnitude) / (2 * bins)).toBeCloseTo(Math.LN2, 3);
  });

  it('specflux equals the rectified sum Σ max(|X_k(n)| − |X_k(n−1)|, 0), bin by bin, odd and even sizes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (const size of [1, 2, 513, 1025]) {
      const magnitude = Float32Array.from({ length: size }, random);
      const previous = Float32Array.from({ length: size }, random);
      let expected = 0;
      for (let k = 0; k < size; k++) expected += magnitude[k] > previous[k] ? magnitude[k] - previous[k] : 0;
      expect(specfluxOdf(magnitude, previous)).toBeCloseTo(expected, 9);
      // Only bin 0 grows: the flux is that one rise.
      const one = previous.slice();
      one[0] += 0.25;
      expect(specfluxOdf(one, previous)).toBeCloseTo(0.25, 6);
    }
  });

  it('princarg wraps to [−π, π]', () => {
    expect(princarg(2.75 * Math.PI)).toBeCloseTo(0.75 * Math.PI, 12);
    expect(Math.abs(princarg(3 * Math.PI))).toBeCloseTo(Math.PI, 12);
    expect(princarg(-2.5 * Math.PI)).toBeCloseTo(-0.5 * Math.PI, 12);
    expect(princarg(0.25)).toBe(0.25);
  });

  /**
   * Spectra of three consecutive frames (oldest first, hop = size/4) of a Hann-windowed sine at
   * `bin` (fractional: between bins), the newest frame's sine shifted in phase by `jump` radians.
   */
  function threeFrames(bin: number, jump: number) {
    const hop = size / 4;
    const window = windowFunction('hann', size);
    const sine = (n: number, shift: number) => Math.sin((2 * Math.PI * bin * n) / size + 0.3 + shift);
    const frames = [0, 1, 2].map((i) =>
      spectrum(
        Float32Array.from({ length: size }, (_, n) => sine(i * hop + n, i === 2 ? jump : 0)),
        window,
      ),
    );
    const [phase2, phase1, phase] = frames.map((f) => {
      const out = new Float32Array(bins);
      phases(f.complex, out);
      return out;
    });
    const magnitude = frames[2].magnitude;
    let total = 0;
    for (const m of magnitude) total += m;
    return { magnitude, previous: frames[1].magnitude, phase, phase1, phase2, total };
  }

  // Off-bin tones: the phase advances 2π·bin/4 per hop, not a multiple of 2π (on a bin it would
  // be), so a first phase difference instead of the second would not score 0 here. A method that
  // ignored phase would: the jump below catches that.
  it.each([40.37, 101.5, 7.81])(
    'phase and complex domain are 0 for a stationary sine at bin %s: its phase advances linearly',
    (bin) => {
      const f = threeFrames(bin, 0);
      expect(phaseOdf(f.magnitude, f.phase, f.phase1, f.phase2) / (f.total / bins)).toBeLessThan(1e-3);
      expect(complexDomainOdf(f.magnitude, f.phase, f.previous, f.phase1, f.phase2) / f.total).toBeLessThan(
        1e-3,
      );
    },
  );

  // A phase jump Δ of a steady sine (same magnitudes, no energy change: energy-based methods see
  // nothing) is what these two methods exist to catch. Every bin's second phase difference is ±Δ,
  // so the weighted phase deviation is |Δ|·mean|X|, and the complex-domain distance of each bin
  // from its prediction is the chord 2·|X|·sin(|Δ|/2).
  it.each([
    { name: 'π/2', jump: Math.PI / 2 },
    { name: '1', jump: 1 },
    { name: '2.5', jump: 2.5 },
  ])('a phase jump of $name rad scores |Δ|·mean|X| (phase), 2 sin(|Δ|/2)·Σ|X| (complex)', ({ jump }) => {
    const f = threeFrames(40.37, jump);
    expect(phaseOdf(f.magnitude, f.phase, f.phase1, f.phase2) / (f.total / bins) / jump).toBeCloseTo(1, 2);
    expect(
      complexDomainOdf(f.magnitude, f.phase, f.previous, f.phase1, f.phase2) /
        (2 * Math.sin(jump / 2) * f.total),
    ).toBeCloseTo(1, 2);
  });
});

describe('onset_detection_function', () => {
  it.each(ODF_METHODS)(
    '%s peaks on a frame holding a known click, within one hop of its calibrated time',
    async (method) => {
      const clickS = 1.0;
      const audio = clickTrack([clickS], 2, { seed: 5 });
      const hopSize = 512;
      const fftSize = 1024;
      const results = await pipe(
        arrayDecoder(audio, SAMPLE_RATE),
        new OnsetDetectionFunction({ method }),
      ).run();
      const odf = results.require('onset_detection_function');
      expect(odf.timeMode).toBe('framewise');
      expect(odf.frame).toEqual({ sampleRate: SAMPLE_RATE, size: fftSize, hop: hopSize });
      const values = odf.value as Float32Array;
      expect(values.length).toBe(Math.ceil(audio.length / hopSize));
      let peak = 0;
      for (let i = 1; i < values.length; i++) if (values[i] > values[peak]) peak = i;
      const clickSample = clickS * SAMPLE_RATE;
      // Frame `peak` covers [peak·hop, peak·hop + fftSize): the click lies inside it.
      expect(peak * hopSize).toBeLessThanOrEqual(clickSample);
      expect(peak * hopSize + fftSize).toBeGreaterThan(clickSample);
      expect(
        Math.abs(peak * hopSize + onsetTimeOffset(method, fftSize, hopSize) - clickSample),
      ).toBeLessThanOrEqual(hopSize);
    },
  );

  it('energy and hfc peak with the impulse under the window centre: their offset is fftSize/2', () => {
    for (const fftSize of [1024, 2048]) {
      expect(onsetTimeOffset('energy', fftSize, 256)).toBeCloseTo(fftSize / 2, 0);
      expect(onsetTimeOffset('hfc', fftSize, 256)).toBeCloseTo(fftSize / 2, 0);
    }
  });

  it('keeps its state across blocks: the same ODF whatever the block size', async () => {
    const audio = clickTrack([0.3, 0.71, 1.2], 1.5, { seed: 9 });
    const run = async (blockSize: number) =>
      (
        await pipe(
          arrayDecoder(audio, SAMPLE_RATE, { blockSize }),
          new OnsetDetectionFunction({ method: 'complex' }),
        ).run()
      ).require('onset_detection_function').value as Float32Array;
    const whole = await run(audio.length);
    const small = await run(700);
    expect(Array.from(small)).toEqual(Array.from(whole));
  });

  it('keeps the past frames per instance', () => {
    const a = new OnsetFunction('specflux', 4);
    const b = new OnsetFunction('specflux', 4);
    const ones = new Float32Array(4).fill(1);
    expect(a.next(ones, new Float32Array(10))).toBe(4);
    expect(a.next(ones, new Float32Array(10))).toBe(0);
    expect(b.next(ones, new Float32Array(10))).toBe(4);
  });
});
