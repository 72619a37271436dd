import { schemeReds } from 'd3-scale-chromatic';
import { describe, expect, it } from 'vitest';
import { AttnpoolError } from '../src/errors.js';
import { cycleColor, parseColor } from '../src/plot/color.js';
import { colormap, COLORMAP_NAMES } from '../src/plot/colormap.js';
import { parseFmt } from '../src/plot/line.js';
import { autoLimits } from '../src/plot/scale.js';
import { commonDecimals, labelLinear, tickCandidates } from '../src/plot/ticks.js';

const labels = (values: number[]) => labelLinear(values).ticks.map((t) => t.label!.text);
const values = (kind: 'linear' | 'log', lo: number, hi: number, bins: number) => tickCandidates(kind, lo, hi, bins)[0].ticks.map((t) => t.value);

describe('tick labels (matplotlib ScalarFormatter)', () => {
  it('uses the fewest decimals that show every tick, the same across the axis', () => {
    expect(labels([0, 0.2, 0.4, 0.6, 0.8, 1])).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(labels([0, 1, 2, 3])).toEqual(['0', '1', '2', '3']);
    expect(labels([0, 0.05, 0.1])).toEqual(['0.00', '0.05', '0.10']);
    expect(labels([20, 40, 60])).toEqual(['20', '40', '60']);
    // floating-point noise from tick arithmetic does not add decimals
    expect(labels([0.1 + 0.2, 0.6000000000000001, 0.9])).toEqual(['0.3', '0.6', '0.9']);
  });

  it('writes negatives with a true minus sign and never "−0"', () => {
    expect(labels([-1, 0, 1])).toEqual(['\u22121', '0', '1']);
    expect(labels([-0.5, -0, 0.5])).toEqual(['\u22120.5', '0.0', '0.5']);
  });

  it('takes out a power of ten for large and tiny values (1e6, 1e−5)', () => {
    const big = labelLinear([0, 2e6, 4e6]);
    expect(big.offsetText).toBe('1e6');
    expect(big.ticks.map((t) => t.label!.text)).toEqual(['0', '2', '4']);
    const tiny = labelLinear([0, 1e-5, 2e-5]);
    expect(tiny.offsetText).toBe('1e\u22125');
    expect(tiny.ticks.map((t) => t.label!.text)).toEqual(['0', '1', '2']);
    expect(labelLinear([0, 1000, 2000]).offsetText).toBeNull();
  });

  it('counts decimals from the spacing', () => {
    expect(commonDecimals([1.25, 1.5])).toBe(2);
    expect(commonDecimals([5])).toBe(0);
  });
});

describe('tick positions (d3 ticks under matplotlib MaxNLocator rules)', () => {
  it('gives the chapter axes the ticks matplotlib draws', () => {
    expect(values('linear', 0, 5, 6)).toEqual([0, 1, 2, 3, 4, 5]); // plot_kernel_reg x
    expect(values('linear', -1, 5, 6)).toEqual([-1, 0, 1, 2, 3, 4, 5]); // plot_kernel_reg y
    expect(values('linear', 1, 5, 6)).toEqual([1, 2, 3, 4, 5]); // Animator xlim [1, 5]: at most 6 intervals
    expect(values('linear', -0.5, 9.5, 3)).toEqual([0, 5]); // eye(10) image axis, 3 bins
    expect(values('linear', -0.5, 49.5, 4)).toEqual([0, 20, 40]);
  });

  it('steps at least (hi − lo) / bins, unless a smaller step is needed to keep two ticks in view (min_n_ticks)', () => {
    for (const [lo, hi] of [
      [0, 1],
      [-3.7, 12.2],
      [1e-6, 0.075],
      [-0.99, 0.99],
      [100, 100.3],
      [0.3, 0.35],
    ]) {
      for (let bins = 1; bins <= 9; bins++) {
        const v = values('linear', lo, hi, bins);
        expect(v.length).toBeGreaterThanOrEqual(2);
        expect(v[0]).toBeGreaterThanOrEqual(lo);
        expect(v[v.length - 1]).toBeLessThanOrEqual(hi);
        const step = v[1] - v[0];
        // the next nice step up (×2 or ×2.5) would leave fewer than two ticks in [lo, hi]
        if (step < ((hi - lo) / bins) * (1 - 1e-6)) expect(Math.floor(hi / (2 * step)) - Math.ceil(lo / (2 * step))).toBeLessThan(1);
      }
    }
  });

  it('offers sparser sets after the first, down to a single tick', () => {
    const sets = tickCandidates('linear', 0, 1000, 9);
    const counts = sets.map((s) => s.ticks.length);
    expect(counts[counts.length - 1]).toBe(1);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
  });

  it('puts log majors at powers of ten labelled 10^k, minors at 2…9 × 10^k', () => {
    const [set] = tickCandidates('log', 0.1, 100, 6);
    const majors = set.ticks.filter((t) => !t.minor);
    expect(majors.map((t) => t.value)).toEqual([0.1, 1, 10, 100]);
    expect(majors.map((t) => `${t.label!.text}^${t.label!.sup}`)).toEqual(['10^\u22121', '10^0', '10^1', '10^2']);
    const minors = set.ticks.filter((t) => t.minor);
    expect(minors.length).toBe(3 * 8);
    expect(minors.every((t) => t.label === null)).toBe(true);
    // less than two decades: minor ticks get labels such as 2×10^0
    const [short] = tickCandidates('log', 1.5, 9, 6);
    expect(short.ticks.filter((t) => t.label).map((t) => `${t.label!.text}^${t.label!.sup}`)).toContain('2\u00d710^0');
  });

  it('autoscales with 5 % margins and widens a single value', () => {
    expect(autoLimits([0, 10], 'linear', 'y', 't')).toEqual([-0.5, 10.5]);
    const [a, b] = autoLimits([1, 100], 'log', 'x', 't');
    expect(Math.log10(a)).toBeCloseTo(-0.1, 12);
    expect(Math.log10(b)).toBeCloseTo(2.1, 12);
    expect(autoLimits([3, 3], 'linear', 'y', 't')).toEqual([2.835, 3.165].map((v) => expect.closeTo(v, 12))); // ±5 % of 3, then 5 % margins
    expect(() => autoLimits([-1, 0], 'log', 'x', 't')).toThrow(/positive finite x/);
  });
});

