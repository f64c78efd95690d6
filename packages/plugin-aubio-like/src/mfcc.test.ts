import { arrayDecoder, pipe, resultRows } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { melEnergies, melFilterbank } from './dsp/mel.js';
import { MelEnergy } from './mel_energy.js';
import { Mfcc } from './mfcc.js';

// The reference below is computed from the definitions, without the production kernels: a direct
// O(N²) DFT of the Hann-windowed frame, a mel matrix built from the scale formulas, ln, and the
// DCT-II sum with orthonormal scaling.

const SAMPLE_RATE = 22050;
const FFT_SIZE = 1024;
const HOP = 256;

/** A test signal with energy in every band: three tones, a chirp and seeded noise. */
function richSignal(seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let seed = 42;
  for (let i = 0; i < out.length; i++) {
    const t = i / SAMPLE_RATE;
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const noise = (seed / 4294967296 - 0.5) * 0.05;
    out[i] =
      0.3 * Math.sin(2 * Math.PI * 220 * t) +
      0.2 * Math.sin(2 * Math.PI * 1870 * t) +
      0.1 * Math.sin(2 * Math.PI * 6300 * t) +
      0.1 * Math.sin(2 * Math.PI * (300 * t + 2000 * t * t)) +
      noise;
  }
  return out;
}

/** |X(k)|² of frame `index` (zero-padded past the end), by the DFT sum, k = 0..N/2. */
function referencePower(signal: Float32Array, index: number): Float64Array {
  const n = FFT_SIZE;
  const frame = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = index * HOP + i;
    // Periodic Hann window: 0.5 − 0.5·cos(2πi/N).
    frame[i] = (s < signal.length ? signal[s] : 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  }
  const cos = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * i) / n));
  const sin = Float64Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * i) / n));
  const power = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const w = (k * i) % n;
      re += frame[i] * cos[w];
      im -= frame[i] * sin[w];
    }
    power[k] = re * re + im * im;
  }
  return power;
}

type Scale = 'slaney' | 'htk';

/** Slaney (Auditory Toolbox): 3 mels per 200 Hz below 1 kHz, then 27 mels per factor 6.4. */
const toMel = (hz: number, scale: Scale) =>
  scale === 'htk'
    ? 2595 * Math.log10(1 + hz / 700)
    : hz < 1000
      ? (3 * hz) / 200
      : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4);
const fromMel = (mel: number, scale: Scale) =>
  scale === 'htk'
    ? 700 * (10 ** (mel / 2595) - 1)
    : mel < 15
      ? (200 * mel) / 3
      : 1000 * 6.4 ** ((mel - 15) / 27);

/** nMels × bins triangle weights: Hz triangles on mel-spaced edges; Slaney's scaled to unit area. */
function referenceMelMatrix(nMels: number, fmin: number, fmax: number, scale: Scale): number[][] {
  const edges: number[] = [];
  for (let i = 0; i < nMels + 2; i++) {
    edges.push(
      fromMel(toMel(fmin, scale) + ((toMel(fmax, scale) - toMel(fmin, scale)) * i) / (nMels + 1), scale),
    );
  }
  const rows: number[][] = [];
  for (let m = 0; m < nMels; m++) {
    const [lo, mid, hi] = [edges[m], edges[m + 1], edges[m + 2]];
    const row: number[] = [];
    for (let k = 0; k <= FFT_SIZE / 2; k++) {
      const f = (k * SAMPLE_RATE) / FFT_SIZE;
      let w = 0;
      if (f > lo && f <= mid) w = (f - lo) / (mid - lo);
      else if (f > mid && f < hi) w = (hi - f) / (hi - mid);
      row.push(scale === 'slaney' ? (w * 2) / (hi - lo) : w);
    }
    rows.push(row);
  }
  return rows;
}

function referenceMfcc(melEnergies: number[], nCoeffs: number, floor: number): number[] {
  const size = melEnergies.length;
  const logs = melEnergies.map((e) => Math.log(Math.max(e, floor)));
  const out: number[] = [];
  for (let n = 0; n < nCoeffs; n++) {
    let sum = 0;
    for (let m = 0; m < size; m++) sum += logs[m] * Math.cos((Math.PI * n * (2 * m + 1)) / (2 * size));
    out.push(sum * (n === 0 ? Math.sqrt(1 / size) : Math.sqrt(2 / size)));
  }
  return out;
}

