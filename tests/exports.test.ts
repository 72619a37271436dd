// The public surface, written down once: adding, removing or renaming an export must change
// this list on purpose (and the changelog with it).
import { describe, expect, it } from 'vitest';
import * as browser from '../src/index.js';
import * as node from '../src/node.js';

const BROWSER = [
  'AttnpoolError',
  'COLORMAP_NAMES',
  'D2L_FMTS',
  'DEFAULT_DPI',
  'FONT_FAMILY',
  'KERNEL_NAMES',
  'LEGEND_LOCATIONS',
  'NWKernelRegression',
  'TorchGenerator',
  'averagePooling',
  'chapterFigures',
  'chapterFunction',
  'chapterStart',
  'colormap',
  'createWorkerPool',
  'fallbackReason',
  'kernelRegression',
  'leaveOneOut',
  'loadBackend',
  'looCurve',
  'measureWith',
  'optimalBandwidth',
  'plot',
  'plotKernelReg',
  'plotLoss',
  'runChapter',
  'showHeatmaps',
  'sideBySide',
  'similarityData',
  'similarityFigures',
  'similarityFunction',
  'syntheticData',
  'tensor',
  'torchChapterData',
  'train',
];
const NODE_ONLY = ['parseCsv', 'parseData', 'parseJson', 'readData', 'renderFigure', 'renderPNG', 'savePNG'];

describe('public exports', () => {
  it('attnpool (browser-safe) exports exactly these names', () => {
    expect(Object.keys(browser).sort()).toEqual([...BROWSER].sort());
  });

  it('attnpool/node exports all of them plus the Node-only ones', () => {
    expect(Object.keys(node).sort()).toEqual([...BROWSER, ...NODE_ONLY].sort());
  });
});