describe('colormaps from d3-scale-chromatic', () => {
  const hex = (rgb: number[]) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

  it("matplotlib's Reds: the 9 ColorBrewer colours, linear in between, 256 entries", () => {
    const reds = colormap('Reds');
    expect(hex(reds(0))).toBe('#fff5f0');
    expect(hex(reds(1))).toBe('#67000d');
    // entry i sits at x = i / 255 on the 9-colour ramp; check a few against a float64 evaluation
    const nodes = schemeReds[9].map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
    for (const i of [0, 31, 32, 100, 128, 200, 255]) {
      const x = (i / 255) * 8;
      const k = Math.min(7, Math.floor(x));
      const want = nodes[k].map((c, ch) => Math.round(c + (nodes[k + 1][ch] - c) * (x - k)));
      expect(reds((i + 0.5) / 256)).toEqual(want);
    }
    // the node colours themselves appear exactly where the ramp passes them (x = k/8 → i = 255k/8)
    expect(hex(reds(255 / 2 / 256 + 1e-9))).not.toBe(hex(reds(0)));
  });

  it("viridis is matplotlib's table (ends #440154 and #fde725)", () => {
    const v = colormap('viridis');
    expect(hex(v(0))).toBe('#440154');
    expect(hex(v(1))).toBe('#fde725');
    expect(v.lut.length).toBe(256 * 3);
  });

  it('clips values outside [0, 1]', () => {
    const reds = colormap('Reds');
    expect(reds(-3)).toEqual(reds(0));
    expect(reds(7)).toEqual(reds(1));
  });

  it('rejects an unknown name, naming cmap and the known maps', () => {
    expect(() => colormap('jet', 'showHeatmaps')).toThrow(AttnpoolError);
    expect(() => colormap('jet', 'showHeatmaps')).toThrow(/cmap must be one of 'Reds'.*'viridis'.*got "jet"/);
    expect(COLORMAP_NAMES).toContain('Reds');
  });
});

describe('format strings and colours', () => {
  it("parses d2l's formats as matplotlib does", () => {
    expect(parseFmt('-', 't')).toEqual({ color: null, line: 'solid', marker: null });
    expect(parseFmt('m--', 't')).toEqual({ color: '#bf00bf', line: 'dashed', marker: null });
    expect(parseFmt('g-.', 't')).toEqual({ color: '#008000', line: 'dashdot', marker: null });
    expect(parseFmt('r:', 't')).toEqual({ color: '#ff0000', line: 'dotted', marker: null });
    expect(parseFmt('o', 't')).toEqual({ color: null, line: 'none', marker: 'o' });
    expect(parseFmt('C1o-', 't')).toEqual({ color: '#ff7f0e', line: 'solid', marker: 'o' });
    expect(parseFmt('', 't')).toEqual({ color: null, line: 'solid', marker: null });
  });

  it('rejects malformed formats', () => {
    expect(() => parseFmt('m--r', 't')).toThrow(/two colours/);
    expect(() => parseFmt('--:', 't')).toThrow(/two line styles/);
    expect(() => parseFmt('q', 't')).toThrow(/unknown character "q"/);
    expect(() => parseFmt(3, 't')).toThrow(AttnpoolError);
  });

  it("cycles tab10 (C0 = #1f77b4) and reads matplotlib's colour letters", () => {
    expect(cycleColor(0)).toBe('#1f77b4');
    expect(cycleColor(11)).toBe('#ff7f0e');
    expect(parseColor('m', 'color', 't')).toBe('#bf00bf');
    expect(parseColor('#ABC', 'color', 't')).toBe('#aabbcc');
    expect(() => parseColor('magenta', 'color', 't')).toThrow(/color must be/);
  });
});
