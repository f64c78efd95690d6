/**
 * Sensory dissonance of a set of partials after W. A. Sethares, "Tuning, Timbre, Spectrum, Scale"
 * (1998/2005, appendix E), his parametrisation of the Plomp–Levelt curve (Plomp & Levelt, "Tonal
 * consonance and critical bandwidth", JASA 1965): two partials at f1 < f2 with amplitudes a1, a2 add
 * min(a1, a2)·(e^{−b1·s·Δf} − e^{−b2·s·Δf}), s = d⋆ / (s1·f1 + s2), d⋆ = 0.24, Δf = f2 − f1 (the minimum, not the
 * product of 1993, as the book's appendix G argues from the beating's amplitude).
 */
const B1 = 3.5;
const B2 = 5.75;
const D_STAR = 0.24;
const S1 = 0.0207;
const S2 = 18.96;

/** The dissonance of one pair of partials. */
export function pairDissonance(f1: number, a1: number, f2: number, a2: number): number {
  const low = Math.min(f1, f2);
  const s = D_STAR / (S1 * low + S2);
  const x = s * Math.abs(f2 - f1);
  return Math.min(a1, a2) * (Math.exp(-B1 * x) - Math.exp(-B2 * x));
}

/** The total dissonance of `count` partials: the sum over every pair. */
export function dissonance(freqs: Float64Array, amps: Float64Array, count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) total += pairDissonance(freqs[i], amps[i], freqs[j], amps[j]);
  }
  return total;
}
