// One benchmark row, run in its own process so that its peak RSS is its own:
// `node child.mjs <task JSON> <result file>`. Writes { wallS, maxRssBytes, ... } to the result file.
// wallS is the task alone, after modules are loaded (for `cli`, from the command's start).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const task = JSON.parse(process.argv[2]);
const resultFile = process.argv[3];

let cpuStart;

/** Starts the clocks of the task: wall time and this process's CPU time (its threads included). */
function start() {
  cpuStart = process.cpuUsage();
  return performance.now();
}

function report(extra) {
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const cpu = process.cpuUsage(cpuStart);
  // Not the CPU of ffmpeg children (decoders, encoders): they are other processes.
  const cpuS = cpuStart ? (cpu.user + cpu.system) / 1e6 : undefined;
  writeFileSync(resultFile, JSON.stringify({ maxRssBytes, cpuS, ...extra }));
}

/** A pipeline: the file decoder, then processors by id; graphers and encoders write into outDir. */
async function runPipeline() {
  const { fileDecoder, getProcessor, pipe } = await import('@timeside/core');
  const stages = [];
  for (const [i, stage] of task.stages.entries()) {
    const Processor = await getProcessor(stage.id);
    const params = { ...stage.params };
    const ext = Processor.meta.extension;
    if (ext && (Processor.meta.kind === 'grapher' || Processor.meta.kind === 'encoder')) {
      mkdirSync(task.outDir, { recursive: true });
      params.output = join(task.outDir, `${i}-${stage.id}.${ext}`);
    }
    stages.push(new Processor(params));
  }
  const t0 = start();
  await pipe(fileDecoder(task.input, task.decoder ?? {}), ...stages).run();
  return { wallS: (performance.now() - t0) / 1000 };
}

/**
 * Meyda's rms, zcr, spectralCentroid, spectralSpread, spectralFlatness, spectralRolloff,
 * spectralFlux and 13 MFCC, frame by frame (2048 / 512, Hann) over the mono downmix read by our
 * decoder, as a Node user of `Meyda.extract` writes it: the flux needs the previous frame, which
 * `extract` windows and transforms again (Meyda 5's documented way to get it offline).
 */
async function runMeyda() {
  const { fileDecoder, Downmix } = await import('@timeside/core');
  const Meyda = (await import('meyda')).default;
  // Meyda 5.6's spectralFlux assigns an undeclared variable `x` (a ReferenceError in its strict
  // build): a global of that name lets it run. Its value is not used here, only its cost.
  globalThis.x = 0;
  const { frameSize, hopSize } = task;
  const decoder = fileDecoder(task.input);
  const t0 = start();
  const { format } = await decoder.open();
  Meyda.bufferSize = frameSize;
  Meyda.sampleRate = format.sampleRate;
  Meyda.windowingFunction = 'hanning';
  Meyda.numberOfMFCCCoefficients = 13;
  const features = [
    'rms',
    'zcr',
    'spectralCentroid',
    'spectralSpread',
    'spectralFlatness',
    'spectralRolloff',
    'spectralFlux',
    'mfcc',
  ];
  const downmix = new Downmix();
  downmix.setup(format);
  // Mono samples kept from the last frame start on; frames are copied out, as Meyda keeps them.
  let buffer = new Float32Array(frameSize * 64);
  let length = 0;
  let previous = null;
  let frames = 0;
  let checksum = 0;
  // Meyda's spectralFlux throws without a previous frame: the first frame goes without it.
  const firstFeatures = features.filter((f) => f !== 'spectralFlux');
  const analyse = (frame) => {
    const out =
      previous === null ? Meyda.extract(firstFeatures, frame) : Meyda.extract(features, frame, previous);
    checksum += out.spectralCentroid || 0;
    previous = frame;
    frames++;
  };
  try {
    for await (const block of decoder.blocks()) {
      const mono = downmix.process(block);
      if (length + mono.length > buffer.length) {
        const grown = new Float32Array((length + mono.length) * 2);
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer.set(mono.data[0].subarray(0, mono.length), length);
      length += mono.length;
      let start = 0;
      while (start + frameSize <= length) {
        analyse(buffer.slice(start, start + frameSize));
        start += hopSize;
      }
      buffer.copyWithin(0, start, length);
      length -= start;
      if (block.eod) break;
    }
  } finally {
    await decoder.release();
  }
  return { wallS: (performance.now() - t0) / 1000, frames, checksum };
}

/** The `timeside` command line, in this process (its worker threads count in its RSS). */
async function runCli() {
  const { pathToFileURL } = await import('node:url');
  const t0 = start();
  process.argv = [process.argv[0], 'timeside', ...task.args];
  process.exitCode = undefined;
  const done = new Promise((resolve) => process.once('beforeExit', resolve));
  await import(pathToFileURL(task.cli).href);
  await done;
  const code = process.exitCode ?? 0;
  if (code !== 0) throw new Error(`timeside ${task.args.join(' ')} exited with ${code}`);
  return { wallS: (performance.now() - t0) / 1000 };
}

const runners = { pipeline: runPipeline, meyda: runMeyda, cli: runCli };
try {
  report(await runners[task.type]());
} catch (error) {
  report({ error: (error instanceof Error ? error.stack : undefined) ?? String(error) });
  process.exitCode = 1;
}
