import { join } from 'node:path';
import { loadBackend, type BackendName } from '../backend/load.js';
import { runChapter } from '../chapter/runChapter.js';
import { chapterFigures, type ChapterFigure } from '../chapter/figures.js';
import type { RngName } from '../chapter/data.js';
import { renderPNG } from '../plot-node/png.js';
import { commitTemporary, prepareOutputDir, removeQuietly, temporaryName, withDirectoryLock, writeTemporary } from '../io/files.js';
import { similarityFigures } from '../chapter/similarityFigures.js';

export interface FiguresCommandOptions {
  out: string;
  seed: number;
  rng: RngName;
  backend: BackendName;
  /** '1.0': d2l 1.0's "Attention Pooling by Similarity" instead of the chapter */
  edition?: '1.0';
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `attnpool figures`: computes the section and writes each of its figures as a PNG, with an index.html. */
export async function figuresCommand(o: FiguresCommandOptions, print: (line: string) => void, progress: (line: string) => void): Promise<void> {
  prepareOutputDir(o.out);
  const backend = await loadBackend(o.backend);
  if (o.edition === '1.0') {
    progress(`computing d2l 1.0's "Attention Pooling by Similarity" (seed ${o.seed}, ${backend.name} backend)`);
    const figures = similarityFigures(backend, o.seed);
    const intro = `<h1>Attention pooling by similarity (d2l 1.0)</h1>
<p>Seed ${o.seed}, ${backend.name} backend: f(x) = 2 sin x + x, 40 training points with N(0, 1) noise. d2l calls max(0, 1 − |x|) "Epanechikov"; it is the triangular kernel.</p>`;
    await writeFigures(o.out, figures, `attnpool: d2l 1.0 figures (seed ${o.seed})`, intro, print, progress);
    return;
  }
  progress(`computing the chapter (seed ${o.seed}, ${o.rng} generator, ${backend.name} backend)`);
  const lines: string[] = [];
  const run = runChapter(backend, { seed: o.seed, rng: o.rng, onEpoch: (e) => lines.push(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`) });
  const intro = `<h1>Attention pooling: Nadaraya–Watson kernel regression</h1>
<p>Seed ${o.seed} (${o.rng} generator), ${backend.name} backend, initial w ${run.w0.toFixed(6)}, learned w ${run.parametric.w.toFixed(6)}.</p>
<pre>${lines.join('\n')}</pre>`;
  await writeFigures(o.out, chapterFigures(run), `attnpool: the chapter's figures (seed ${o.seed})`, intro, print, progress);
}

async function writeFigures(
  out: string,
  figures: ChapterFigure[],
  title: string,
  intro: string,
  print: (line: string) => void,
  progress: (line: string) => void,
): Promise<void> {
  // Fail fast on a directory that cannot be written (a file in the way, /proc, a dangling symlink) before any rendering.
  const dir = prepareOutputDir(out);
  // Each file is written whole under a temporary name in the same directory; then, holding the
  // directory's lock, every figure is renamed into place and index.html last. Two runs into one
  // directory commit one after the other: every file is complete and the set is one run's.
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const [i, f] of figures.entries()) {
      const path = join(dir, f.file);
      const tmp = temporaryName(path);
      staged.push({ tmp, path });
      writeTemporary(tmp, await renderPNG(f.figure), path);
      progress(`[${i + 1}/${figures.length}] ${join(out, f.file)}`);
    }
    const html = `<!doctype html>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>body{font-family:"DejaVu Sans",sans-serif;max-width:60em;margin:2em auto}figure{margin:2em 0}img{max-width:100%}pre{background:#f6f6f6;padding:1em}</style>
${intro}
${figures.map((f) => `<figure><img src="${f.file}" alt="${escapeHtml(f.title)}"><figcaption>${escapeHtml(f.title)}</figcaption></figure>`).join('\n')}
`;
    const index = join(dir, 'index.html');
    const tmp = temporaryName(index);
    staged.push({ tmp, path: index });
    writeTemporary(tmp, html, index);
    await withDirectoryLock(dir, () => {
      for (const { tmp, path } of staged) commitTemporary(tmp, path);
    });
  } finally {
    for (const { tmp } of staged) removeQuietly(tmp);
  }
  print(`wrote ${figures.length} figures and index.html to ${out}`);
}
