import { writeFileSync } from 'node:fs';

/**
 * Writes a 16-bit PCM WAV of a sine (the same in every channel), built byte by byte here,
 * independently of the code under test.
 */
export function writeSineWav(
  path: string,
  freqHz: number,
  amplitude: number,
  seconds: number,
  { channels = 1, sampleRate = 44100 }: { channels?: number; sampleRate?: number } = {},
): void {
  const frames = Math.round(seconds * sampleRate);
  const blockAlign = 2 * channels;
  const b = Buffer.alloc(44 + frames * blockAlign);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * blockAlign, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * blockAlign, 28);
  b.writeUInt16LE(blockAlign, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * blockAlign, 40);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freqHz * i) / sampleRate));
    for (let c = 0; c < channels; c++) b.writeInt16LE(v, 44 + i * blockAlign + 2 * c);
  }
  writeFileSync(path, b);
}
