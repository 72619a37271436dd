// The Node-only entry, `attnpool/node`: everything in `attnpool`, plus PNG files through
// node-canvas and data files from disk.
export * from './index.js';
export { savePNG, renderPNG, renderFigure } from './plot-node/index.js';
export { readData } from './io/readData.js';
export { parseCsv, parseJson, parseData, type XYData } from './io/parseData.js';
