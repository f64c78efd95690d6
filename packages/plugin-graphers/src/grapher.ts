import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  type AnalyzerResult,
  type AudioBlock,
  type FinishContext,
  graphError,
  ioError,
  type NodeSpec,
  type ParamSchema,
  type Params,
  Processor,
  paramError,
  type ResultContainer,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { drawAxes, plotArea, type Rect } from './render/axes.js';
import { cssColor, luminance, OVERLAY_COLORS, parseHexColor, type Rgba } from './render/color.js';
import { drawResult, isPlottable } from './render/plot.js';
import type { FrequencyScale } from './render/scale.js';
import { createSurface, IMAGE_FORMATS, type ImageFormat, type Surface } from './render/surface.js';

/** Largest image, in device pixels (400 MB of RGBA): beyond it Skia's allocation could fail mid-run. */
const MAX_DEVICE_PIXELS = 100_000_000;

/** Parameters every image grapher takes. */
export interface GrapherParams {
  /** Path of the image to write at the end of the run; null: none, call `render()` (default: null). */
  output: string | null;
  /** 'png' or 'svg'; null: from the output's extension, else png (default: null). */
  format: ImageFormat | null;
  /** Image width in CSS pixels (default: 1024). */
  width: number;
  /** Image height in CSS pixels (default: 256). */
  height: number;
  /** Device pixels per CSS pixel of a PNG, and of the rasters inside an SVG: 1 or 2 (default: 1). */
  density: number;
  /** Background color (#rgb, #rrggbb, #rrggbbaa). */
  background: string;
  /** Time ticks under the plot and, on spectrograms, frequency labels at its left (default: false). */
  axes: boolean;
  /** Results drawn over the image: analyzer ids (`onsets`), result ids (`pitch.f0`) or `analyzer:result` (default: []). */
  overlay: string[];
}

/** The schema of `GrapherParams`, with a grapher's own background default. */
export function grapherParams(defaults: { background: string; width?: number; height?: number }) {
  return {
    output: {
      type: 'string',
      default: null,
      nullable: true,
      description: 'Image file to write at the end of the run (.png or .svg); null: call render() later',
    },
    format: {
      type: 'string',
      default: null,
      nullable: true,
      enum: IMAGE_FORMATS,
      description: 'Image format; null: from the extension of output (png when it has none)',
    },
    width: {
      type: 'integer',
      default: defaults.width ?? 1024,
      minimum: 1,
      maximum: 32768,
      description: 'Image width in CSS pixels',
    },
    height: {
      type: 'integer',
      default: defaults.height ?? 256,
      minimum: 1,
      maximum: 32768,
      description: 'Image height in CSS pixels',
    },
    density: {
      type: 'integer',
      default: 1,
      enum: [1, 2],
      description:
        'Device pixels per CSS pixel (2 for high-density screens): a PNG is width·density pixels wide',
    },
    background: {
      type: 'string',
      default: defaults.background,
      description: 'Background color, #rgb, #rrggbb or #rrggbbaa (alpha 00: transparent)',
    },
    axes: {
      type: 'boolean',
      default: false,
      description: 'Draw time ticks under the plot (and frequency labels left of a spectrogram)',
    },
    overlay: {
      type: 'array',
      items: 'string',
      default: [],
      description:
        'Results to draw over the image, each an analyzer id (its first plottable result: onsets, pitch), ' +
        'a result id (pitch.f0) or analyzer:result (spectral_descriptors:spectral_rolloff): framewise ' +
        'results as lines (Hz on the frequency axis of a spectrogram), events as markers, segments as bands',
    },
  } as const satisfies ParamSchema;
}

/** `analyzer`, `analyzer.sub` or `analyzer:result` → the analyzer to run and the result wanted. */
export function parseResultRef(ref: string): { processor: string; result?: string } {
  const colon = ref.indexOf(':');
  if (colon >= 0) return { processor: ref.slice(0, colon), result: ref.slice(colon + 1) };
  const dot = ref.indexOf('.');
  return dot >= 0 ? { processor: ref.slice(0, dot), result: ref } : { processor: ref };
}

/** The nodes of a list of result references (see `parseResultRef`), with their default parameters. */
export function resultRefSpecs(refs: readonly string[]): NodeSpec[] {
  return refs.map((ref) => ({ processor: parseResultRef(ref).processor }));
}

/**
 * Checks, before the first block, that each reference naming a result names one its analyzer
 * declares (`meta.results`), so a typo fails with E_PARAM before any decoding. `inputs` are the
 * instances of the referenced nodes, in the order of `refs`.
 */
export function checkResultRefs(
  refs: readonly string[],
  inputs: readonly Processor[],
  processorId: string,
  param: string,
): void {
  refs.forEach((ref, i) => {
    const { processor, result } = parseResultRef(ref);
    const declared = inputs[i]?.meta.results;
    if (!result || !declared || declared.length === 0) return;
    if (!declared.some((r) => r.id === result)) {
      throw paramError(
        processorId,
        param,
        `names ${result}, which ${processor} does not produce (it gives: ${declared.map((r) => r.id).join(', ')})`,
      );
    }
  });
}

