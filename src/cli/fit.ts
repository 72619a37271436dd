import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { AttnpoolError } from '../errors.js';
import { measureWith, type Figure } from '../plot/figure.js';
import { showHeatmaps } from '../plot/heatmaps.js';
import { plot } from '../plot/plot.js';
import { sideBySide } from '../plot/sideBySide.js';
import { savePNG } from '../plot-node/png.js';
import { BANDWIDTH_RULES, kernelRegression, type KernelRegressionFit } from '../regression/kernelRegression.js';

/** The options of `attnpool fit`, as commander hands them over (strings unparsed). */
export interface FitCommandOptions {
  /** the CSV file: a header row, then one row per point */
  data: string;
  /** the x columns, comma-separated names (default: every column but y) */
  x?: string;
  /** the y column's name (default: the last column) */
  y?: string;
  regression?: 'lc' | 'll';
  /** 'cv_ls' (default), 'aic', or h1,h2,… ('inf' or 'Infinity' for h = ∞) */
  bandwidth?: string;
  /** a CSV file of query points: a header naming the x columns (or exactly d columns), one row per point */
  predict?: string;
  json?: boolean;
  /** write a PNG of the fit */
  plot?: string;
}

/** Above this many points the bandwidth search reports on stderr that it is running. */
const LONG_RUN = 2000;

