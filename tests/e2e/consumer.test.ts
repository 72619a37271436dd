// The package as a stranger installs it: `npm pack`, then a fresh project installs the tarball
// and uses it from Node ESM, TypeScript (node16 and bundler resolution), a browser bundle and
// the `attnpool` bin. publint and arethetypeswrong check the package metadata and types.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runtimes } from '../engines/runtimes.js';

const root = join(__dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'attnpool-consumer-'));
const app = join(work, 'app');
let tarball = '';
let packedFiles: string[] = [];

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  const packed = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work], root));
  tarball = join(work, packed[0].filename);
  packedFiles = packed[0].files.map((f: { path: string }) => f.path);
  mkdirSync(app);
  // npm 11 runs dependency install scripts only when approved; canvas builds from source in its script.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', allowScripts: { canvas: true } }));
  sh('npm', ['install', '--no-audit', '--no-fund', tarball, '@types/node@20'], app);
}, 600_000);

describe('the packed tarball', () => {
  it('holds dist (JS, .d.ts, maps), README, LICENSE, CHANGELOG and nothing of the workshop', () => {
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/node.js',
      'dist/node.d.ts',
      'dist/cli/main.js',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(packedFiles).toContain(f);
    }
    const workshop = packedFiles.filter((f) => /^(tests|bench|scripts|src|assembly|build|web|docs)\/|fixtures|\.stamp$|\.wat$/.test(f));
    expect(workshop).toEqual([]);
  });
});

