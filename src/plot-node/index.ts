/** Node-only figure output: PNG files through node-canvas. */
export { renderFigure, renderPNG, savePNG } from './png.js';
export { nodeCanvas } from './canvas.js';