/** A CSV file as a header and numeric rows; errors name the file, line and column. */
async function readTable(path: string): Promise<{ header: string[]; rows: number[][] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AttnpoolError('E_PARSE', `${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new AttnpoolError('E_PARSE', `${path}: not a CSV file (${(err as Error).message})`);
  }
  if (records.length < 2) throw new AttnpoolError('E_PARSE', `${path}: expected a header row and at least one row of numbers, got ${records.length} row(s)`);
  const [header, ...body] = records;
  const rows = body.map((r, i) =>
    r.map((cell, j) => {
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v))
        throw new AttnpoolError('E_PARSE', `${path}: line ${i + 2}, column "${header[j]}": expected a finite number, got ${JSON.stringify(cell)}`);
      return v;
    }),
  );
  return { header, rows };
}

/** The index of a named column. */
function column(header: string[], name: string, path: string, what: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw new AttnpoolError('E_OPTION', `${what}: no column "${name}" in ${path} (columns: ${header.join(', ')})`);
  return i;
}

/** The --bandwidth option: 'cv_ls', 'aic', or h per variable. */
function bandwidthOption(text: string | undefined, d: number): (typeof BANDWIDTH_RULES)[number] | number[] {
  if (text === undefined) return BANDWIDTH_RULES[0];
  const rule = BANDWIDTH_RULES.find((r) => r === text);
  if (rule) return rule;
  const hs = text.split(',').map((t) => {
    const s = t.trim();
    const v = s === 'inf' || s === 'Infinity' ? Infinity : Number(s);
    if (s === '' || Number.isNaN(v) || !(v > 0))
      throw new AttnpoolError('E_OPTION', `--bandwidth: expected ${BANDWIDTH_RULES.join(', ')} or h1,h2,… with each h > 0 (or inf), got "${text}"`);
    return v;
  });
  if (hs.length === 1 && d > 1) return new Array<number>(d).fill(hs[0]);
  return hs;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
/** JSON has no Infinity: written as the string "Infinity", as `attnpool bandwidth --json` does. */
const jsonNumber = (v: number) => (Number.isFinite(v) ? v : String(v));

/**
 * `attnpool fit`: kernel regression of one CSV column on others (statsmodels' KernelReg, np's
 * npreg): the bandwidths, the leave-one-out CV, np's R², and with --predict the predictions at
 * other points; --json prints one object instead; --plot draws the fit (d = 1: the fit over the
 * points; d = 2: a heatmap of ŷ over the data's range; d > 2: one partial-dependence curve per
 * variable). Progress goes to `progress` (stderr) on long runs.
 */
export async function fitCommand(o: FitCommandOptions, print: (line: string) => void, progress: (line: string) => void): Promise<void> {
  const table = await readTable(o.data);
  const { header } = table;
  const yIndex = o.y === undefined ? header.length - 1 : column(header, o.y, o.data, '--y');
  const xNames = o.x === undefined ? header.filter((_, i) => i !== yIndex) : o.x.split(',').map((s) => s.trim());
  if (xNames.length === 0) throw new AttnpoolError('E_OPTION', `--x: expected at least one x column besides y ("${header[yIndex]}") in ${o.data}`);
  const xIndex = xNames.map((name) => column(header, name, o.data, '--x'));
  if (xIndex.includes(yIndex)) throw new AttnpoolError('E_OPTION', `--x: the y column "${header[yIndex]}" cannot also be an x column`);
  const n = table.rows.length;
  const d = xIndex.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = table.rows[i];
    for (let k = 0; k < d; k++) x[i * d + k] = r[xIndex[k]];
    y[i] = r[yIndex];
  }
  const bandwidth = bandwidthOption(o.bandwidth, d);
  const regression = o.regression ?? 'lc';
  if (n > LONG_RUN && typeof bandwidth === 'string') progress(`fit: choosing ${d} bandwidth(s) by ${bandwidth} on ${n} points (O(n²) per evaluation)…`);
  const t0 = Date.now();
  const fit = kernelRegression({ data: x, shape: [n, d] }, y, { regression, bandwidth });
  if (n > LONG_RUN) progress(`fit: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let predictions: Float64Array | undefined;
  if (o.predict) {
    const q = await readTable(o.predict);
    const cols = xNames.every((name) => q.header.includes(name))
      ? xNames.map((name) => q.header.indexOf(name))
      : q.header.length === d
        ? xNames.map((_, k) => k)
        : null;
    if (!cols)
      throw new AttnpoolError('E_PARSE', `${o.predict}: expected the x columns ${xNames.join(', ')} (or exactly ${d} columns), got ${q.header.join(', ')}`);
    predictions = fit.predict({ data: Float64Array.from(q.rows.flatMap((r) => cols.map((c) => r[c]))), shape: [q.rows.length, d] });
  }

  if (o.plot) await savePNG(fitFigure(fit, x, y, n, d, xNames, header[yIndex]), o.plot);

  if (o.json) {
    const out: Record<string, unknown> = { bandwidth: Array.from(fit.bandwidth, jsonNumber), w: Array.from(fit.w), cv: fit.cv, rSquared: fit.rSquared };
    if (predictions) out.predictions = Array.from(predictions);
    print(JSON.stringify(out));
    return;
  }
  const method = typeof bandwidth === 'string' ? bandwidth : 'given';
  print(
    `kernel regression of ${header[yIndex]} on ${xNames.join(', ')}: ${regression === 'll' ? 'local linear' : 'local constant'}, Gaussian kernel, n ${n}, bandwidths ${method}`,
  );
  xNames.forEach((name, k) => {
    print(
      `  ${name}: h ${fmt(fit.bandwidth[k])}  (w = 1/h ${fmt(fit.w[k])})${fit.w[k] === 0 ? (regression === 'll' ? '  enters linearly' : '  smoothed out') : ''}`,
    );
  });
  print(`CV ${fmt(fit.cv)} (mean squared leave-one-out error)`);
  print(`R² ${fit.rSquared.toFixed(6)} (np's, centred at the mean of ${header[yIndex]})`);
  if (fit.localMinima && fit.localMinima.length > 1) {
    print(`local minima of ${method}: ${fit.localMinima.length}`);
    for (const m of fit.localMinima.slice(0, 10)) print(`  h ${Array.from(m.bandwidth, fmt).join(', ')}  ${fmt(m.value)}`);
  }
  if (predictions) {
    print(`predictions (${predictions.length}):`);
    for (const p of predictions) print(`  ${fmt(p)}`);
  }
}

/** Points of a grid over [lo, hi]. */
const grid = (lo: number, hi: number, count: number) => Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));

