import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUILTIN_PROCESSORS,
  checkProcessorClass,
  definePlugin,
  get_processor,
  getProcessor,
  list_processors,
  listProcessors,
  Processor,
  type ProcessorClass,
  type ProcessorMeta,
  registerProcessor,
  reportPluginProblem,
  resetDiscovery,
  setDiscoverer,
  unregisterProcessor,
} from '../src/index.js';

function processorClass(id: string, kind: ProcessorMeta['kind'] = 'analyzer'): ProcessorClass {
  return class extends Processor {
    static override readonly meta: ProcessorMeta = {
      id,
      kind,
      name: id,
      version: '1.0.0',
      description: 'registry test processor',
      params: {},
    };
  };
}

beforeEach(() => {
  resetDiscovery();
  setDiscoverer(undefined);
});
afterEach(() => resetDiscovery());

describe('registry', () => {
  it('holds the built-in adapters and decoders, adapters listed only when asked for', async () => {
    const builtins = BUILTIN_PROCESSORS.map((c) => c.meta.id).sort();
    const all = await listProcessors({ adapters: true });
    expect(all.map((p) => p.id)).toEqual(builtins);
    expect(all.every((p) => p.source.package === '@timeside/core' && p.source.via === 'builtin')).toBe(true);
    expect((await listProcessors({ kind: 'adapter' })).map((p) => p.id)).toEqual([
      'downmix',
      'frames',
      'stft',
    ]);
    const visible = (await listProcessors()).map((p) => p.id);
    expect(visible).toContain('array_decoder');
    expect(visible).not.toEqual(expect.arrayContaining(['stft']));
  });

  it('lists registered processors sorted by id, filtered by kind', async () => {
    registerProcessor(processorClass('zeta_analyzer'));
    registerProcessor(processorClass('alpha_grapher', 'grapher'));
    registerProcessor(processorClass('mid_analyzer'), { package: 'some-plugin', via: 'discovery' });
    expect((await listProcessors({ kind: 'analyzer' })).map((p) => p.id)).toEqual([
      'mid_analyzer',
      'zeta_analyzer',
    ]);
    const ids = (await listProcessors({ kind: ['grapher', 'decoder'] })).map((p) => p.id);
    expect(ids[0]).toBe('alpha_grapher');
    expect(ids).toContain('array_decoder');
    expect(ids).toEqual([...ids].sort());
    expect((await getProcessor('mid_analyzer')).meta.id).toBe('mid_analyzer');
    expect(list_processors).toBe(listProcessors);
    expect(get_processor).toBe(getProcessor);
  });

  it('refuses a second class with a taken id, naming both packages; the same class twice is a no-op', () => {
    const A = processorClass('taken_id');
    registerProcessor(A, { package: 'first-plugin', via: 'discovery' });
    expect(registerProcessor(A, { package: 'first-plugin', via: 'discovery' }).processor).toBe(A);
    expect(() =>
      registerProcessor(processorClass('taken_id'), { package: 'second-plugin', via: 'discovery' }),
    ).toThrow(
      'plugin second-plugin: processor id "taken_id" is already taken by first-plugin; the one from second-plugin is skipped',
    );
    expect(unregisterProcessor('taken_id')).toBe(true);
  });

  it.each([
    { value: 42, reason: 'is not a class' },
    { value: class {}, reason: 'has no static meta' },
    {
      value: Object.assign(class {}, { meta: { id: 'Level', kind: 'analyzer' } }),
      reason: 'has an invalid id "Level" (snake_case expected)',
    },
    {
      value: Object.assign(class {}, { meta: { id: 'level', kind: 'toaster' } }),
      reason: 'level has an invalid kind "toaster"',
    },
    {
      value: Object.assign(class {}, { meta: { id: 'level', kind: 'analyzer', params: {} } }),
      reason: 'level has no version',
    },
    {
      value: Object.assign(class {}, { meta: { id: 'level', kind: 'analyzer', version: '1' } }),
      reason: 'level has no params schema',
    },
    {
      // `timeside list` and `info` print the name and the description.
      value: Object.assign(class {}, { meta: { id: 'level', kind: 'analyzer', version: '1', params: {} } }),
      reason: 'level has no name',
    },
    {
      value: Object.assign(class {}, {
        meta: { id: 'level', kind: 'analyzer', version: '1', params: {}, name: 'Level' },
      }),
      reason: 'level has no description',
    },
    { value: processorClass('good_one'), reason: undefined },
  ])('checks processor classes: $reason', ({ value, reason }) => {
    expect(checkProcessorClass(value)).toBe(reason);
  });

  it('runs the discoverer once, lazily, and reports plugin problems with the list', async () => {
    let runs = 0;
    setDiscoverer(async () => {
      runs++;
      registerProcessor(processorClass('lazy_one'), { package: 'lazy-plugin', via: 'discovery' });
      reportPluginProblem({ package: 'broken-plugin', reason: 'its entry threw on import: boom' });
    });
    expect(runs).toBe(0);
    const first = await listProcessors({ withErrors: true });
    await getProcessor('lazy_one');
    await listProcessors();
    expect(runs).toBe(1);
    expect(first.processors.map((p) => p.id)).toContain('lazy_one');
    expect(first.errors).toEqual([{ package: 'broken-plugin', reason: 'its entry threw on import: boom' }]);
    resetDiscovery();
    await expect(getProcessor('lazy_one')).resolves.toBeDefined();
    expect(runs).toBe(2);
  });

  it('throws E_UNKNOWN_PROCESSOR for an unknown id', async () => {
    await expect(getProcessor('no_such_thing')).rejects.toMatchObject({ code: 'E_UNKNOWN_PROCESSOR' });
  });

  it('definePlugin copies the processor list', () => {
    const list = [processorClass('copied_one')];
    const plugin = definePlugin({ name: 'p', processors: list });
    list.push(processorClass('added_later'));
    expect(plugin.processors.map((c) => c.meta.id)).toEqual(['copied_one']);
  });
});
