// Browser builds with esbuild: the self-contained ESM bundle of the public API that a page can
// import with no build step (dist/browser/attnpool.js), and the demo page (dist/web/).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: true, logLevel: 'warning' };

await build({ ...common, entryPoints: [join(root, 'src/index.ts')], outfile: join(root, 'dist/browser/attnpool.js'), minify: true });
await build({ ...common, entryPoints: [join(root, 'web/main.ts'), join(root, 'web/worker.ts')], outdir: join(root, 'dist/web') });

// The workers' script as a file, for pages whose Content-Security-Policy forbids blob: workers
// (createWorkerPool(threads, { workerUrl })): the same code the pool otherwise starts from a blob.
const { BROWSER_WORKER_SOURCE } = await import(join(root, 'dist/backend/parallel/workerSources.generated.js'));
writeFileSync(join(root, 'dist/browser/attnpool-worker.js'), BROWSER_WORKER_SOURCE);

const web = join(root, 'dist/web');
mkdirSync(web, { recursive: true });
for (const file of ['index.html', 'bundle-check.html', 'bundle-check.js', 'pool-check.html', 'pool-check.js', 'csp-check.html', 'csp-check.js'])
  copyFileSync(join(root, 'web', file), join(web, file));
copyFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), join(web, 'DejaVuSans.ttf'));
console.log('bundle: dist/browser/attnpool.js, attnpool-worker.js and dist/web/ written');
