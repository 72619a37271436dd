import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBackend, type BackendName } from '../backend/load.js';
import { runChapter } from '../chapter.js';
import { chapterFigures } from '../chapterFigures.js';
import type { RngName } from '../model/data.js';
import { savePNG } from '../node.js';

export interface FiguresCommandOptions {
  out: string;
  seed: number;
  rng: RngName;
  backend: BackendName;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `attnpool figures`: computes the section and writes each of its figures as a PNG, with an index.html. */
export async function figuresCommand(o: FiguresCommandOptions, print: (line: string) => void, progress: (line: string) => void): Promise<void> {
  const backend = await loadBackend(o.backend);
  progress(`computing the chapter (seed ${o.seed}, ${o.rng} generator, ${backend.name} backend)`);
  const lines: string[] = [];
  const run = runChapter(backend, { seed: o.seed, rng: o.rng, onEpoch: (e) => lines.push(`epoch ${e.epoch}, loss ${e.loss.toFixed(6)}`) });
  mkdirSync(o.out, { recursive: true });
  const figures = chapterFigures(run);
  for (const [i, f] of figures.entries()) {
    const path = join(o.out, f.file);
    await savePNG(f.figure, path);
    progress(`[${i + 1}/${figures.length}] ${path}`);
  }
  const html = `<!doctype html>
<meta charset="utf-8">
<title>attnpool: the chapter's figures (seed ${o.seed})</title>
<style>body{font-family:"DejaVu Sans",sans-serif;max-width:60em;margin:2em auto}figure{margin:2em 0}pre{background:#f6f6f6;padding:1em}</style>
<h1>Attention pooling: Nadaraya–Watson kernel regression</h1>
<p>Seed ${o.seed} (${o.rng} generator), ${backend.name} backend, initial w ${run.w0.toFixed(6)}, learned w ${run.parametric.w.toFixed(6)}.</p>
<pre>${lines.join('\n')}</pre>
${figures.map((f) => `<figure><img src="${f.file}" alt="${escape(f.title)}"><figcaption>${escape(f.title)}</figcaption></figure>`).join('\n')}
`;
  writeFileSync(join(o.out, 'index.html'), html);
  print(`wrote ${figures.length} figures and index.html to ${o.out}`);
}
