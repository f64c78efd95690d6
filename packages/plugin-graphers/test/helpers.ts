import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AudioBlock,
  Decoder,
  type OpenedStream,
  type ProcessorMeta,
  registerProcessor,
} from '@timeside/core';
import { PNG } from 'pngjs';
import { processors as analyzers } from '../../plugin-aubio-like/src/index.js';

export const SR = 44100;

/** A scratch directory removed by the returned function. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'timeside-graphers-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Makes the analyzers graphers require (spectral_descriptors, waveform_peaks…) resolvable by id. */
export function registerAnalyzers(): void {
  for (const cls of analyzers) registerProcessor(cls);
}

/** `amplitude`·sin(2π·f·t), `seconds` long. */
export function sine(freqHz: number, amplitude: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}

/** Signals one after the other. */
export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A decoded PNG with pixel accessors. */
export function decodePng(data: Buffer) {
  const png = PNG.sync.read(data);
  const at = (x: number, y: number): number[] =>
    Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4));
  /** Rows of column x for which `test(rgba)` holds, as [first, last], or undefined. */
  const span = (x: number, test: (rgba: number[]) => boolean): [number, number] | undefined => {
    let first = -1;
    let last = -1;
    for (let y = 0; y < png.height; y++) {
      if (test(at(x, y))) {
        if (first < 0) first = y;
        last = y;
      }
    }
    return first < 0 ? undefined : [first, last];
  };
  /** Rows of column x for which `test(rgba)` holds. */
  const rows = (x: number, test: (rgba: number[]) => boolean): number[] => {
    const out: number[] = [];
    for (let y = 0; y < png.height; y++) if (test(at(x, y))) out.push(y);
    return out;
  };
  return { width: png.width, height: png.height, at, span, rows };
}

/** Reads and decodes a PNG file. */
export function readPng(path: string) {
  return decodePng(readFileSync(path));
}

/** Relative luminance of an sRGB pixel (BT.709 weights, linearised), 0–1. */
export function luminanceOf([r, g, b]: number[]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** `#rrggbb` or `rgb(r, g, b)` → [r, g, b]. */
export function rgbOf(css: string): number[] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (hex) return hex.slice(1).map((h) => Number.parseInt(h, 16));
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  return m.slice(1, 4).map(Number);
}

/** Largest per-channel difference between two colours (RGB). */
export function colourDistance(a: number[], b: number[]): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/** A decoder that, like a live stream, does not say how long it is (or says `claimed`). */
export class UnsizedDecoder extends Decoder {
  static override readonly meta: ProcessorMeta = {
    id: 'unsized_decoder',
    kind: 'decoder',
    name: 'Unsized decoder',
    version: '1.0.0',
    description: 'test source with an unknown or wrong length',
    params: {},
  };
  constructor(
    readonly samples: Float32Array,
    readonly claimed?: number,
  ) {
    super({});
  }
  async open(): Promise<OpenedStream> {
    const duration = this.samples.length / SR;
    return {
      format: { sampleRate: SR, channels: 1, totalFrames: this.claimed },
      audio: { uri: 'memory:', start: 0, duration, sampleRate: SR, channels: 1 },
    };
  }
  async *blocks(): AsyncIterable<AudioBlock> {
    for (let start = 0; start < this.samples.length; start += 1000) {
      const length = Math.min(1000, this.samples.length - start);
      yield {
        data: [this.samples.subarray(start, start + length)],
        start,
        length,
        eod: start + length >= this.samples.length,
      };
    }
  }
}
