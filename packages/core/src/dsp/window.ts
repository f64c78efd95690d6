/** Window functions (periodic, "DFT-even", as used for spectral analysis; Harris 1978). */

export const WINDOW_NAMES = ['hann', 'hamming', 'blackman', 'blackmanharris', 'rectangular'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

const cache = new Map<string, Float32Array>();

/** The periodic window of `size` points; cached, do not modify. */
export function windowFunction(name: WindowName, size: number): Float32Array {
  const key = `${name}:${size}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const w = new Float32Array(size);
  const step = (2 * Math.PI) / size;
  for (let n = 0; n < size; n++) {
    const x = step * n;
    switch (name) {
      case 'hann':
        w[n] = 0.5 - 0.5 * Math.cos(x);
        break;
      case 'hamming':
        w[n] = 0.54 - 0.46 * Math.cos(x);
        break;
      case 'blackman':
        w[n] = 0.42 - 0.5 * Math.cos(x) + 0.08 * Math.cos(2 * x);
        break;
      case 'blackmanharris':
        w[n] = 0.35875 - 0.48829 * Math.cos(x) + 0.14128 * Math.cos(2 * x) - 0.01168 * Math.cos(3 * x);
        break;
      case 'rectangular':
        w[n] = 1;
        break;
    }
  }
  cache.set(key, w);
  return w;
}