/** The result a reference names among an analyzer's results: the one named, else the first plottable. */
export function pickResult(
  ref: string,
  results: ResultContainer,
  processorId: string,
  param: string,
): AnalyzerResult {
  const { result } = parseResultRef(ref);
  const all = [...results];
  const found = result ? results.get(result) : all.find(isPlottable);
  if (!found) {
    const ids = all.map((r) => r.id).join(', ') || 'none';
    throw paramError(
      processorId,
      param,
      result
        ? `names ${result}, which ${parseResultRef(ref).processor} does not produce (it gives: ${ids})`
        : `names ${ref}, which gives no framewise, event or segment result to draw (it gives: ${ids})`,
    );
  }
  return found;
}

function formatOf(path: string): ImageFormat | undefined {
  const ext = extname(path).slice(1).toLowerCase();
  return (IMAGE_FORMATS as readonly string[]).includes(ext) ? (ext as ImageFormat) : undefined;
}

/** Writes `data` under a temporary name beside `path`, then renames it: no partial file on failure. */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw ioError(path, `cannot write: ${(error as Error).message}`, error);
  }
}

/** What `render()` takes. */
export interface RenderOptions {
  /** Write the image there (atomically); its extension picks the format unless `format` is given. */
  output?: string;
  /** 'png' or 'svg' (default: the grapher's format). */
  format?: ImageFormat;
}

/**
 * Base of the image graphers: common parameters, overlays, axes and output. A subclass collects
 * what it needs while the stream runs (`consume`, `collect`) and draws it in `drawContent`; the
 * image is written at the end of the run when `output` is set, and can be drawn again at any time
 * after it with `render({ output })` (TimeSide's `grapher.render(output)`).
 */
export abstract class Grapher<P extends GrapherParams = GrapherParams> extends Processor<P> {
  /** Format of the stream, known from `setup`. */
  protected sampleRate = 0;
  protected channels = 1;
  /** Frames seen so far: the image spans all of them. */
  protected framesSeen = 0;
  protected readonly backgroundColor: Rgba;
  #path: string | undefined;
  #overlays: AnalyzerResult[] = [];
  #finished = false;

  constructor(params: Partial<P> | Record<string, unknown> = {}) {
    super(params);
    const { output, format } = this.params;
    if (output && format && formatOf(output) && formatOf(output) !== format) {
      throw paramError(
        this.meta.id,
        'format',
        `is ${format}, but output ${output} names a .${formatOf(output)} file`,
      );
    }
    this.backgroundColor = this.color('background');
    const { width, height, density } = this.params;
    const pixels = width * height * density * density;
    if (pixels > MAX_DEVICE_PIXELS) {
      throw paramError(
        this.meta.id,
        'height',
        `gives ${width}×${height} at density ${density}: ${(pixels / 1e6).toFixed(0)} million device pixels, more than the ` +
          `${MAX_DEVICE_PIXELS / 1e6} million an image may have (4 bytes each in memory); make it smaller`,
      );
    }
  }

  /** A color parameter, parsed; a bad one throws E_PARAM naming it. */
  protected color(name: keyof P & string): Rgba {
    const text = String(this.params[name]);
    const rgba = parseHexColor(text);
    if (!rgba)
      throw paramError(this.meta.id, name, `must be a hex color (#rgb, #rrggbb, #rrggbbaa), got "${text}"`);
    return rgba;
  }

  /** True when this grapher draws a frequency axis (spectrograms): the plot leaves room for its labels. */
  protected get hasFrequencyAxis(): boolean {
    return false;
  }

  /** The frequency axis, for labels and for overlays in Hz; undefined when the image has none. */
  protected frequencyScale(): FrequencyScale | undefined {
    return undefined;
  }

  /** The plot's rectangle in CSS pixels. */
  protected get plotRect(): Rect {
    const { width, height, axes } = this.params;
    return plotArea(width, height, axes, this.hasFrequencyAxis);
  }

  /** Device columns of the plot: the resolution a subclass should collect at. */
  protected get plotColumns(): number {
    return Math.max(1, Math.round(this.plotRect.width * this.params.density));
  }

  /** The format the run's output is written in. */
  get format(): ImageFormat {
    const { output, format } = this.params;
    return format ?? (output ? formatOf(output) : undefined) ?? 'png';
  }

  override setup(format: StreamFormat, ctx: SetupContext): void | Promise<void> {
    this.sampleRate = format.sampleRate;
    this.channels = format.channels;
    this.framesSeen = 0;
    this.#finished = false;
    const overlays = this.params.overlay;
    checkResultRefs(overlays, ctx.inputs.slice(ctx.inputs.length - overlays.length), this.meta.id, 'overlay');
    if (this.params.output) this.#path = ctx.output(this.params.output);
    return this.start(format, ctx);
  }

