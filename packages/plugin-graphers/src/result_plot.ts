import {
  type AnalyzerResult,
  type NodeSpec,
  type Params,
  type ProcessorMeta,
  paramError,
  type ResultContainer,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import {
  checkResultRefs,
  Grapher,
  type GrapherParams,
  grapherParams,
  pickResult,
  resultRefSpecs,
} from './grapher.js';
import type { Rect } from './render/axes.js';
import { CATEGORY_COLORS } from './render/color.js';
import { drawResult } from './render/plot.js';
import type { Surface } from './render/surface.js';

/** Parameters of `result_plot`. */
export interface ResultPlotParams extends GrapherParams {
  /** Results to plot, one lane each, top to bottom (see `overlay` for the forms). */
  results: string[];
}

const ID = 'result_plot';

/**
 * `result_plot`: plots of any analyzer results, one lane each — framewise values as a line,
 * events as markers, segments as bands — read from the analyzers it requires (TimeSide's
 * per-analyzer graphers, in one).
 */
export class ResultPlot extends Grapher<ResultPlotParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'grapher',
    name: 'Result plot',
    version: '1.0.0',
    description:
      'Plots analyzer results, one lane per entry of results (top to bottom), each an analyzer id (its ' +
      'first framewise, event or segment result), a result id (pitch.f0) or analyzer:result. Framewise ' +
      'series are lines over their own range (min to max, 6 % margin), with the min–max band where ' +
      'several frames share a pixel and gaps where the value is not finite; framewise matrices (MFCC, ' +
      'spectrogram) are viridis heat maps; events are vertical markers; segments are bands, coloured by ' +
      'label in label mode. Its test decodes the PNG: an event at a known time marks the column of that ' +
      'time, a segment covers its span, a rising line rises.',
    extension: 'png',
    params: {
      ...grapherParams({ background: '#ffffff', height: 200 }),
      results: {
        type: 'array',
        items: 'string',
        default: [],
        minItems: 1,
        description: 'Results to plot, one lane each: analyzer id, result id or analyzer:result',
      },
    },
    requires: (p: Params): NodeSpec[] => [
      ...resultRefSpecs(p.results as string[]),
      ...Grapher.overlaySpecs(p),
    ],
  };

  #results: AnalyzerResult[] = [];

  constructor(params: Partial<ResultPlotParams> | Record<string, unknown> = {}) {
    super(params);
    if (this.params.results.length === 0) {
      throw paramError(
        ID,
        'results',
        'needs at least one result to plot, e.g. results: ["pitch.f0", "onsets"]',
      );
    }
  }

  protected override start(_format: StreamFormat, ctx: SetupContext): void {
    checkResultRefs(this.params.results, ctx.inputs, ID, 'results');
  }

  protected override collect(inputResults: readonly ResultContainer[]): void {
    this.#results = this.params.results.map((ref, i) => pickResult(ref, inputResults[i], ID, 'results'));
  }

  protected override drawContent(surface: Surface, area: Rect): void {
    const { ctx } = surface;
    const count = this.#results.length;
    const laneHeight = area.height / count;
    this.#results.forEach((result, i) => {
      const lane = { x: area.x, y: area.y + i * laneHeight, width: area.width, height: laneHeight };
      ctx.save();
      ctx.beginPath();
      ctx.rect(lane.x, lane.y, lane.width, lane.height);
      ctx.clip();
      drawResult(surface, result, lane, this.durationS, CATEGORY_COLORS[i % CATEGORY_COLORS.length]);
      ctx.font = '10px sans-serif';
      ctx.textBaseline = 'top';
      ctx.fillStyle = this.axisColor();
      ctx.fillText(`${result.name}${result.unit ? ` (${result.unit})` : ''}`, lane.x + 4, lane.y + 3);
      ctx.restore();
      if (i > 0) {
        ctx.fillStyle = this.axisColor();
        ctx.globalAlpha = 0.3;
        ctx.fillRect(lane.x, lane.y, lane.width, 1);
        ctx.globalAlpha = 1;
      }
    });
  }
}
