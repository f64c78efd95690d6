import { formatTime, rulerStep } from './time.js';
import type { Annotation, Layer, PlayerData, Rendered, TimesidePlayerEventMap, ViewRange } from './types.js';

/** Layer colours in order; each can be changed from its toggle. */
const PALETTE = ['#e4572e', '#17bebb', '#ffc914', '#76b041', '#9c6ade', '#2e86ab', '#f18f01'];
const RULER_HEIGHT = 22;
const VIEW_HEIGHT = 180;
/** The shortest visible range (seconds): beyond this zoom only repeats samples. */
const MIN_SPAN = 0.05;
/** Height of each segment layer's lane at the bottom of the view (CSS px). */
const SEGMENT_LANE = 13;

/** ffprobe container names the browser may play as they are, with their media types. */
const NATIVE_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  webm: 'audio/webm',
  mp4: 'audio/mp4',
  m4a: 'audio/mp4',
};

const STYLE = `
:host {
  --tsp-bg: #ffffff; --tsp-fg: #1d2330; --tsp-muted: #6b7385; --tsp-border: #d9dde5;
  --tsp-wave: #3b6fd8; --tsp-wave-bg: #f7f9fc; --tsp-playhead: #1d2330;
  --tsp-annotation: #ff7f11; --tsp-accent: #3b6fd8; --tsp-radius: 8px;
  display: block; font: 13px/1.4 system-ui, sans-serif; color: var(--tsp-fg);
  background: var(--tsp-bg); border: 1px solid var(--tsp-border); border-radius: var(--tsp-radius);
  padding: 10px; box-sizing: border-box;
}
[part~=toolbar] { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
button, select, a[part~=download] {
  font: inherit; color: var(--tsp-fg); background: #eef1f6; border: 1px solid var(--tsp-border);
  border-radius: 6px; padding: 4px 10px; cursor: pointer; text-decoration: none; line-height: 1.4;
}
button:hover, select:hover, a[part~=download]:hover { background: #e2e7f0; }
button:focus-visible, select:focus-visible, [part~=view]:focus-visible { outline: 2px solid var(--tsp-accent); outline-offset: 1px; }
button[part~=play] { min-width: 4.5em; background: var(--tsp-accent); color: #fff; border-color: var(--tsp-accent); }
[part~=time] { font-variant-numeric: tabular-nums; min-width: 11em; padding: 0 6px; }
.spacer { flex: 1; }
[part~=view] { position: relative; cursor: text; user-select: none; touch-action: none; border-radius: 6px; overflow: hidden; border: 1px solid var(--tsp-border); }
canvas { display: block; width: 100%; }
[part~=scrollbar] { width: 100%; margin: 6px 0 0; }
[part~=layers] { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 8px; color: var(--tsp-muted); }
[part~=layers] label { display: inline-flex; align-items: center; gap: 4px; cursor: pointer; }
[part~=layers] input[type=color] { width: 18px; height: 18px; padding: 0; border: none; background: none; }
[part~=annotations] { margin-top: 8px; }
[part~=annotations] ol { list-style: none; margin: 0; padding: 0; max-height: 160px; overflow: auto; }
[part~=annotations] li { display: flex; gap: 6px; align-items: center; padding: 2px 0; }
[part~=annotations] li .t { font-variant-numeric: tabular-nums; color: var(--tsp-muted); min-width: 9em; }
[part~=annotations] input[type=text] { font: inherit; flex: 1; border: 1px solid var(--tsp-border); border-radius: 4px; padding: 2px 6px; }
[part~=status] { color: var(--tsp-muted); margin: 6px 0 0; min-height: 1.4em; }
`;

/**
 * `<timeside-player src="/api/items/ID" token="…">`: streams a TimeSide server's item and shows
 * its waveform (from the stored `waveform_peaks` result, in BBC audiowaveform's JSON) or its
 * spectrogram image, with zoom and scroll, a time ruler, layers of analysis results and the
 * item's annotations, editable with the server's token. Modelled on wavesurfer.js 7: one media
 * element, one renderer over a visible time range, and layers drawn from result data; skinned
 * with CSS custom properties (`--tsp-*`) and `::part()`.
 */
export class TimesidePlayer extends HTMLElement {
  static readonly observedAttributes = ['src', 'token', 'format'];

  /** The media element playing the stream. */
  readonly audio: HTMLAudioElement = document.createElement('audio');
  /** The item as the server describes it (`GET src`). */
  item: { id: string; title: string; durationS: number | null; container?: string; codec?: string } | null =
    null;
  /** Layers of analysis results. */
  layers: Layer[] = [];
  /** The item's annotations (on its first annotation track). */
  annotations: Annotation[] = [];
  /** What the last draw showed. */
  rendered: Rendered = { waveformColumns: 0, layers: {}, annotations: 0 };
  /** 'waveform' or 'spectrogram' (when the item has a spectrogram image). */
  mode: 'waveform' | 'spectrogram' = 'waveform';
  /** Resolves when the player is ready (waveform drawn), rejects when loading failed. */
  ready: Promise<void>;

