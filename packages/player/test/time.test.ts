import { describe, expect, it } from 'vitest';
import { formatTime, rulerStep } from '../src/time.js';

describe('ruler', () => {
  it('picks the smallest round step whose ticks are at least 80 px apart', () => {
    // 1000 px over 10 s: 100 px/s, so 1 s (100 px) is the first step of 80 px or more.
    expect(rulerStep(100)).toBe(1);
    // A quarter of that range: 400 px/s, 0.2 s = 80 px.
    expect(rulerStep(400)).toBe(0.2);
    // A one-hour item on 1000 px: 0.278 px/s; 300 s = 83 px.
    expect(rulerStep(1000 / 3600)).toBe(300);
    expect(rulerStep(1e6)).toBe(0.001);
  });

  it('formats times as m:ss or h:mm:ss with the decimals the step needs', () => {
    expect(formatTime(0)).toBe('0:00');
    expect(formatTime(65.25, 0.1)).toBe('1:05.3');
    expect(formatTime(3723.5, 1)).toBe('1:02:04');
    expect(formatTime(1.005, 0.001)).toBe('0:01.005');
    expect(formatTime(59.96, 0.1)).toBe('0:59.9');
    expect(formatTime(Number.NaN)).toBe('–:––');
  });
});
