import * as core from '@timeside/core';
const { fileDecoder, getProcessor, pipe } = core;
const ids = process.argv.slice(3);
const stages = [];
for (const id of ids) { const P = await getProcessor(id); stages.push(new P({})); }
const p = pipe(fileDecoder(process.argv[2]), ...stages);
const t0 = performance.now();
await p.run();
console.log('total', (performance.now() - t0).toFixed(0));
