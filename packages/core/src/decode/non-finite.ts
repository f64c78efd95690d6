/**
 * The NaN/Inf policy of TimeSide-TS (docs/decoding.md, "Non-finite samples"): decoders hand the
 * pipeline finite samples only. A NaN or ±Infinity in a float file (or produced by converting a
 * 64-bit float beyond float32's range) is replaced by 0 and counted; the count travels with every
 * result as `audio.nonFiniteSamples`, and `timeside run` prints it as a warning. One rule at the
 * source, so every analyzer sees the same signal: a single NaN would otherwise turn an RMS into
 * NaN while a maximum skips it.
 */

/**
 * Replaces every NaN and ±Infinity in `data[c][offset … offset + length)` by 0, in place, and
 * returns how many it replaced.
 */
export function replaceNonFinite(data: readonly Float32Array[], length: number, offset = 0): number {
  let replaced = 0;
  const end = offset + length;
  for (let c = 0; c < data.length; c++) {
    const samples = data[c];
    for (let i = offset; i < end; i++) {
      // x − x is 0 for every finite x, NaN for NaN and ±Infinity: one test for both.
      if (samples[i] - samples[i] !== 0) {
        samples[i] = 0;
        replaced++;
      }
    }
  }
  return replaced;
}

/** How many samples of `data[c][offset … offset + length)` are NaN or ±Infinity (nothing changed). */
export function countNonFinite(data: readonly Float32Array[], length: number, offset = 0): number {
  let count = 0;
  const end = offset + length;
  for (let c = 0; c < data.length; c++) {
    const samples = data[c];
    for (let i = offset; i < end; i++) if (samples[i] - samples[i] !== 0) count++;
  }
  return count;
}

/** The warning `timeside run` prints for a file whose decoder replaced `count` non-finite samples. */
export function nonFiniteWarning(file: string, count: number): string {
  return (
    `${file}: ${count} non-finite sample${count === 1 ? '' : 's'} (NaN or ±Infinity) ` +
    'replaced by 0 before analysis; the results carry audio.nonFiniteSamples'
  );
}
