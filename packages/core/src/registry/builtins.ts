import { ArrayDecoder } from '../decode/array-decoder.js';
import { FileDecoder } from '../decode/file-decoder.js';
import { Downmix } from '../dsp/downmix.js';
import { Frames } from '../dsp/frames.js';
import { Stft } from '../dsp/stft.js';
import type { ProcessorClass } from '../processor/processor.js';
import { registerProcessor } from './registry.js';

/** Processors core itself provides: decoders and the shared adapter nodes. */
export const BUILTIN_PROCESSORS: readonly ProcessorClass[] = [
  ArrayDecoder as unknown as ProcessorClass,
  FileDecoder as unknown as ProcessorClass,
  Downmix,
  Frames as unknown as ProcessorClass,
  Stft as unknown as ProcessorClass,
];

for (const cls of BUILTIN_PROCESSORS) registerProcessor(cls, { package: '@timeside/core', via: 'builtin' });
