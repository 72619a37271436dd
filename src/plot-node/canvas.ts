import { createRequire } from 'node:module';
import { AttnpoolError } from '../errors.js';
import { FONT_FAMILY } from '../plot/style.js';

type NodeCanvasModule = typeof import('canvas');

let loaded: Promise<NodeCanvasModule> | null = null;

/**
 * node-canvas, loaded on first use (it is an optional dependency: only PNG output needs it),
 * with DejaVu Sans registered from the `dejavu-fonts-ttf` package before any canvas exists —
 * Pango picks its fonts when the first canvas is made, and registering explicitly means the
 * figures never depend on the fonts a machine happens to have.
 */
export function nodeCanvas(): Promise<NodeCanvasModule> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<NodeCanvasModule> {
  let mod: NodeCanvasModule;
  try {
    const imported = (await import('canvas')) as NodeCanvasModule & { default?: NodeCanvasModule };
    mod = typeof imported.createCanvas === 'function' ? imported : imported.default!;
  } catch (e) {
    loaded = null;
    const why = (e as Error).message;
    // Deno refuses a native addon without --allow-ffi (and its files without --allow-read): canvas is there, the permission is not
    if ((e as Error).name === 'NotCapable' || (e as Error).name === 'PermissionDenied' || /run again with the --allow-/.test(why)) {
      throw new AttnpoolError('E_BACKEND', `savePNG: node-canvas is installed but the runtime refused to load it: ${why}`);
    }
    throw new AttnpoolError(
      'E_BACKEND',
      `savePNG: the optional dependency "canvas" (node-canvas) could not be loaded, so PNG files cannot be written (${(e as Error).message}). Install it with \`npm install canvas\`; it needs Cairo and Pango (Debian: libcairo2-dev libpango1.0-dev)`,
    );
  }
  const require = createRequire(import.meta.url);
  let fontPath: string;
  try {
    fontPath = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  } catch {
    loaded = null;
    throw new AttnpoolError(
      'E_BACKEND',
      'savePNG: the font package "dejavu-fonts-ttf" is missing (its ttf/DejaVuSans.ttf draws every text); install it with `npm install dejavu-fonts-ttf`',
    );
  }
  mod.registerFont(fontPath, { family: FONT_FAMILY });
  return mod;
}
