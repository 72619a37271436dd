/** Order statistics of timing samples (milliseconds), with linear interpolation between ranks. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface SampleSummary {
  samples: number;
  medianMs: number;
  p25Ms: number;
  p75Ms: number;
  iqrMs: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
}

export function summarize(samples: number[]): SampleSummary {
  const s = Float64Array.from(samples).sort();
  const p25 = quantile(s, 0.25);
  const p75 = quantile(s, 0.75);
  return {
    samples: s.length,
    medianMs: quantile(s, 0.5),
    p25Ms: p25,
    p75Ms: p75,
    iqrMs: p75 - p25,
    minMs: s[0],
    maxMs: s[s.length - 1],
    meanMs: s.reduce((a, b) => a + b, 0) / s.length,
  };
}
