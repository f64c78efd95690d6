/**
 * Octave sub-bands of the spectral contrast feature (D.-N. Jiang, L. Lu, H.-J. Zhang, J.-H. Tao,
 * L.-H. Cai, "Music type classification by spectral contrast feature", ICME 2002): band 0 is
 * [0, fmin), band b ≥ 1 is [fmin·2^(b−1), fmin·2^b), and the last band runs on to fmax. Returns the
 * first bin of each band and, last, one past the final bin (nBands + 1 entries).
 */
export function contrastBandEdges(
  sampleRate: number,
  fftSize: number,
  fminHz: number,
  fmaxHz: number,
  nBands: number,
): Int32Array {
  const binHz = sampleRate / fftSize;
  const edges = new Int32Array(nBands + 1);
  edges[0] = 1;
  for (let b = 1; b < nBands; b++) edges[b] = Math.round((fminHz * 2 ** (b - 1)) / binHz);
  edges[nBands] = Math.min(fftSize / 2, Math.floor(fmaxHz / binHz)) + 1;
  return edges;
}

/** Guard against log of 0 in silent bands: −200 dB re full scale. */
const FLOOR = 1e-10;

/**
 * One frame's peak and valley per band, in dB of magnitude: after sorting a band's magnitudes, the
 * peak is 20·log10 of the mean of its strongest round(α·N) (at least 1) and the valley that of its
 * weakest (Jiang et al. 2002, eqs. 1–3, on the magnitude spectrum). `scratch[b]` is band b's
 * sorting buffer, exactly as long as the band.
 */
export function spectralContrast(
  magnitude: Float32Array,
  edges: Int32Array,
  alpha: number,
  scratch: readonly Float32Array[],
  peaks: Float32Array,
  valleys: Float32Array,
): void {
  const nBands = edges.length - 1;
  for (let b = 0; b < nBands; b++) {
    const start = edges[b];
    const band = scratch[b];
    const size = band.length;
    for (let i = 0; i < size; i++) band[i] = magnitude[start + i];
    band.sort();
    const n = Math.max(1, Math.round(alpha * size));
    let low = 0;
    let high = 0;
    for (let i = 0; i < n; i++) {
      low += band[i];
      high += band[size - 1 - i];
    }
    peaks[b] = 20 * Math.log10(high / n + FLOOR);
    valleys[b] = 20 * Math.log10(low / n + FLOOR);
  }
}
