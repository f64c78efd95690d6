import { describe, expect, it } from 'vitest';
import {
  type AudioBlock,
  arrayDecoder,
  type FinishContext,
  type NodeSpec,
  pipe,
  Processor,
  type ProcessorMeta,
  type SpectrumBatch,
  Stft,
} from '../src/index.js';

function sine(freqHz: number, seconds: number, sampleRate = 44100): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = Math.sin((2 * Math.PI * freqHz * i) / sampleRate);
  return out;
}

/** A spectral consumer: records the peak bin of every frame under `resultId`. */
function peakBinAnalyzer(id: string) {
  return class extends Processor {
    static override readonly meta: ProcessorMeta = {
      id,
      kind: 'analyzer',
      name: id,
      version: '1.0.0',
      description: 'test consumer of the shared STFT',
      params: {},
      requires: (): NodeSpec[] => [{ processor: Stft, params: { fftSize: 2048, hopSize: 512 } }],
    };
    peaks: number[] = [];
    override process(_block: AudioBlock, inputs: readonly unknown[]): void {
      const spec = inputs[0] as SpectrumBatch;
      for (let f = 0; f < spec.count; f++) {
        const mag = spec.magnitude[f];
        let best = 0;
        for (let k = 1; k < mag.length; k++) if (mag[k] > mag[best]) best = k;
        this.peaks.push(best * spec.binHz);
      }
    }
    override finish(ctx: FinishContext): void {
      ctx.addResult({ id, name: id, unit: 'Hz', timeMode: 'framewise', value: Float32Array.from(this.peaks) });
    }
  };
}

describe('pipeline DAG', () => {
  it('computes one FFT per frame for two spectral consumers of the same STFT', async () => {
    const A = peakBinAnalyzer('peak_a');
    const B = peakBinAnalyzer('peak_b');
    const seconds = 2;
    const signal = sine(1000, seconds);
    const before = Stft.transforms;
    const pipeline = pipe(arrayDecoder(signal, 44100, { blockSize: 4096 }), new A(), new B());
    const results = await pipeline.run();
    const expectedFrames = Math.ceil(signal.length / 512);
    expect(Stft.transforms - before).toBe(expectedFrames);
    const stftNodes = (await pipeline.graph()).filter((n) => n.processor.meta.id === 'stft');
    expect(stftNodes).toHaveLength(1);
    const a = results.require('peak_a').value as Float32Array;
    expect(a.length).toBe(expectedFrames);
    // 1000 Hz lies in bin round(1000 / 21.53) = 46 → 990.5 Hz: within one bin.
    expect(Math.abs(a[10] - 1000)).toBeLessThan(44100 / 2048);
  });
});