describe('a consumer project', () => {
  it('imports the API from Node ESM, pools, and writes a PNG through attnpool/node', () => {
    writeFileSync(
      join(app, 'use.mjs'),
      `import { loadBackend, tensor, NWKernelRegression, train, syntheticData, plotKernelReg } from 'attnpool';
import { savePNG } from 'attnpool/node';
const be = await loadBackend();
const { xTrain, yTrain, xTest, yTruth } = syntheticData({ seed: 1 });
const m = new NWKernelRegression(be, { w: 1 });
const { losses } = train(m, { queries: xTrain, keys: xTrain, values: yTrain, targets: yTrain, excludeSelf: true });
const y = m.forward(xTest, xTrain, yTrain);
await savePNG(plotKernelReg(xTest, yTruth, y, xTrain, yTrain), 'fit.png');
const r = be.attentionPool(tensor([1, 2]), tensor([1, 2, 3]), tensor([10, 20, 30]), 30);
console.log(JSON.stringify({ backend: be.name, losses: losses.length, y: Array.from(r.yHat.data) }));
`,
    );
    const out = JSON.parse(sh(process.execPath, ['use.mjs'], app));
    expect(out).toEqual({ backend: 'wasm', losses: 5, y: [10, 20] });
    expect(readFileSync(join(app, 'fit.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  // A Node project (node16) uses both entries and has Node's types; a browser project (bundler)
  // uses only the browser entry and must type-check without them.
  it.each([
    ['node16', ['node']],
    ['bundler', []],
  ] as const)('type-checks a TypeScript consumer under moduleResolution %s', (resolution, types) => {
    const dir = join(app, `ts-${resolution}`);
    mkdirSync(dir, { recursive: true });
    const nodeOnly =
      resolution === 'node16'
        ? `import { savePNG } from 'attnpool/node';
const save: (f: { width: number; height: number; draw(ctx: CanvasRenderingContext2D): void }, p: string) => Promise<void> = savePNG;
export { save };
`
        : '';
    writeFileSync(
      join(dir, 'main.ts'),
      `import { loadBackend, tensor, NWKernelRegression, train, showHeatmaps, type Backend, type Tensor, type Figure, AttnpoolError } from 'attnpool';
const be: Backend = await loadBackend('js');
const t: Tensor = tensor([1, 2, 3]);
const r = be.attentionPool(t, t, t, 2, { weights: true });
const first: number = r.yHat.data[0];
const m = new NWKernelRegression(be, { w: 1 });
const out: { losses: number[]; ws: number[] } = train(m, { queries: t, keys: t, values: t, targets: t, excludeSelf: true });
const fig: Figure = showHeatmaps(tensor([1, 0, 0, 1], [1, 1, 2, 2]), { xlabel: 'Keys', ylabel: 'Queries' });
// @ts-expect-error a string is not a tensor's shape
tensor([1], 'x');
// @ts-expect-error the backend has no such method
be.attention(t);
export { first, out, fig, AttnpoolError };
${nodeOnly}`,
    );
    const module = resolution === 'node16' ? 'node16' : 'esnext';
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module,
          moduleResolution: resolution,
          target: 'es2022',
          strict: true,
          noEmit: true,
          lib: ['es2022', 'dom'],
          types,
          skipLibCheck: false,
        },
      }),
    );
    sh(bin('tsc'), ['-p', dir], app);
  });

  it('bundles for the browser with esbuild without canvas or any node: module', () => {
    writeFileSync(
      join(app, 'page.js'),
      `import { loadBackend, showHeatmaps } from 'attnpool';\nloadBackend().then((b) => console.log(b.name, typeof showHeatmaps));\n`,
    );
    const meta = join(app, 'meta.json');
    sh(bin('esbuild'), ['page.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=page.bundle.js', `--metafile=${meta}`], app);
    const inputs = Object.keys(JSON.parse(readFileSync(meta, 'utf8')).inputs);
    expect(inputs.some((f) => f.includes('node_modules/attnpool/dist/index.js'))).toBe(true);
    expect(inputs.filter((f) => /node_modules\/canvas\/|^node:|\(disabled\)/.test(f))).toEqual([]);
  });

  it('runs the attnpool bin from node_modules/.bin', () => {
    const out = JSON.parse(sh(join(app, 'node_modules', '.bin', 'attnpool'), ['train', '--json', '--epochs', '2'], app));
    expect(out.losses).toHaveLength(2);
    expect(existsSync(join(app, 'node_modules', 'attnpool', 'dist', 'cli', 'main.js'))).toBe(true);
  });
});

/** The ```js code blocks of README.md, in order. */
const readmeBlocks = () => [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('the core checks (tests/engines/core.mjs) on the installed tarball, under each runtime', () => {
  // bench is left to tests/e2e/engines.test.ts (the built package); the rest runs here as a user gets it
  it.each(runtimes(root).filter((r) => ['node20', 'bun', 'deno'].includes(r.name) || r.argv[0] === process.execPath))(
    '$name',
    ({ name, argv }) => {
      if (!existsSync(argv[0])) return; // tests/e2e/engines.test.ts says which runtime is missing
      const [cmd, ...pre] = argv;
      const r = spawnSync(cmd, [...pre, join(root, 'tests', 'engines', 'core.mjs'), join(app, 'node_modules', 'attnpool')], {
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, ATTNPOOL_CORE_SKIP: 'bench', NO_COLOR: '1' },
      });
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      const failed = Object.entries(result.checks as Record<string, { ok: boolean }>)
        .filter(([, c]) => !c.ok)
        .map(([k]) => k);
      expect(failed, `${name}: ${r.stdout}`).toEqual([]);
    },
    300_000,
  );
});

describe("README's examples, against the installed tarball", () => {
  it('the library example trains to the losses `attnpool train` prints', () => {
    const block = readmeBlocks().find((b) => b.includes('new NWKernelRegression'))!;
    writeFileSync(
      join(app, 'readme-library.mjs'),
      `${block}\nconsole.log(JSON.stringify({ losses, w: model.w, yHat: yHat.data.length, prediction: prediction.data.length }));\n`,
    );
    const out = JSON.parse(sh(process.execPath, ['readme-library.mjs'], app));
    const cli = sh(join(app, 'node_modules', '.bin', 'attnpool'), ['train', '--seed', '0'], app)
      .trim()
      .split('\n');
    expect(out.losses.map((l: number, i: number) => `epoch ${i + 1}, loss ${l.toFixed(6)}`)).toEqual(cli.slice(0, 5));
    expect(`w ${out.w.toFixed(6)}`).toBe(cli[5]);
  });

  it('the threads example type-checks and runs (`await be.close()`)', () => {
    const block = readmeBlocks().find((b) => b.includes('createWorkerPool(2)'))!;
    const dir = join(app, 'readme-threads');
    mkdirSync(dir, { recursive: true });
    const prelude = `import { loadBackend, createWorkerPool, syntheticData } from 'attnpool';\nconst { xTrain: q, xTrain: k, yTrain: v } = syntheticData({ seed: 0 });\n`;
    // the Node half runs; the browser half (createWorkerPool) only type-checks here
    writeFileSync(join(dir, 'main.ts'), `${prelude}${block}\nexport { yHat };\n`);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'es2022',
          strict: true,
          noEmit: true,
          lib: ['es2022', 'dom'],
          types: ['node'],
        },
      }),
    );
    sh(bin('tsc'), ['-p', dir], app);
    const nodeHalf = block.slice(0, block.indexOf('const pool'));
    writeFileSync(join(dir, 'run.mjs'), `${prelude}${nodeHalf}\nconsole.log(be.threads);\n`);
    expect(sh(process.execPath, ['run.mjs'], dir).trim()).toBe('2');
  });
});

