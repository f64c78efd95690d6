/**
 * `@timeside/player`: the `<timeside-player>` web component. Importing this module defines the
 * element (once); the class and its types are exported for typed use.
 */
import { TimesidePlayer } from './player.js';

export { TimesidePlayer } from './player.js';
export { formatTime, rulerStep } from './time.js';
export type {
  Annotation,
  AudiowaveformData,
  Layer,
  LayerData,
  PlayerData,
  Rendered,
  TimesidePlayerEventMap,
  ViewRange,
} from './types.js';

if (typeof customElements !== 'undefined' && !customElements.get('timeside-player')) {
  customElements.define('timeside-player', TimesidePlayer);
}

declare global {
  interface HTMLElementTagNameMap {
    'timeside-player': TimesidePlayer;
  }
}
