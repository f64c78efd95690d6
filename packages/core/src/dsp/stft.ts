import type { Params } from '../processor/params.js';
import { type AudioBlock, Processor, type ProcessorMeta } from '../processor/processor.js';
import { RealFft } from './fft.js';
import type { FrameBatch } from './frames.js';
import { Frames } from './frames.js';
import { SpectrumKernels } from './simd-kernels.js';
import { WINDOW_NAMES, type WindowName, windowFunction } from './window.js';

/**
 * The spectra of one block's frames, valid during this `process` call only. For frame
 * `first + i`: `complex[i]` holds bins 0..fftSize/2 as interleaved (re, im), unscaled;
 * `magnitude[i]` their absolute values; `frames[i]` the (unwindowed) time-domain frame.
 */
export interface SpectrumBatch {
  count: number;
  first: number;
  fftSize: number;
  hopSize: number;
  /** Number of bins: fftSize/2 + 1. */
  bins: number;
  /** Hz per bin: sampleRate / fftSize. */
  binHz: number;
  window: WindowName;
  complex: Float32Array[];
  magnitude: Float32Array[];
  frames: Float32Array[];
}

export interface StftParams {
  fftSize: number;
  hopSize: number;
  window: WindowName;
}

/**
 * Adapter: the short-time Fourier transform of the mono downmix. One FFT per frame, shared by
 * every spectral consumer in the pipeline (nodes are merged by id and parameters).
 */
export class Stft extends Processor<StftParams> {
  /** FFTs computed by every Stft node of this process, for tests and profiling. */
  static transforms = 0;

  static override readonly meta: ProcessorMeta = {
    id: 'stft',
    kind: 'adapter',
    name: 'Short-time Fourier transform',
    version: '1.0.0',
    description: 'Windowed FFT of overlapping mono frames (magnitude and complex spectrum).',
    params: {
      fftSize: {
        type: 'integer',
        default: 2048,
        enum: [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768],
        description: 'FFT and frame size in samples (a power of two)',
      },
      hopSize: { type: 'integer', default: 512, minimum: 1, description: 'Step between frames in samples' },
      window: { type: 'string', default: 'hann', enum: WINDOW_NAMES, description: 'Window function' },
    },
    requires: (p: Params) => [{ processor: Frames, params: { frameSize: p.fftSize, hopSize: p.hopSize } }],
  };

  #fft!: RealFft;
  #kernels!: SpectrumKernels;
  #complex: Float32Array[] = [];
  #magnitude: Float32Array[] = [];
  readonly #batch = {} as SpectrumBatch;

  override setup(format: { sampleRate: number }): void {
    const { fftSize, hopSize, window } = this.params;
    this.#fft = new RealFft(fftSize);
    this.#kernels = new SpectrumKernels(windowFunction(window, fftSize));
    Object.assign(this.#batch, {
      count: 0,
      first: 0,
      fftSize,
      hopSize,
      bins: fftSize / 2 + 1,
      binHz: format.sampleRate / fftSize,
      window,
      complex: this.#complex,
      magnitude: this.#magnitude,
      frames: [],
    });
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): SpectrumBatch {
    const frames = inputs[0] as FrameBatch;
    const size = this.params.fftSize;
    const bins = size / 2 + 1;
    const kernels = this.#kernels;
    const fft = this.#fft;
    while (this.#complex.length < frames.count) {
      this.#complex.push(new Float32Array(size + 2));
      this.#magnitude.push(new Float32Array(bins));
    }
    for (let f = 0; f < frames.count; f++) {
      const spec = this.#complex[f];
      fft.forward(kernels.windowed(frames.frames[f]), spec);
      Stft.transforms++;
      kernels.magnitudes(spec, this.#magnitude[f]);
    }
    const batch = this.#batch;
    batch.count = frames.count;
    batch.first = frames.first;
    batch.frames = frames.frames;
    return batch;
  }
}
