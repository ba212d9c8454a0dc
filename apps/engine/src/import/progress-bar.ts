/** A one-line progress bar on stderr, redrawn at most every 200 ms; silent when stderr is not a terminal. */
export class ProgressBar {
  private last = 0;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean = process.stderr.isTTY === true,
  ) {}

  update(done: number, rows: number, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const ratio = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const rate = Math.round((rows * 1000) / Math.max(1, now - this.started));
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${rows} rows  ${rate} rows/s `);
  }

  finish(rows: number): void {
    if (!this.enabled) return;
    this.update(this.total, rows, true);
    process.stderr.write('\n');
  }
}
