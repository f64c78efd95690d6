import * as core from '@timeside/core';
const { fileDecoder, getProcessor, pipe } = core;
const ids = process.argv.slice(3);
const stages = [];
for (const id of ids) { const P = await getProcessor(id); stages.push(new P({})); }
const p = pipe(fileDecoder(process.argv[2]), ...stages);
const nodes = await p.graph();
const times = new Map();
for (const n of nodes) {
  const proc = n.processor; const orig = proc.process.bind(proc); const id = proc.meta.id + JSON.stringify(proc.params).slice(0, 30);
  times.set(id, 0);
  proc.process = (b, i) => { const t0 = performance.now(); const r = orig(b, i); times.set(id, times.get(id) + performance.now() - t0); return r; };
}
const t0 = performance.now();
await p.run();
console.log('total', (performance.now() - t0).toFixed(0));
for (const [k, v] of [...times].sort((a, b) => b[1] - a[1])) console.log(v.toFixed(0).padStart(6), k);