describe('mfcc and mel_energy', () => {
  const signal = richSignal(0.5);
  const frames = [0, 7, 20, 33, Math.ceil(signal.length / HOP) - 1];

  const cases: {
    name: string;
    params: Record<string, unknown>;
    nMels: number;
    fmin: number;
    fmax: number;
    scale: Scale;
    nCoeffs: number;
  }[] = [
    {
      name: 'defaults (Slaney, 40 bands, 13 coefficients)',
      params: {},
      nMels: 40,
      fmin: 0,
      fmax: SAMPLE_RATE / 2,
      scale: 'slaney',
      nCoeffs: 13,
    },
    {
      name: 'HTK, 26 bands 100–8000 Hz, 20 coefficients',
      params: { melScale: 'htk', nMels: 26, fmin: 100, fmax: 8000, nCoeffs: 20 },
      nMels: 26,
      fmin: 100,
      fmax: 8000,
      scale: 'htk',
      nCoeffs: 20,
    },
  ];

  for (const c of cases) {
    it(`matches a direct DFT + formula mel matrix + DCT-II sum to 1e-3: ${c.name}`, async () => {
      const results = await pipe(
        arrayDecoder(signal, SAMPLE_RATE, { blockSize: 5000 }),
        new Mfcc({ fftSize: FFT_SIZE, hopSize: HOP, ...c.params }),
      ).run();
      const mfcc = results.require('mfcc');
      const mel = results.require('mel_energy');
      const mfccRows = resultRows(mfcc.value);
      const melRows = resultRows(mel.value);
      expect(mfccRows.length).toBe(Math.ceil(signal.length / HOP));
      expect(mfcc.frame).toEqual({ sampleRate: SAMPLE_RATE, size: FFT_SIZE, hop: HOP });
      expect(mfccRows[0].length).toBe(c.nCoeffs);
      expect(melRows[0].length).toBe(c.nMels);

      const matrix = referenceMelMatrix(c.nMels, c.fmin, c.fmax, c.scale);
      let worstMfcc = 0;
      let worstMel = 0;
      for (const f of frames) {
        const power = referencePower(signal, f);
        const energies = matrix.map((row) => row.reduce((s, w, k) => s + w * power[k], 0));
        for (let m = 0; m < c.nMels; m++) {
          const relative = Math.abs(melRows[f][m] - energies[m]) / energies[m];
          worstMel = Math.max(worstMel, relative);
          expect(relative, `frame ${f} band ${m}`).toBeLessThan(1e-4);
        }
        const expected = referenceMfcc(energies, c.nCoeffs, 1e-10);
        for (let n = 0; n < c.nCoeffs; n++) {
          const error = Math.abs(mfccRows[f][n] - expected[n]);
          worstMfcc = Math.max(worstMfcc, error);
          expect(error, `frame ${f} coefficient ${n}`).toBeLessThan(1e-3);
        }
      }
      console.log(
        `${c.name}: worst MFCC error ${worstMfcc.toExponential(2)}, mel ${worstMel.toExponential(2)} (relative)`,
      );
    });
  }

  it('gives the log floor to silence: c0 = √nMels·ln(floor), the rest 0', async () => {
    const silence = new Float32Array(4096);
    const results = await pipe(arrayDecoder(silence, SAMPLE_RATE), new Mfcc({ logFloor: 1e-6 })).run();
    for (const row of resultRows(results.require('mfcc').value)) {
      expect(row[0]).toBeCloseTo(Math.sqrt(40) * Math.log(1e-6), 4);
      for (let n = 1; n < row.length; n++) expect(Math.abs(row[n])).toBeLessThan(1e-4);
    }
  });

  it('shares one mel_energy node between mfcc and mel_energy with the same parameters', async () => {
    const pipeline = pipe(
      arrayDecoder(signal, SAMPLE_RATE),
      new MelEnergy({ nMels: 30 }),
      new Mfcc({ nMels: 30 }),
    );
    const results = await pipeline.run();
    expect((await pipeline.graph()).filter((n) => n.processor.meta.id === 'mel_energy')).toHaveLength(1);
    expect(results.has('mel_energy') && results.has('mfcc')).toBe(true);
  });

  it('rejects bands narrower than the FFT bins (an empty triangle would read 0 in every frame)', async () => {
    // 256 Slaney bands up to 11025 Hz are ≈ 15 Hz apart below 1 kHz; at fftSize 256 a bin is 86 Hz.
    const run = pipe(arrayDecoder(signal, SAMPLE_RATE), new MelEnergy({ nMels: 256, fftSize: 256 })).run();
    await expect(run).rejects.toMatchObject({ code: 'E_PARAM', processor: 'mel_energy', param: 'nMels' });
    // The same bands on 2048-point frames (10.8 Hz bins) each hold at least one bin: every band
    // of a signal with energy everywhere reads more than 0.
    const results = await pipe(
      arrayDecoder(signal, SAMPLE_RATE),
      new MelEnergy({ nMels: 256, fftSize: 2048 }),
    ).run();
    const rows = resultRows(results.require('mel_energy').value);
    for (let m = 0; m < 256; m++) expect(rows[5][m], `band ${m}`).toBeGreaterThan(0);
  });

  it('rejects more coefficients than bands, and fmax above Nyquist, naming the parameter', async () => {
    await expect(
      pipe(arrayDecoder(signal, SAMPLE_RATE), new Mfcc({ nMels: 10, nCoeffs: 13 })).run(),
    ).rejects.toMatchObject({
      code: 'E_PARAM',
      param: 'nCoeffs',
    });
    await expect(
      pipe(arrayDecoder(signal, SAMPLE_RATE), new MelEnergy({ fmax: 20000 })).run(),
    ).rejects.toMatchObject({
      code: 'E_PARAM',
      param: 'fmax',
    });
  });
});

describe('melEnergies', () => {
  it('equals each band Σ w_mk·|X_k|² summed weight by weight (bands of odd and even widths)', () => {
    for (const [fftSize, nMels] of [
      [2048, 40],
      [512, 26],
      [1024, 128],
    ]) {
      const bank = melFilterbank({
        sampleRate: 44100,
        fftSize,
        nMels,
        fmin: 0,
        fmax: 22050,
        scale: 'slaney',
      });
      const magnitudes = Float32Array.from(
        { length: fftSize / 2 + 1 },
        (_, k) => 1 + Math.sin(0.37 * k) ** 2,
      );
      const out = new Float32Array(nMels);
      melEnergies(bank, magnitudes, out);
      const widths = new Set<number>();
      for (let m = 0; m < nMels; m++) {
        let expected = 0;
        for (let k = bank.start[m]; k < bank.end[m]; k++) {
          expected += bank.weights[bank.offset[m] + k - bank.start[m]] * magnitudes[k] ** 2;
        }
        widths.add((bank.end[m] - bank.start[m]) % 2);
        expect(out[m]).toBeCloseTo(expected, 5);
        expect(out[m]).toBeGreaterThan(0);
      }
      expect(widths.size, 'both odd and even band widths are covered').toBe(2);
    }
  });
});
