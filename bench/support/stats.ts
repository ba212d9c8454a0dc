/** Latency percentiles over recorded samples, in milliseconds with 2 decimals. */
export class LatencyRecorder {
  private readonly samples: number[] = [];

  record(ms: number): void {
    this.samples.push(ms);
  }

  async time<T>(work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.samples.push(performance.now() - start);
    }
  }

  percentile(p: number): number {
    if (this.samples.length === 0) return 0;
    const sorted = Float64Array.from(this.samples).sort();
    const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
    return round(sorted[Math.max(0, index)]!);
  }

  get count(): number {
    return this.samples.length;
  }
}

export function round(n: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}

export function perSecond(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}
