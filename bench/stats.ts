/**
 * The small statistics and formatting the benchmark needs: medians and p99 over trials,
 * timing, and the row every figure reports.
 */
import { performance } from 'node:perf_hooks';

/** One line of the results table. `limit` is the physical limit of this measure, when there is one. */
export interface Row {
  figure: string;
  contender: string;
  measure: string;
  unit: Unit;
  /** Median over the trials (the value itself for single measurements). */
  median: number;
  /** 99th percentile over the trials; absent for single measurements. */
  p99?: number;
  trials: number;
  limit?: number;
  /** Which way is better. */
  better: 'lower' | 'higher';
}

export type Unit = 'ms' | 'calls' | 'ops/s' | 'bytes' | 'kB';

/** The value at quantile `q` (0..1) by the nearest-rank method; the samples need not be sorted. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('quantile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Builds a row from repeated trials: median and p99. */
export function summarize(
  base: Omit<Row, 'median' | 'p99' | 'trials'>,
  samples: readonly number[],
): Row {
  return { ...base, median: median(samples), p99: quantile(samples, 0.99), trials: samples.length };
}

/** Milliseconds taken by `work`, and its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await work();
  return { ms: performance.now() - start, result };
}

export function now(): number {
  return performance.now();
}

/** `value` in its unit, for the table. */
export function format(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      if (value < 0.1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} µs`;
      return value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
    case 'calls':
      return Number.isInteger(value) ? `${value}` : value.toFixed(1);
    case 'ops/s':
      return `${Math.round(value).toLocaleString('en-US')} ops/s`;
    case 'bytes':
      return `${Math.round(value).toLocaleString('en-US')} B`;
    case 'kB':
      return value < 1000 ? `${value.toFixed(1)} kB` : `${Math.round(value).toLocaleString('en-US')} kB`;
  }
}

/** The value against the physical limit: `1.00×`, or `+N` when the limit is zero. */
export function versusLimit(row: Row): string {
  if (row.limit === undefined) return '';
  if (row.limit === 0) return row.median === 0 ? 'at the limit' : `+${format(row.median, row.unit)}`;
  return `${(row.median / row.limit).toFixed(2)}×`;
}
