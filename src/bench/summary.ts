import { mean, quantileSorted } from 'd3-array';

/** Order statistics of timing samples in milliseconds (d3-array's quantiles: linear interpolation between ranks, R's type 7). */
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
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(s, p) ?? Number.NaN;
  return {
    samples: s.length,
    medianMs: q(0.5),
    p25Ms: q(0.25),
    p75Ms: q(0.75),
    iqrMs: q(0.75) - q(0.25),
    minMs: s[0],
    maxMs: s[s.length - 1],
    meanMs: mean(s) ?? Number.NaN,
  };
}