function range(x: Float64Array, n: number, d: number, k: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, x[i * d + k]);
    hi = Math.max(hi, x[i * d + k]);
  }
  return [lo, hi];
}

/** The figure of --plot. */
function fitFigure(fit: KernelRegressionFit, x: Float64Array, y: Float64Array, n: number, d: number, xNames: string[], yName: string): Figure {
  if (d === 1) {
    // as plot_kernel_reg: the fit as a line over the points
    const [lo, hi] = range(x, n, 1, 0);
    const xs = grid(lo, hi, 200);
    return plot(xs, [fit.predict(xs)], {
      xlabel: xNames[0],
      ylabel: yName,
      legend: ['Pred'],
      fmts: ['m--'],
      series: [{ x: Array.from(x), y: Array.from(y), fmt: 'o', alpha: 0.5 }],
    });
  }
  if (d === 2) {
    // ŷ over the data's range, row 0 at the top (the largest x2)
    const size = 60;
    const [lo0, hi0] = range(x, n, 2, 0);
    const [lo1, hi1] = range(x, n, 2, 1);
    const g0 = grid(lo0, hi0, size);
    const g1 = grid(hi1, lo1, size);
    const q = new Float64Array(size * size * 2);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        q[2 * (r * size + c)] = g0[c];
        q[2 * (r * size + c) + 1] = g1[r];
      }
    }
    const yHat = fit.predict({ data: q, shape: [size * size, 2] });
    const heatmap = showHeatmaps(
      { data: Float32Array.from(yHat), shape: [1, 1, size, size] },
      {
        xlabel: `${xNames[0]} (cells: ${fmt(lo0)} … ${fmt(hi0)})`,
        ylabel: `${xNames[1]} (${fmt(hi1)} … ${fmt(lo1)})`,
        titles: [`ŷ of ${yName}`],
        cmap: 'viridis',
        figsize: [3.5, 3.5],
      },
    );
    // the data points on top, white rings: cell centres are the grid values
    return {
      width: heatmap.width,
      height: heatmap.height,
      dpi: heatmap.dpi,
      layout: heatmap.layout,
      draw(ctx: CanvasRenderingContext2D) {
        heatmap.draw(ctx);
        const rect = (heatmap.layout(measureWith(ctx)) as { panels: { x: number; y: number; width: number; height: number }[] }).panels[0];
        const cell = rect.width / size;
        ctx.save();
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.8)';
        ctx.lineWidth = Math.max(1, heatmap.dpi / 150);
        for (let i = 0; i < n; i++) {
          const px = rect.x + (0.5 + ((x[2 * i] - lo0) / (hi0 - lo0 || 1)) * (size - 1)) * cell;
          const py = rect.y + (0.5 + ((hi1 - x[2 * i + 1]) / (hi1 - lo1 || 1)) * (size - 1)) * cell;
          ctx.beginPath();
          ctx.arc(px, py, 2.2 * ctx.lineWidth, 0, 2 * Math.PI);
          ctx.stroke();
        }
        ctx.restore();
      },
    } as Figure;
  }
  // d > 2: partial dependence, the mean of ŷ over the data with x_k set to each grid value
  const panels = xNames.map((name, k) => {
    const [lo, hi] = range(x, n, d, k);
    const xs = grid(lo, hi, 30);
    const pd = xs.map((v) => {
      const q = Float64Array.from(x);
      for (let i = 0; i < n; i++) q[i * d + k] = v;
      const p = fit.predict({ data: q, shape: [n, d] });
      return p.reduce((s, a) => s + a, 0) / n;
    });
    return plot(xs, [pd], { xlabel: name, ylabel: k === 0 ? `partial dependence of ${yName}` : undefined, figsize: [2.5, 2.5] });
  });
  return sideBySide(panels);
}
