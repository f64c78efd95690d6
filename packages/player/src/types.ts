/** BBC audiowaveform's JSON (version 2): pixel i of channel c has min at data[(i·channels + c)·2], max next. */
export interface AudiowaveformData {
  version: 2;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8 | 16;
  length: number;
  data: number[];
}

/** One analysis layer, as `GET /api/items/:id/player-data` sends it. */
export interface LayerData {
  id: string;
  name: string;
  unit: string;
  kind: 'events' | 'segments' | 'curve';
  preset: string;
  time: number[];
  duration?: number[];
  /** Curve values; null where the value is undefined (an unvoiced frame). */
  value?: (number | null)[];
  label?: string[];
}

/** The server's view data for an item. */
export interface PlayerData {
  peaks: AudiowaveformData | null;
  layers: LayerData[];
  images: { preset: string; name: string; url: string }[];
}

/** A layer as the player holds it: its data, colour and visibility. */
export interface Layer extends LayerData {
  /** A unique key (`preset:id`), also the `data-layer` of its toggle. */
  key: string;
  color: string;
  visible: boolean;
}

/** An annotation of the item's annotation track (times in seconds; duration 0 for a marker). */
export interface Annotation {
  id: string;
  track: string;
  time: number;
  duration: number;
  label: string;
  author: string | null;
}

/** The visible time range of the view, in seconds. */
export interface ViewRange {
  start: number;
  end: number;
}

/** What the last draw put on screen: counts tests and tools can check against the data. */
export interface Rendered {
  /** Waveform columns drawn (0 when there are no peaks or the spectrogram is shown). */
  waveformColumns: number;
  /** Markers, bands or curve points drawn per layer key, in the visible range. */
  layers: Record<string, number>;
  /** Annotations drawn in the visible range. */
  annotations: number;
}

/** The player's events, with their `detail`. */
export interface TimesidePlayerEventMap {
  /** Item, view data and annotations loaded; the waveform is drawn. */
  ready: CustomEvent<{ duration: number }>;
  /** The play position moved. */
  timeupdate: CustomEvent<{ currentTime: number }>;
  /** The visible range changed (zoom or scroll). */
  viewchange: CustomEvent<ViewRange>;
  /** An annotation was added, edited or deleted on the server. */
  annotationchange: CustomEvent<{ action: 'add' | 'update' | 'delete'; annotation: Annotation }>;
  /** Something failed (loading, saving); `message` says what. */
  playererror: CustomEvent<{ message: string }>;
}
