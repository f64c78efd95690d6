import type { Output } from './output.js';

const BAR_WIDTH = 24;

interface Task {
  name: string;
  fraction?: number;
}

/**
 * The progress line of `timeside run` on a terminal: inputs done out of the total and the
 * completion of each input running, redrawn in place at most every 100 ms. Draws nothing when
 * stderr is not a terminal (piped output stays quiet).
 */
export class Progress {
  readonly #out: Output;
  readonly #enabled: boolean;
  readonly #total: number;
  readonly #tasks = new Map<number, Task>();
  #done = 0;
  #shown = false;
  #lastDraw = 0;

  constructor(out: Output, total: number) {
    this.#out = out;
    this.#total = total;
    this.#enabled = out.stderr.isTTY === true;
    if (this.#enabled) out.clearLine = () => this.#clear();
  }

  start(id: number, name: string): void {
    this.#tasks.set(id, { name });
    this.#draw(true);
  }

  update(id: number, fraction: number | undefined): void {
    const task = this.#tasks.get(id);
    if (!task) return;
    task.fraction = fraction;
    this.#draw(false);
  }

  finish(id: number): void {
    this.#tasks.delete(id);
    this.#done++;
    this.#draw(true);
  }

  /** Removes the line for good. */
  close(): void {
    this.#clear();
    if (this.#enabled) this.#out.clearLine = undefined;
  }

  #clear(): void {
    if (!this.#shown) return;
    this.#out.stderr.write('\r\x1b[K');
    this.#shown = false;
  }

  #draw(force: boolean): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const tasks = [...this.#tasks.values()];
    const running = tasks.map((t) => {
      if (t.fraction === undefined) return t.name;
      const percent = `${Math.floor(t.fraction * 100)}%`.padStart(4);
      if (tasks.length > 1) return `${t.name} ${percent}`;
      const filled = Math.round(t.fraction * BAR_WIDTH);
      return `${t.name} ${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${percent}`;
    });
    let text = `[${this.#done}/${this.#total}] ${running.join(', ')}`;
    const width = (this.#out.stderr.columns || 80) - 1;
    if (text.length > width) text = `${text.slice(0, Math.max(0, width - 1))}…`;
    this.#out.stderr.write(`\r\x1b[K${text}`);
    this.#shown = true;
  }
}
