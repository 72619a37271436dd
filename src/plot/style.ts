/**
 * matplotlib's default style (its `rcParams`), in typographic points, so every figure is
 * drawn at the sizes matplotlib draws d2l's figures with. Converted to pixels with the
 * figure's dpi: 1 pt = dpi / 72 px, as matplotlib does.
 */

/**
 * Dots per inch when a figure is given none. matplotlib's `savefig` default is 100, which
 * makes d2l's 3.5 × 2.5 in plots only 350 × 250 px; 150 gives PNGs that stay crisp at the
 * size a README or a notebook shows them (525 × 375 px), with the same proportions.
 */
export const DEFAULT_DPI = 150;

/** The font family every text is drawn in: matplotlib's default, DejaVu Sans. */
export const FONT_FAMILY = 'DejaVu Sans';

/** A CSS font string for `ctx.font`; sans-serif only if DejaVu Sans is not available. */
export function fontString(sizePx: number): string {
  return `${sizePx}px "${FONT_FAMILY}", sans-serif`;
}

/**
 * DejaVu Sans vertical metrics, in ems, as matplotlib lays text out: a line reaches up to the
 * top of 'l' and down to the bottom of 'p' (matplotlib measures "lp"). DIGIT_HEIGHT is the
 * height of the digits, used to centre tick labels on their ticks ('center_baseline').
 */
export const FONT_ASCENT = 0.76;
export const FONT_DESCENT = 0.236;
export const DIGIT_HEIGHT = 0.729;

/** Points to pixels at a dpi. */
export function ptToPx(pt: number, dpi: number): number {
  return (pt * dpi) / 72;
}

/** matplotlib's rcParams that the figures use, in points unless said otherwise. */
export const RC = {
  fontSize: 10, // font.size; tick labels, axis labels and legend are 'medium' = 10 pt
  titleSize: 12, // axes.titlesize 'large'
  axesLineWidth: 0.8, // axes.linewidth: the frame (spines) and colorbar outline
  labelPad: 4, // axes.labelpad: tick labels to axis label
  titlePad: 6, // axes.titlepad: axes top to title
  majorTickSize: 3.5, // xtick.major.size, ytick.major.size (direction 'out')
  majorTickWidth: 0.8,
  majorTickPad: 3.5, // tick mark to tick label
  minorTickSize: 2,
  minorTickWidth: 0.6,
  minorTickPad: 3.4,
  lineWidth: 1.5, // lines.linewidth
  markerSize: 6, // lines.markersize: marker diameter
  markerEdgeWidth: 1, // lines.markeredgewidth
  gridColor: '#b0b0b0', // grid.color
  gridLineWidth: 0.8, // grid.linewidth
  margin: 0.05, // axes.xmargin / ymargin: autoscaled limits pad the data range by 5 %
  figurePad: 5, // blank border kept around everything drawn (matplotlib's tight bbox keeps ~7 pt)
  /** Dash patterns of linestyles, in multiples of the line width (lines.scale_dashes). */
  dashes: {
    dashed: [3.7, 1.6],
    dashdot: [6.4, 1.6, 1, 1.6],
    dotted: [1, 1.65],
  },
  legend: {
    // all in font sizes (ems) except the colours and alpha, as matplotlib's legend.* keys
    borderPad: 0.4,
    labelSpacing: 0.5,
    handleLength: 2,
    handleHeight: 0.7,
    handleTextPad: 0.8,
    borderAxesPad: 0.5,
    frameAlpha: 0.8,
    edgeColor: '#cccccc', // legend.edgecolor '0.8'
    frameLineWidth: 1, // patch.linewidth, points
    cornerRadius: 0.2, // fancybox rounding_size
  },
  colorbar: {
    shrink: 0.6, // d2l: fig.colorbar(..., shrink=0.6)
    aspect: 20, // long side / short side
    pad: 0.05, // gap to the panels, as a fraction of the panels' width
  },
  subplots: {
    wspace: 0.2, // gap between panel columns, fraction of the panel width
    hspace: 0.2, // gap between panel rows, fraction of the panel height
  },
} as const;