describe('a browser-only install: npm install attnpool --omit=optional (no canvas)', () => {
  const lean = join(work, 'lean');
  beforeAll(() => {
    mkdirSync(lean, { recursive: true });
    writeFileSync(join(lean, 'package.json'), JSON.stringify({ name: 'lean', private: true, type: 'module' }));
    sh('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', tarball], lean);
  }, 600_000);

  it('has no canvas, imports both entries, pools on WASM and on threads, and savePNG says what is missing', () => {
    expect(existsSync(join(lean, 'node_modules', 'canvas'))).toBe(false);
    writeFileSync(
      join(lean, 'use.mjs'),
      `import { loadBackend, syntheticData, NWKernelRegression, train } from 'attnpool';
import { savePNG } from 'attnpool/node';
const one = await loadBackend();
const be = await loadBackend('wasm', { threads: 2 });
const x = Float32Array.from({ length: 1024 }, (_, i) => (i * 0.37) % 5);
const y = x.map((v) => Math.sin(v));
const a = be.attentionPool(x, x, y, 3, { method: 'dense' }).yHat.data;
const b = one.attentionPool(x, x, y, 3, { method: 'dense' }).yHat.data;
await be.close();
const d = syntheticData({ seed: 0 });
const { losses } = train(new NWKernelRegression(one, { w: 1 }), { queries: d.xTrain, keys: d.xTrain, values: d.yTrain, targets: d.yTrain, excludeSelf: true });
const png = await savePNG({ width: 2, height: 2, draw() {} }, 'x.png').then(() => 'written', (e) => e.code + ': ' + e.message);
console.log(JSON.stringify({ backend: one.name, threads: be.threads, same: a.every((v, i) => Object.is(v, b[i])), losses: losses.length, png }));
`,
    );
    const out = JSON.parse(sh(process.execPath, ['use.mjs'], lean));
    expect(out).toMatchObject({ backend: 'wasm', threads: 2, same: true, losses: 5 });
    expect(out.png).toMatch(/^E_BACKEND: .*"canvas".*npm install canvas/);
  });
});

describe('package metadata', () => {
  it('publint reports no problems', () => {
    const out = sh(bin('publint'), ['--strict'], root);
    expect(out).toMatch(/All good!/);
  });

  it('arethetypeswrong reports no problems for an ESM-only package (node16 from ESM, bundler)', () => {
    const r = spawnSync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    // Every resolution that the profile checks is green; CommonJS and node10 are outside it.
    const checked = r.stdout.match(/^(node16 \(from ESM\)|bundler):.*$/gm) ?? [];
    expect(checked).toHaveLength(6);
    for (const line of checked) expect(line).toContain('🟢');
  });
});
