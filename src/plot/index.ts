/** Figures drawn through the Canvas 2D API only: safe to import in browsers (no node: modules, no `canvas`). */
export type { Figure, Measure, Rect } from './figure.js';
export { measureWith } from './figure.js';
export type { FigureLayout, LaidOutFigure } from './layout.js';
export type { PlacedText, RichText } from './text.js';
export { DEFAULT_DPI, FONT_FAMILY } from './style.js';
export { colormap, COLORMAP_NAMES, type Colormap } from './colormap.js';
export { showHeatmaps, type HeatmapOptions } from './heatmaps.js';
export { plot, D2L_FMTS, type PlotOptions, type PlotSeries, type SeriesInput } from './plot.js';
export { plotKernelReg, type KernelRegOptions } from './kernelReg.js';
export { plotLoss, type LossOptions } from './loss.js';
export { LEGEND_LOCATIONS, type LegendLoc } from './legend.js';
export type { ScaleKind } from './ticks.js';
export { sideBySide } from './sideBySide.js';
