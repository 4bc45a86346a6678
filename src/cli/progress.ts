/**
 * @module cli/progress
 * A progress bar on stderr for long commands; silent when stderr is not a terminal, where it
 * prints a line every 10 % instead.
 */

/** Reports progress of a task of `total` steps. */
export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #lastDecile = -1;
  #lastDraw = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#tty = stream.isTTY === true;
  }

  /** Updates to `done` steps. */
  update(done: number): void {
    const share = Math.min(1, done / this.#total);
    const now = Date.now();
    if (this.#tty) {
      if (now - this.#lastDraw < 100 && done < this.#total) return;
      this.#lastDraw = now;
      const width = 30;
      const full = Math.round(share * width);
      const eta = share > 0 ? ((now - this.#started) / share - (now - this.#started)) / 1000 : 0;
      process.stderr.write(
        `\r${this.#label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(share * 100).toFixed(0).padStart(3)} % eta ${eta.toFixed(0)} s  `,
      );
      return;
    }
    const decile = Math.floor(share * 10);
    if (decile !== this.#lastDecile) {
      this.#lastDecile = decile;
      process.stderr.write(`${this.#label}: ${decile * 10} %\n`);
    }
  }

  /** Ends the bar with a newline. */
  done(): void {
    this.update(this.#total);
    if (this.#tty) process.stderr.write('\n');
  }
}
