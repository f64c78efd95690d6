import { describe, expect, it } from 'vitest';
import { canonicalKey, Processor, type ProcessorMeta, TimesideError, validateParams } from '../src/index.js';

class Gain extends Processor<{ gainDb: number; mode: string; channels: number | null; bands: number[] }> {
  static override readonly meta: ProcessorMeta = {
    id: 'gain_test',
    kind: 'fx',
    name: 'Gain',
    version: '1.0.0',
    description: 'test fx',
    params: {
      gainDb: { type: 'number', default: 0, minimum: -96, maximum: 24, description: 'Gain' },
      mode: { type: 'string', default: 'linear', enum: ['linear', 'log'], description: 'Mode' },
      channels: { type: 'integer', default: null, nullable: true, minimum: 1, description: 'Channels' },
      bands: { type: 'array', items: 'number', default: [100, 1000], description: 'Bands' },
    },
  };
}

describe('parameter validation', () => {
  it('fills defaults', () => {
    expect(new Gain().params).toEqual({ gainDb: 0, mode: 'linear', channels: null, bands: [100, 1000] });
  });

  it('accepts values in range and numeric strings from the CLI', () => {
    const g = new Gain({ gainDb: '-6', channels: 2, bands: '50,500' } as never);
    expect(g.params.gainDb).toBe(-6);
    expect(g.params.bands).toEqual([50, 500]);
  });

  const rejected: { params: Record<string, unknown>; message: RegExp }[] = [
    { params: { gian: 1 }, message: /gain_test: parameter "gian" is unknown; known parameters: gainDb/ },
    { params: { gainDb: 30 }, message: /gain_test: parameter "gainDb" must be ≤ 24, got 30/ },
    { params: { gainDb: -100 }, message: /must be ≥ -96/ },
    { params: { gainDb: 'loud' }, message: /"gainDb" must be a finite number/ },
    { params: { mode: 'cubic' }, message: /"mode" must be one of "linear", "log"/ },
    { params: { channels: 1.5 }, message: /"channels" must be an integer/ },
    { params: { gainDb: null }, message: /"gainDb" may not be null/ },
    { params: { bands: ['x'] }, message: /"bands" must hold numbers/ },
    // An empty item of a CLI list is not the number 0.
    { params: { bands: '50,,500' }, message: /"bands" must hold numbers, got ""/ },
    { params: { bands: [' '] }, message: /"bands" must hold numbers, got " "/ },
  ];
  it.each(rejected)('rejects $params', ({ params, message }) => {
    let error: unknown;
    try {
      new Gain(params);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimesideError);
    expect((error as TimesideError).code).toBe('E_PARAM');
    expect((error as TimesideError).processor).toBe('gain_test');
    expect((error as Error).message).toMatch(message);
  });

  it('gives the same key to equal parameters in any order', () => {
    const a = validateParams('x', Gain.meta.params, { mode: 'log', gainDb: 3 });
    const b = validateParams('x', Gain.meta.params, { gainDb: 3, mode: 'log' });
    expect(canonicalKey('x', a)).toBe(canonicalKey('x', b));
    expect(canonicalKey('x', a)).not.toBe(canonicalKey('x', validateParams('x', Gain.meta.params, {})));
  });
});