  #data: PlayerData = { peaks: null, layers: [], images: [] };
  #duration = 0;
  #view: ViewRange = { start: 0, end: 1 };
  #track: string | null = null;
  #image: HTMLImageElement | null = null;
  #drag: { kind: 'seek' | 'region'; from: number; to: number } | null = null;
  #raf = 0;
  #loadId = 0;
  #resolveReady!: () => void;
  #rejectReady!: (e: Error) => void;
  #root: ShadowRoot;
  #els: {
    play: HTMLButtonElement;
    time: HTMLElement;
    view: HTMLElement;
    ruler: HTMLCanvasElement;
    canvas: HTMLCanvasElement;
    scroll: HTMLInputElement;
    mode: HTMLSelectElement;
    download: HTMLAnchorElement;
    layers: HTMLElement;
    annotations: HTMLOListElement;
    status: HTMLElement;
    marker: HTMLButtonElement;
  };

  constructor() {
    super();
    this.ready = this.#newReady();
    this.#root = this.attachShadow({ mode: 'open' });
    this.#root.innerHTML = `<style>${STYLE}</style>
<div part="toolbar">
  <button part="button play" type="button" aria-label="Play">Play</button>
  <span part="time" role="timer" aria-label="Time">0:00.0 / 0:00.0</span>
  <button part="button" type="button" data-act="zoom-in" aria-label="Zoom in" title="Zoom in (+)">+</button>
  <button part="button" type="button" data-act="zoom-out" aria-label="Zoom out" title="Zoom out (−)">−</button>
  <button part="button" type="button" data-act="fit" aria-label="Show the whole item">Fit</button>
  <select part="mode" aria-label="View">
    <option value="waveform">Waveform</option>
    <option value="spectrogram" disabled>Spectrogram</option>
  </select>
  <span class="spacer"></span>
  <button part="button marker" type="button" data-act="marker" aria-label="Add a marker at the playhead" hidden>+ Marker</button>
  <a part="download" aria-label="Download the audio" download>Download</a>
</div>
<div part="view" tabindex="0" role="slider" aria-label="Position" aria-valuemin="0" aria-valuenow="0">
  <canvas part="ruler" height="${RULER_HEIGHT}"></canvas>
  <canvas part="canvas" height="${VIEW_HEIGHT}"></canvas>
</div>
<input part="scrollbar" type="range" min="0" max="1000" value="0" aria-label="Scroll the view">
<div part="layers" aria-label="Layers"></div>
<div part="annotations" aria-label="Annotations"><ol></ol></div>
<p part="status" role="status"></p>`;
    const $ = <T extends Element>(sel: string) => this.#root.querySelector(sel) as T;
    this.#els = {
      play: $('[part~=play]'),
      time: $('[part~=time]'),
      view: $('[part~=view]'),
      ruler: $('[part~=ruler]'),
      canvas: $('[part~=canvas]'),
      scroll: $('[part~=scrollbar]'),
      mode: $('[part~=mode]'),
      download: $('[part~=download]'),
      layers: $('[part~=layers]'),
      annotations: $('[part~=annotations] ol'),
      status: $('[part~=status]'),
      marker: $('[data-act=marker]'),
    };
    this.audio.preload = 'auto';
    this.#root.appendChild(this.audio);
    this.#wire();
  }

  /** Current play position in seconds. */
  get currentTime(): number {
    return this.audio.currentTime;
  }
  set currentTime(t: number) {
    const target = Math.max(0, Math.min(this.#duration, t));
    if (this.audio.readyState < HTMLMediaElement.HAVE_METADATA) {
      this.audio.addEventListener('loadedmetadata', () => (this.audio.currentTime = target), { once: true });
    } else if (!this.#seekable(target) && this.audio.src) {
      // A stream sent while it was being transcoded has no Range: ask again (the server has
      // cached it meanwhile and answers with Range) and seek once the media is there.
      const playing = !this.audio.paused;
      const url = this.audio.src;
      this.audio.addEventListener(
        'loadedmetadata',
        () => {
          this.audio.currentTime = target;
          if (playing) void this.audio.play().catch(() => {});
        },
        { once: true },
      );
      this.audio.src = url;
    } else {
      this.audio.currentTime = target;
    }
    this.#tick();
  }

  #seekable(t: number): boolean {
    const r = this.audio.seekable;
    for (let i = 0; i < r.length; i++) if (t >= r.start(i) && t <= r.end(i) + 0.05) return true;
    return false;
  }

  /** The item's duration in seconds (from the server, before the media knows it). */
  get duration(): number {
    return this.#duration;
  }

  /** The visible time range (a copy). */
  get view(): ViewRange {
    return { ...this.#view };
  }

  /** Starts playback. */
  play(): Promise<void> {
    return this.audio.play();
  }

  /** Pauses playback. */
  pause(): void {
    this.audio.pause();
  }

  /** Plays when paused, pauses when playing. */
  toggle(): void {
    if (this.audio.paused) void this.play().catch((e) => this.#fail(`playback failed: ${e.message}`));
    else this.pause();
  }

  /**
   * Zooms by `factor` (2: twice as close) keeping time `anchor` (default: the playhead when it
   * is visible, else the view's centre) at the same place on screen.
   */
  zoom(factor: number, anchor?: number): void {
    const { start, end } = this.#view;
    const span = end - start;
    const t = this.audio.currentTime;
    const a = anchor ?? (t >= start && t <= end ? t : (start + end) / 2);
    const next = Math.max(MIN_SPAN, Math.min(this.#duration, span / factor));
    const ratio = (a - start) / span;
    this.#setView(a - ratio * next, next);
  }

  /** Shows the whole item. */
  fit(): void {
    this.#setView(0, this.#duration);
  }

  /** Scrolls so that the view starts at `start` seconds (zoom kept). */
  scrollView(start: number): void {
    this.#setView(start, this.#view.end - this.#view.start);
  }

  /** Shows or hides a layer by key (`preset:resultId`) or by result id. */
  setLayerVisible(key: string, visible: boolean): void {
    for (const l of this.layers) if (l.key === key || l.id === key) l.visible = visible;
    this.#renderLayerToggles();
    this.draw();
  }

  /** Switches between the waveform and the spectrogram image. */
  setMode(mode: 'waveform' | 'spectrogram'): void {
    if (mode === 'spectrogram' && !this.#image) return;
    this.mode = mode;
    this.#els.mode.value = mode;
    this.draw();
  }

  /** Adds an annotation (a marker when duration is 0) through the API; needs the `token` attribute. */
  async addAnnotation(a: { time: number; duration?: number; label?: string }): Promise<Annotation> {
    const track = await this.#ensureTrack();
    const body = { time: Math.max(0, a.time), duration: Math.max(0, a.duration ?? 0), label: a.label ?? '' };
    const created = (await this.#api('POST', `/tracks/${track}/annotations`, body)) as Annotation;
    this.annotations.push(created);
    this.annotations.sort((x, y) => x.time - y.time);
    this.#renderAnnotations();
    this.draw();
    this.#emit('annotationchange', { action: 'add', annotation: created });
    return created;
  }

  /** Changes an annotation's label, time or duration through the API. */
  async updateAnnotation(id: string, fields: Partial<Pick<Annotation, 'time' | 'duration' | 'label'>>) {
    const updated = (await this.#api('PATCH', `/annotations/${id}`, fields)) as Annotation;
    this.annotations = this.annotations
      .map((a) => (a.id === id ? updated : a))
      .sort((x, y) => x.time - y.time);
    this.#renderAnnotations();
    this.draw();
    this.#emit('annotationchange', { action: 'update', annotation: updated });
    return updated;
  }

  /** Deletes an annotation through the API. */
  async deleteAnnotation(id: string): Promise<void> {
    const gone = this.annotations.find((a) => a.id === id);
    await this.#api('DELETE', `/annotations/${id}`);
    this.annotations = this.annotations.filter((a) => a.id !== id);
    this.#renderAnnotations();
    this.draw();
    if (gone) this.#emit('annotationchange', { action: 'delete', annotation: gone });
  }

  /**
   * Listens to one of the player's events with its typed `detail` (wavesurfer's `on`); returns
   * the function that removes the listener.
   */
  on<K extends keyof TimesidePlayerEventMap>(
    type: K,
    listener: (ev: TimesidePlayerEventMap[K]) => void,
  ): () => void {
    const fn = listener as EventListener;
    this.addEventListener(type, fn);
    return () => this.removeEventListener(type, fn);
  }

  connectedCallback(): void {
    if (!this.item && this.getAttribute('src')) void this.#load();
    this.#resize();
  }

  disconnectedCallback(): void {
    cancelAnimationFrame(this.#raf);
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    if (name === 'token') {
      this.#els.marker.hidden = !value;
      this.#renderAnnotations();
    }
    if ((name === 'src' || name === 'format') && this.isConnected && this.getAttribute('src'))
      void this.#load();
  }

  /** Redraws the ruler and the view. */
  draw(): void {
    this.#drawRuler();
    this.#drawView();
    this.#els.time.textContent = `${formatTime(this.audio.currentTime, 0.1)} / ${formatTime(this.#duration, 0.1)}`;
    const { start, end } = this.#view;
    const span = end - start;
    const scroll = this.#els.scroll;
    scroll.disabled = span >= this.#duration;
    scroll.value = String(this.#duration > span ? Math.round((start / (this.#duration - span)) * 1000) : 0);
    this.#els.view.setAttribute('aria-valuemax', this.#duration.toFixed(1));
    this.#els.view.setAttribute('aria-valuenow', this.audio.currentTime.toFixed(1));
    this.#els.view.setAttribute('aria-valuetext', formatTime(this.audio.currentTime, 0.1));
  }

  // --- loading ---

  #newReady(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    p.catch(() => {});
    return p;
  }

  #src(): string {
    return new URL(this.getAttribute('src') ?? '', document.baseURI).href.replace(/\/+$/, '');
  }

  /** The API root (`…/api`) from `src` (`…/api/items/ID`). */
  #apiRoot(): string {
    return this.#src().replace(/\/items\/[^/]+$/, '');
  }

  async #load(): Promise<void> {
    const id = ++this.#loadId;
    if (this.item) this.ready = this.#newReady();
    this.#status('Loading…');
    try {
      const src = this.#src();
      const [item, data] = await Promise.all([this.#get(src), this.#get(`${src}/player-data`)]);
      if (id !== this.#loadId) return;
      this.item = item as TimesidePlayer['item'];
      this.#data = data as PlayerData;
      const peaks = this.#data.peaks;
      this.#duration =
        this.item?.durationS ?? (peaks ? (peaks.length * peaks.samples_per_pixel) / peaks.sample_rate : 0);
      this.#view = { start: 0, end: this.#duration || 1 };
      // Events and segments show at first, and one curve (an f0 when there is one): several curves
      // on their own axes at once hide each other; the others are a click away.
      const curve =
        this.#data.layers.find((l) => l.kind === 'curve' && l.id.endsWith('.f0')) ??
        this.#data.layers.find((l) => l.kind === 'curve');
      this.layers = this.#data.layers.map((l, i) => ({
        ...l,
        key: `${l.preset}:${l.id}`,
        color: PALETTE[i % PALETTE.length],
        visible: l.kind !== 'curve' || l === curve,
      }));
      this.audio.src = this.#mediaUrl(src);
      this.#els.download.href = `${src}/audio`;
      this.#els.download.setAttribute('download', this.item?.title ?? 'audio');
      await this.#loadImage(id);
      await this.#loadAnnotations();
      if (id !== this.#loadId) return;
      this.#renderLayerToggles();
      this.#renderAnnotations();
      this.#resize();
      this.#status(
        peaks ? '' : 'No waveform_peaks result for this item yet: run a waveform_peaks preset on it.',
      );
      this.#emit('ready', { duration: this.#duration });
      this.#resolveReady();
    } catch (e) {
      const message = `could not load ${this.getAttribute('src')}: ${(e as Error).message}`;
      this.#fail(message);
      this.#rejectReady(new Error(message));
    }
  }

  async #loadImage(id: number): Promise<void> {
    const images = this.#data.images;
    const pick = images.find((i) => /spectrogram/i.test(i.name)) ?? null;
    const option = this.#els.mode.querySelector('option[value=spectrogram]') as HTMLOptionElement;
    option.disabled = !pick;
    this.#image = null;
    if (!pick) return;
    const img = new Image();
    img.src = new URL(pick.url, this.#src()).href;
    try {
      await img.decode();
      if (id === this.#loadId) this.#image = img;
    } catch {
      option.disabled = true;
    }
  }

  async #loadAnnotations(): Promise<void> {
    const tracks = (await this.#get(`${this.#src()}/tracks`)) as { id: string; name: string }[];
    const track = tracks.find((t) => t.name === 'annotations') ?? tracks[0];
    this.#track = track?.id ?? null;
    this.annotations = track
      ? ((await this.#get(`${this.#apiRoot()}/tracks/${track.id}/annotations`)) as Annotation[])
      : [];
  }

  async #ensureTrack(): Promise<string> {
    if (this.#track) return this.#track;
    const item = this.#src().split('/').pop();
    const t = (await this.#api('POST', `/items/${item}/tracks`, { name: 'annotations' })) as { id: string };
    this.#track = t.id;
    return t.id;
  }

  async #get(url: string): Promise<unknown> {
    const res = await fetch(url, { headers: this.#authHeaders() });
    if (!res.ok) throw new Error(await this.#reason(res));
    return res.json();
  }

  async #api(method: string, path: string, body?: unknown): Promise<unknown> {
    if (!this.getAttribute('token')) {
      const message = 'editing annotations needs the server’s token (the token attribute)';
      this.#fail(message);
      throw new Error(message);
    }
    const res = await fetch(`${this.#apiRoot()}${path}`, {
      method,
      headers: {
        ...this.#authHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const message = `${method} ${path} failed: ${await this.#reason(res)}`;
      this.#fail(message);
      throw new Error(message);
    }
    return res.status === 204 ? null : res.json();
  }

  /**
   * The media URL: `stream.<format>` when the `format` attribute is set; else the item's own
   * file when this browser plays its container (served with Range, so seeking works from the
   * first visit), else the server's Ogg Vorbis stream.
   */
  #mediaUrl(src: string): string {
    const format = this.getAttribute('format');
    if (format) return `${src}/stream.${format}`;
    const container = this.item?.container ?? '';
    const type = Object.entries(NATIVE_TYPES).find(([k]) => container.split(',').includes(k))?.[1];
    return type && this.audio.canPlayType(type) ? `${src}/audio` : `${src}/stream.ogg`;
  }

  #authHeaders(): Record<string, string> {
    const token = this.getAttribute('token');
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  async #reason(res: Response): Promise<string> {
    try {
      const body = (await res.json()) as { message?: string };
      return `${res.status} ${body.message ?? res.statusText}`;
    } catch {
      return `${res.status} ${res.statusText}`;
    }
  }

  #status(text: string): void {
    this.#els.status.textContent = text;
  }

  #fail(message: string): void {
    this.#status(message);
    this.#emit('playererror', { message });
  }

  #emit<K extends keyof TimesidePlayerEventMap>(type: K, detail: TimesidePlayerEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- interaction ---

  #wire(): void {
    const { play, view, scroll, mode, marker } = this.#els;
    play.addEventListener('click', () => this.toggle());
    this.audio.addEventListener('play', () => {
      play.textContent = 'Pause';
      play.setAttribute('aria-label', 'Pause');
      this.#loop();
    });
    this.audio.addEventListener('pause', () => {
      play.textContent = 'Play';
      play.setAttribute('aria-label', 'Play');
      this.#tick();
    });
    this.audio.addEventListener('seeked', () => this.#tick());
    this.audio.addEventListener('error', () =>
      this.#fail(`the audio stream could not be played (${this.audio.error?.message || 'media error'})`),
    );
    this.#root.querySelector('[part~=toolbar]')?.addEventListener('click', (e) => {
      const act = (e.target as HTMLElement).closest('[data-act]')?.getAttribute('data-act');
      if (act === 'zoom-in') this.zoom(2);
      else if (act === 'zoom-out') this.zoom(0.5);
      else if (act === 'fit') this.fit();
    });
    marker.addEventListener(
      'click',
      () => void this.addAnnotation({ time: this.audio.currentTime, label: 'marker' }),
    );
    mode.addEventListener('change', () => this.setMode(mode.value as 'waveform' | 'spectrogram'));
    scroll.addEventListener('input', () => {
      const span = this.#view.end - this.#view.start;
      this.scrollView((Number(scroll.value) / 1000) * (this.#duration - span));
    });

    // Click or drag: seek; shift-drag: a region annotation (with the token).
    view.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      view.focus();
      view.setPointerCapture(e.pointerId);
      const t = this.#timeAt(e.clientX);
      const region = e.shiftKey && !!this.getAttribute('token');
      this.#drag = { kind: region ? 'region' : 'seek', from: t, to: t };
      if (!region) this.currentTime = t;
    });
    view.addEventListener('pointermove', (e) => {
      if (!this.#drag) return;
      this.#drag.to = this.#timeAt(e.clientX);
      if (this.#drag.kind === 'seek') this.currentTime = this.#drag.to;
      else this.draw();
    });
    const end = () => {
      const d = this.#drag;
      this.#drag = null;
      if (d?.kind === 'region') {
        const [a, b] = d.from < d.to ? [d.from, d.to] : [d.to, d.from];
        if (b - a > 0) void this.addAnnotation({ time: a, duration: b - a, label: 'region' });
        this.draw();
      }
    };
    view.addEventListener('pointerup', end);
    view.addEventListener('pointercancel', end);

    // Wheel: ctrl/⌘ (and trackpad pinch, which Chromium reports with ctrlKey) zooms at the pointer;
    // shift or a horizontal wheel scrolls; a plain vertical wheel is left to the page.
    view.addEventListener(
      'wheel',
      (e) => {
        if (e.ctrlKey || e.metaKey) {
          e.preventDefault();
          this.zoom(Math.exp(-e.deltaY / 300), this.#timeAt(e.clientX));
        } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
          e.preventDefault();
          const span = this.#view.end - this.#view.start;
          const px = e.shiftKey ? e.deltaY || e.deltaX : e.deltaX;
          this.scrollView(this.#view.start + (px / Math.max(1, view.clientWidth)) * span);
        }
      },
      { passive: false },
    );

    this.addEventListener('keydown', (e) => {
      const target = e.composedPath()[0] as HTMLElement;
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
      const span = this.#view.end - this.#view.start;
      if (e.key === ' ' && !(target instanceof HTMLButtonElement)) this.toggle();
      else if (e.key === 'ArrowRight')
        this.currentTime = this.audio.currentTime + (e.shiftKey ? span / 2 : 5);
      else if (e.key === 'ArrowLeft') this.currentTime = this.audio.currentTime - (e.shiftKey ? span / 2 : 5);
      else if (e.key === '+' || e.key === '=') this.zoom(2);
      else if (e.key === '-' || e.key === '_') this.zoom(0.5);
      else if (e.key === 'Home') this.currentTime = 0;
      else if (e.key === 'End') this.currentTime = this.#duration;
      else return;
      e.preventDefault();
    });

    new ResizeObserver(() => this.#resize()).observe(this.#els.view);
  }

  #timeAt(clientX: number): number {
    const rect = this.#els.canvas.getBoundingClientRect();
    const x = Math.max(0, Math.min(rect.width, clientX - rect.left));
    return this.#view.start + (x / Math.max(1, rect.width)) * (this.#view.end - this.#view.start);
  }

  #setView(start: number, span: number): void {
    const d = this.#duration || 1;
    const s = Math.min(span, d);
    const st = Math.max(0, Math.min(d - s, start));
    this.#view = { start: st, end: st + s };
    this.draw();
    this.#emit('viewchange', this.view);
  }

  #loop(): void {
    cancelAnimationFrame(this.#raf);
    const step = () => {
      this.#tick();
      if (!this.audio.paused) this.#raf = requestAnimationFrame(step);
    };
    this.#raf = requestAnimationFrame(step);
  }

  /** After the play position moved: the view follows the playhead a page at a time, then redraws. */
  #tick(): void {
    const t = this.audio.currentTime;
    const { start, end } = this.#view;
    const span = end - start;
    if (!this.#drag && span < this.#duration && (t > end || t < start)) {
      this.#view = { start: Math.max(0, Math.min(this.#duration - span, t - span * 0.05)), end: 0 };
      this.#view.end = this.#view.start + span;
      this.#emit('viewchange', this.view);
    }
    this.draw();
    this.#emit('timeupdate', { currentTime: t });
  }

  #resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, this.#els.view.clientWidth);
    for (const [c, h] of [
      [this.#els.ruler, RULER_HEIGHT],
      [this.#els.canvas, VIEW_HEIGHT],
    ] as const) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.height = `${h}px`;
    }
    this.draw();
  }

  // --- rendering ---

  #css(name: string, fallback: string): string {
    return getComputedStyle(this).getPropertyValue(name).trim() || fallback;
  }

  #drawRuler(): void {
    const c = this.#els.ruler;
    const g = c.getContext('2d');
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    const w = c.width / dpr;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = this.#css('--tsp-bg', '#fff');
    g.fillRect(0, 0, w, RULER_HEIGHT);
    const { start, end } = this.#view;
    const pxs = w / (end - start);
    const step = rulerStep(pxs);
    g.strokeStyle = this.#css('--tsp-border', '#d9dde5');
    g.fillStyle = this.#css('--tsp-muted', '#6b7385');
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'top';
    g.beginPath();
    const minor = step / 5;
    for (let t = Math.ceil(start / minor) * minor; t <= end; t += minor) {
      const x = Math.round((t - start) * pxs) + 0.5;
      const major = Math.abs(t / step - Math.round(t / step)) < 1e-6;
      g.moveTo(x, RULER_HEIGHT);
      g.lineTo(x, major ? RULER_HEIGHT - 10 : RULER_HEIGHT - 4);
      if (major) g.fillText(formatTime(Math.round(t / step) * step, step), x + 3, 3);
    }
    g.moveTo(0, RULER_HEIGHT - 0.5);
    g.lineTo(w, RULER_HEIGHT - 0.5);
    g.stroke();
  }

  #drawView(): void {
    const c = this.#els.canvas;
    const g = c.getContext('2d');
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    const w = c.width / dpr;
    const h = VIEW_HEIGHT;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { start, end } = this.#view;
    const pxs = w / (end - start);
    const X = (t: number) => (t - start) * pxs;
    const rendered: Rendered = { waveformColumns: 0, layers: {}, annotations: 0 };

    g.fillStyle = this.#css('--tsp-wave-bg', '#f7f9fc');
    g.fillRect(0, 0, w, h);
    const visible = this.layers.filter((l) => l.visible);

    // Segments: a light full-height tint under the waveform, and a solid lane each at the
    // bottom (drawn after the waveform) so that several segment layers stay apart.
    const segments = visible.filter((v) => v.kind === 'segments');
    const spans = (l: Layer, paint: (x: number, w: number, i: number) => void) => {
      let n = 0;
      for (let i = 0; i < l.time.length; i++) {
        const a = l.time[i];
        const b = a + (l.duration?.[i] ?? 0);
        if (b < start || a > end) continue;
        paint(X(a), Math.max(1, X(b) - X(a)), i);
        n++;
      }
      return n;
    };
    // A labelled layer (silence: sound / silence) shades each label apart, in order of first
    // appearance; the full-height tint is kept for layers of one label (notes, pitch segments).
    const shades = new Map<string, number>();
    // The waveform and the curves keep clear of the segment lanes.
    const area = h - segments.length * SEGMENT_LANE;
    for (const l of segments) {
      const labels = [...new Set(l.label ?? [])];
      for (const [k, label] of labels.entries()) shades.set(`${l.key}\u0000${label}`, k);
      g.fillStyle = `${l.color}1f`;
      rendered.layers[l.key] = spans(l, (x, bw) => {
        if (labels.length <= 1) g.fillRect(x, 0, bw, h);
      });
    }

    if (this.mode === 'spectrogram' && this.#image) {
      const img = this.#image;
      const d = this.#duration || 1;
      g.imageSmoothingEnabled = true;
      g.drawImage(
        img,
        (start / d) * img.naturalWidth,
        0,
        ((end - start) / d) * img.naturalWidth,
        img.naturalHeight,
        0,
        0,
        w,
        h,
      );
    } else {
      rendered.waveformColumns = this.#drawWaveform(g, w, area);
    }

    g.font = '9px system-ui, sans-serif';
    g.textBaseline = 'middle';
    segments.forEach((l, k) => {
      const y = h - (k + 1) * SEGMENT_LANE;
      spans(l, (x, bw, i) => {
        const label = l.label?.[i];
        const shade = label === undefined ? 0 : (shades.get(`${l.key}\u0000${label}`) ?? 0);
        g.fillStyle = `${l.color}${['d9', '59', '99', '33'][shade % 4]}`;
        g.fillRect(x, y, bw, SEGMENT_LANE - 2);
        if (label && bw > g.measureText(label).width + 6) {
          g.fillStyle = shade === 0 ? '#fff' : this.#css('--tsp-fg', '#1d2330');
          g.fillText(label, x + 3, y + (SEGMENT_LANE - 2) / 2);
        }
      });
    });

    // Curves, each scaled to its own range, with its axis labelled at the left.
    for (const l of visible.filter((v) => v.kind === 'curve')) {
      const vals = l.value ?? [];
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of vals) {
        if (v === null || !Number.isFinite(v)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi >= lo)) continue;
      const pad = hi === lo ? 1 : (hi - lo) * 0.08;
      const Y = (v: number) => area - ((v - lo + pad) / (hi - lo + 2 * pad)) * area;
      g.strokeStyle = l.color;
      g.lineWidth = 1.5;
      g.beginPath();
      let pen = false;
      let n = 0;
      for (let i = 0; i < l.time.length; i++) {
        const t = l.time[i];
        const v = vals[i];
        if (t < start || t > end || v === null || !Number.isFinite(v)) {
          pen = false;
          continue;
        }
        if (pen) g.lineTo(X(t), Y(v));
        else g.moveTo(X(t), Y(v));
        pen = true;
        n++;
      }
      g.stroke();
      g.lineWidth = 1;
      g.fillStyle = l.color;
      g.font = '10px system-ui, sans-serif';
      g.textBaseline = 'top';
      g.fillText(`${+hi.toPrecision(4)} ${l.unit}`, 4, 3);
      g.textBaseline = 'bottom';
      g.fillText(`${+lo.toPrecision(4)} ${l.unit}`, 4, area - 3);
      rendered.layers[l.key] = n;
    }

    // Events as full-height markers.
    for (const l of visible.filter((v) => v.kind === 'events')) {
      g.strokeStyle = l.color;
      g.lineWidth = 1.5;
      g.beginPath();
      let n = 0;
      for (const t of l.time) {
        if (t < start || t > end) continue;
        const x = Math.round(X(t)) + 0.5;
        g.moveTo(x, 0);
        g.lineTo(x, h);
        n++;
      }
      g.stroke();
      g.lineWidth = 1;
      rendered.layers[l.key] = n;
    }

    // Annotations: regions as bands with a top bar, markers as flagged lines, labels beside.
    const ac = this.#css('--tsp-annotation', '#ff7f11');
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'top';
    for (const a of this.annotations) {
      const b = a.time + a.duration;
      if (b < start || a.time > end) continue;
      rendered.annotations++;
      const x = X(a.time);
      if (a.duration > 0) {
        g.fillStyle = `${ac}2e`;
        g.fillRect(x, 0, Math.max(1, X(b) - x), h);
        g.fillStyle = ac;
        g.fillRect(x, 0, Math.max(1, X(b) - x), 3);
      } else {
        g.fillStyle = ac;
        g.fillRect(Math.round(x), 0, 2, h);
        g.beginPath();
        g.moveTo(x + 2, 0);
        g.lineTo(x + 10, 5);
        g.lineTo(x + 2, 10);
        g.fill();
      }
      if (a.label) {
        g.fillStyle = ac;
        g.fillText(a.label, x + 12, 4);
      }
    }

    // The region being dragged.
    if (this.#drag?.kind === 'region') {
      const a = X(Math.min(this.#drag.from, this.#drag.to));
      const b = X(Math.max(this.#drag.from, this.#drag.to));
      g.fillStyle = `${ac}40`;
      g.fillRect(a, 0, b - a, h);
    }

    // The playhead.
    const t = this.audio.currentTime;
    if (t >= start && t <= end) {
      g.fillStyle = this.#css('--tsp-playhead', '#1d2330');
      g.fillRect(Math.round(X(t)) - 1, 0, 2, h);
    }
    this.rendered = rendered;
  }

  /** Draws the peaks of the visible range, one column per CSS pixel; returns the columns drawn. */
  #drawWaveform(g: CanvasRenderingContext2D, w: number, h: number): number {
    const p = this.#data.peaks;
    if (!p?.length) return 0;
    const { start, end } = this.#view;
    const scale = p.bits === 8 ? 128 : 32768;
    const colSeconds = p.samples_per_pixel / p.sample_rate;
    const C = p.channels;
    const mid = h / 2;
    g.fillStyle = this.#css('--tsp-wave', '#3b6fd8');
    g.strokeStyle = g.fillStyle;
    g.globalAlpha = 0.25;
    g.fillRect(0, mid, w, 1);
    g.globalAlpha = 1;
    let drawn = 0;
    const cols = Math.ceil(w);
    for (let x = 0; x < cols; x++) {
      const t0 = start + (x / w) * (end - start);
      const t1 = start + ((x + 1) / w) * (end - start);
      let i0 = Math.floor(t0 / colSeconds);
      let i1 = Math.max(i0 + 1, Math.ceil(t1 / colSeconds));
      if (i0 >= p.length) break;
      i0 = Math.max(0, i0);
      i1 = Math.min(p.length, i1);
      let lo = 0;
      let hi = 0;
      // Channels merged: the column shows the widest excursion of any channel.
      for (let i = i0; i < i1; i++) {
        for (let c = 0; c < C; c++) {
          const k = (i * C + c) * 2;
          if (p.data[k] < lo) lo = p.data[k];
          if (p.data[k + 1] > hi) hi = p.data[k + 1];
        }
      }
      const y0 = mid - (hi / scale) * (mid - 4);
      const y1 = mid - (lo / scale) * (mid - 4);
      g.fillRect(x, y0, 1, Math.max(1, y1 - y0));
      drawn++;
    }
    return drawn;
  }

  #renderLayerToggles(): void {
    const box = this.#els.layers;
    box.replaceChildren();
    for (const l of this.layers) {
      const label = document.createElement('label');
      label.dataset.layer = l.key;
      const check = document.createElement('input');
      check.type = 'checkbox';
      check.checked = l.visible;
      check.setAttribute('aria-label', `Show ${l.name} (${l.id})`);
      check.addEventListener('change', () => this.setLayerVisible(l.key, check.checked));
      const color = document.createElement('input');
      color.type = 'color';
      color.value = l.color;
      color.setAttribute('aria-label', `Colour of ${l.name}`);
      color.addEventListener('input', () => {
        l.color = color.value;
        this.draw();
      });
      const count = l.kind === 'curve' ? '' : ` (${l.time.length})`;
      label.append(check, color, document.createTextNode(`${l.id}${count}`));
      box.append(label);
    }
  }

  #renderAnnotations(): void {
    const list = this.#els.annotations;
    list.replaceChildren();
    const editable = !!this.getAttribute('token');
    for (const a of this.annotations) {
      const li = document.createElement('li');
      li.dataset.annotation = a.id;
      const when = document.createElement('button');
      when.type = 'button';
      when.className = 't';
      when.textContent =
        a.duration > 0
          ? `${formatTime(a.time, 0.01)}–${formatTime(a.time + a.duration, 0.01)}`
          : formatTime(a.time, 0.01);
      when.setAttribute('aria-label', `Go to ${when.textContent}`);
      when.addEventListener('click', () => {
        this.currentTime = a.time;
      });
      const label = document.createElement('input');
      label.type = 'text';
      label.value = a.label;
      label.readOnly = !editable;
      label.setAttribute('aria-label', 'Annotation label');
      label.addEventListener('change', () => void this.updateAnnotation(a.id, { label: label.value }));
      li.append(when, label);
      if (editable) {
        const del = document.createElement('button');
        del.type = 'button';
        del.textContent = 'Delete';
        del.setAttribute('aria-label', `Delete annotation ${a.label || formatTime(a.time, 0.01)}`);
        del.addEventListener('click', () => void this.deleteAnnotation(a.id));
        li.append(del);
      }
      list.append(li);
    }
  }
}
