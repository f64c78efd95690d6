import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  arrayDecoder,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  pipe,
  Stft,
  stftParams,
  stftSpec,
  validateParams,
  type WindowName,
} from '../src/index.js';

/** A consumer of the shared STFT that declares `schema` and asks for `stftSpec` of its params. */
function stftConsumer(id: string, schema: ProcessorMeta['params']) {
  return class extends Processor {
    static override readonly meta: ProcessorMeta = {
      id,
      kind: 'analyzer',
      name: `STFT consumer ${id}`,
      version: '1.0.0',
      description: 'requires stftSpec of its params',
      params: schema,
      requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    };
  };
}

describe('stftParams', () => {
  it("declares, by default, exactly the stft adapter's fftSize, hopSize and window", () => {
    const specs = stftParams();
    expect(specs).toEqual(Stft.meta.params);
    expect(Object.keys(specs)).toEqual(Object.keys(Stft.meta.params));
  });

  it('offers a processor its own defaults, sizes and wording, all of which the adapter accepts', () => {
    const specs = stftParams({
      fftSize: 1024,
      fftSizes: [256, 512, 1024],
      hopSize: 128,
      window: 'blackman',
      descriptions: { fftSize: 'Frame size', window: 'Window of the analysis' },
    });
    expect(specs.fftSize).toEqual({
      type: 'integer',
      default: 1024,
      enum: [256, 512, 1024],
      description: 'Frame size',
    });
    expect(specs.hopSize).toEqual({
      type: 'integer',
      default: 128,
      minimum: 1,
      description: 'Step between frames in samples',
    });
    expect(specs.window.default).toBe('blackman');
    expect(specs.window.description).toBe('Window of the analysis');
    for (const fftSize of specs.fftSize.enum) {
      const given = { fftSize, hopSize: specs.hopSize.default, window: specs.window.default };
      expect(validateParams('stft', Stft.meta.params, given)).toEqual(given);
    }
  });

  it('leaves out the window parameter with withWindow: false', () => {
    expect(Object.keys(stftParams({ withWindow: false }))).toEqual(['fftSize', 'hopSize']);
  });

  it('keeps ParamsOf precise: window is a WindowName', () => {
    const schema = { ...stftParams(), gain: { type: 'number', default: 1, description: 'Gain' } } as const;
    expectTypeOf<ParamsOf<typeof schema>>().toEqualTypeOf<{
      fftSize: number;
      hopSize: number;
      window: WindowName;
      gain: number;
    }>();
    const noWindow = stftParams({ withWindow: false });
    expectTypeOf<ParamsOf<typeof noWindow>>().toEqualTypeOf<{ fftSize: number; hopSize: number }>();
  });
});

describe('stftSpec', () => {
  it('asks for the Hann window when the processor has no window parameter', () => {
    expect(stftSpec({ fftSize: 1024, hopSize: 256 })).toEqual({
      processor: Stft,
      params: { fftSize: 1024, hopSize: 256, window: 'hann' },
    });
  });

  it('lets consumers with equal STFT parameters share one FFT per frame', async () => {
    const WithWindow = stftConsumer('with_window', stftParams({ fftSize: 256, hopSize: 128 }));
    const HannOnly = stftConsumer('hann_only', stftParams({ fftSize: 256, hopSize: 128, withWindow: false }));
    const Hamming = stftConsumer('hamming', stftParams({ fftSize: 256, hopSize: 128, window: 'hamming' }));
    const signal = new Float32Array(8000).fill(0.25);
    const before = Stft.transforms;
    const shared = pipe(arrayDecoder(signal, 8000), new WithWindow(), new HannOnly());
    await shared.run();
    const frames = Math.ceil(signal.length / 128);
    expect(Stft.transforms - before).toBe(frames);
    const stft = (await shared.graph()).filter((n) => n.processor.meta.id === 'stft');
    expect(stft.map((n) => n.processor.params)).toEqual([{ fftSize: 256, hopSize: 128, window: 'hann' }]);

    const apart = pipe(arrayDecoder(signal, 8000), new WithWindow(), new Hamming());
    const windows = (await apart.graph())
      .filter((n) => n.processor.meta.id === 'stft')
      .map((n) => (n.processor.params as Params).window);
    expect(windows.sort()).toEqual(['hamming', 'hann']);
  });
});