  /** Prepares the collection (after the common setup). */
  protected start(_format: StreamFormat, _ctx: SetupContext): void | Promise<void> {}

  override process(block: AudioBlock, inputs: readonly unknown[]): void {
    this.framesSeen += block.length;
    this.consume(block, inputs);
  }

  /** Collects a block (and the block's outputs of the required nodes). */
  protected consume(_block: AudioBlock, _inputs: readonly unknown[]): void {}

  /** Reads the results of the grapher's own required nodes (the first ones of `inputResults`). */
  protected collect(_inputResults: readonly ResultContainer[]): void {}

  override async finish(ctx: FinishContext): Promise<void> {
    const overlays = this.params.overlay;
    const own = ctx.inputResults.length - overlays.length;
    this.#overlays = overlays.map((ref, i) =>
      pickResult(ref, ctx.inputResults[own + i], this.meta.id, 'overlay'),
    );
    this.collect(ctx.inputResults.slice(0, own));
    this.#finished = true;
    if (this.#path) {
      const data = await this.#draw(this.format);
      try {
        await writeFile(this.#path, data);
      } catch (error) {
        throw ioError(
          this.params.output as string,
          `cannot write the image: ${(error as Error).message}`,
          error,
        );
      }
    }
  }

  /** Duration drawn, in seconds. */
  protected get durationS(): number {
    return this.sampleRate > 0 ? this.framesSeen / this.sampleRate : 0;
  }

  /**
   * Draws the image of the last run and returns the encoded file; with `output`, also writes it
   * there (to a temporary name first, so no partial file is left). Call it after the pipeline ran.
   */
  async render(options: RenderOptions = {}): Promise<Buffer> {
    if (!this.#finished) {
      throw graphError('render() needs a finished run: run the pipeline first', this.meta.id);
    }
    const format = options.format ?? (options.output ? formatOf(options.output) : undefined) ?? this.format;
    const data = await this.#draw(format);
    if (options.output) await writeFileAtomic(options.output, data);
    return data;
  }

  async #draw(format: ImageFormat): Promise<Buffer> {
    const { width, height, density, axes } = this.params;
    const surface = createSurface(format, width, height, density);
    const { ctx } = surface;
    if (this.backgroundColor[3] > 0) {
      ctx.fillStyle = cssColor(this.backgroundColor);
      ctx.fillRect(0, 0, width, height);
    }
    const area = this.plotRect;
    ctx.save();
    if (axes) {
      // Overlays and content stay inside the plot, off the labels.
      ctx.beginPath();
      ctx.rect(area.x, area.y, area.width, area.height);
      ctx.clip();
    }
    this.drawContent(surface, area);
    const scale = this.frequencyScale();
    const colors = this.overlayColors();
    this.#overlays.forEach((result, i) => {
      drawResult(surface, result, area, this.durationS, colors[i % colors.length], scale);
    });
    this.#legend(surface, area);
    ctx.restore();
    if (axes)
      drawAxes(ctx, area, this.durationS, this.axisColor(), this.hasFrequencyAxis ? scale : undefined);
    return surface.encode();
  }

  /** The overlays' names, top left, each in its colour on a translucent plate. */
  #legend(surface: Surface, area: Rect): void {
    if (this.#overlays.length === 0) return;
    const { ctx } = surface;
    ctx.save();
    ctx.font = '10px sans-serif';
    ctx.textBaseline = 'middle';
    const names = this.#overlays.map((r) => r.name);
    const width = Math.max(...names.map((n) => ctx.measureText(n).width)) + 20;
    ctx.fillStyle = 'rgba(0,0,0,0.55)';
    ctx.fillRect(area.x + 4, area.y + 4, width, names.length * 13 + 4);
    names.forEach((name, i) => {
      const y = area.y + 12 + i * 13;
      ctx.fillStyle = this.overlayColors()[i % this.overlayColors().length];
      ctx.fillRect(area.x + 8, y - 1, 8, 3);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(name, area.x + 20, y);
    });
    ctx.restore();
  }

  /** Colours of the overlays, in order (default: warm colours, for light images). */
  protected overlayColors(): readonly string[] {
    return OVERLAY_COLORS;
  }

  /** Labels in dark grey on a light background, light grey on a dark or transparent one. */
  protected axisColor(): string {
    const bg = this.backgroundColor;
    return bg[3] > 0 && luminance(bg) > 0.4 ? '#444444' : '#cccccc';
  }

  /** Draws the grapher's own picture into the plot rectangle. */
  protected abstract drawContent(surface: Surface, area: Rect): void;

  /** The overlay nodes, to append to a grapher's own `requires`. */
  static overlaySpecs(params: Params): NodeSpec[] {
    return resultRefSpecs((params.overlay as string[] | undefined) ?? []);
  }
}
