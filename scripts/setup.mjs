// Makes a fresh clone ready to run: system libraries for node-canvas, npm dependencies,
// and the build. Each step runs only when needed, so it is cheap to call before every
// `npm test` / `npm run chapter`. Uses nothing but Node's standard library.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRuntimes } from './engines.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[setup] ${msg}`);
const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env });
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// node-canvas builds from source here (its prebuilt binary cannot be downloaded), so it
// needs a compiler and Cairo/Pango headers. Debian package names:
const aptPackages = ['build-essential', 'pkg-config', 'libcairo2-dev', 'libpango1.0-dev', 'libjpeg-dev', 'libgif-dev', 'librsvg2-dev'];

function missingAptPackages(wanted) {
  if (!has('dpkg-query')) return [];
  return wanted.filter((p) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

export function ensureApt(wanted, why) {
  const missing = missingAptPackages(wanted);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    say(`${why} needs system packages that are missing: ${missing.join(' ')}`);
    say(`run as root: ${command}`);
    process.exit(1);
  }
  say(`installing ${missing.join(' ')} (${why})`);
  run('sh', ['-c', command], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry.endsWith('.generated.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function canvasLoads() {
  const r = spawnSync(process.execPath, ['-e', "require('canvas').createCanvas(1, 1)"], { cwd: root, stdio: 'ignore' });
  return r.status === 0;
}

ensureApt(aptPackages, 'node-canvas (PNG figures)');
// The browser tests (`--browser`, from `npm test`) drive Debian's browsers, never one
// downloaded by a test tool: Chromium through playwright-core, Firefox ESR through
// puppeteer-core (WebDriver BiDi), WebKitGTK's MiniBrowser through WebKitWebDriver and
// selenium-webdriver under Xvfb. The same step installs the other runtimes the engine tests
// run under (Node 22 and 24, Bun, Deno; scripts/engines.mjs) from the npm registry.
if (process.argv.includes('--browser')) {
  ensureApt(['chromium', 'firefox-esr', 'webkit2gtk-driver', 'xvfb'], 'the browser tests');
  ensureRuntimes(say);
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (!canvasLoads()) {
  say('building node-canvas from source');
  run('npm', ['rebuild', 'canvas']);
  if (!canvasLoads()) {
    say('node-canvas still does not load; see the messages above');
    process.exit(1);
  }
}

const stamp = join(root, 'dist', '.stamp');
const sources = ['assembly', 'src', 'web', 'scripts/build.mjs', 'scripts/bundle.mjs', 'asconfig.json', 'tsconfig.json', 'package-lock.json'];
const newestSource = Math.max(...sources.map((s) => newestMtime(join(root, s))));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestSource) {
  say('building (npm run build)');
  run('npm', ['run', 'build', '--silent']);
}
