// One small driver interface over the three browser engines the tests run, each from Debian:
// - Chromium (/usr/bin/chromium) through playwright-core (CDP);
// - Firefox ESR (/usr/bin/firefox-esr) through puppeteer-core over WebDriver BiDi;
// - WebKitGTK (WebKitWebDriver with its MiniBrowser) through selenium-webdriver (classic
//   WebDriver), under an Xvfb display of its own (MiniBrowser has no headless mode).
// None downloads a browser. A page's errors are what the engine reports (console errors, uncaught
// errors) plus what the test server's capture script recorded (tests/engines/server.ts), which is
// all there is for WebKit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit'];

export interface BrowserPage {
  /** Runs `fn(arg)` in the page (fn is sent as its source: no closures) and returns its JSON result. */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>;
  /** Polls `fn` in the page until it returns a truthy value. */
  waitFor<A = undefined>(fn: (arg: A) => unknown, arg?: A, timeoutMs?: number): Promise<void>;
  /** Console errors, uncaught errors and CSP violations so far. */
  errors(): Promise<string[]>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface BrowserSession {
  readonly engine: EngineName;
  /** the browser's own version, e.g. "chromium 156.0.8078.73" */
  readonly version: string;
  open(url: string): Promise<BrowserPage>;
  close(): Promise<void>;
}

const EXECUTABLES: Record<EngineName, string[]> = {
  chromium: ['/usr/bin/chromium'],
  firefox: ['/usr/bin/firefox-esr'],
  webkit: ['/usr/bin/WebKitWebDriver', MINIBROWSER(), '/usr/bin/xvfb-run'],
};
function MINIBROWSER(): string {
  return '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
}

/** Null when the engine can run here, else what is missing (the Debian package to install). */
export function missing(engine: EngineName): string | null {
  const absent = EXECUTABLES[engine].filter((p) => !existsSync(p));
  return absent.length === 0
    ? null
    : `${absent.join(', ')} (apt-get install ${{ chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver xvfb' }[engine]})`;
}

export async function launch(engine: EngineName): Promise<BrowserSession> {
  if (engine === 'chromium') return launchChromium();
  if (engine === 'firefox') return launchFirefox();
  return launchWebKit();
}

const source = (fn: (arg: never) => unknown, arg: unknown) => `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`;
const capturedErrors = () => ((window as unknown as { __attnpoolErrors?: string[] }).__attnpoolErrors ?? []).slice();

async function poll(check: () => Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- Chromium: playwright-core -----------------------------------------------------------------

async function launchChromium(): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    engine: 'chromium',
    version: `chromium ${browser.version()}`,
    async open(url) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      return {
        evaluate: (fn, arg) => page.evaluate(source(fn as never, arg)),
        waitFor: (fn, arg, timeoutMs = 60_000) => poll(() => page.evaluate(source(fn as never, arg)), timeoutMs, fn.toString()),
        errors: async () => errors.slice(),
        screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
        close: () => page.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- Firefox: puppeteer-core over WebDriver BiDi ------------------------------------------------

async function launchFirefox(): Promise<BrowserSession> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    defaultViewport: { width: 1400, height: 1000 },
  });
  const version = (await browser.version()).replace('/', ' ');
  return {
    engine: 'firefox',
    version,
    async open(url) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(url);
      return {
        evaluate: (fn, arg) => page.evaluate(source(fn as never, arg)) as never,
        waitFor: (fn, arg, timeoutMs = 60_000) => poll(() => page.evaluate(source(fn as never, arg)), timeoutMs, fn.toString()),
        errors: async () => errors.slice(),
        screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
        close: () => page.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- WebKit: WebKitWebDriver + MiniBrowser, under Xvfb, through selenium-webdriver -------------

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

async function launchWebKit(): Promise<BrowserSession> {
  const { Builder, Capabilities } = (await import('selenium-webdriver')) as typeof import('selenium-webdriver') & { default?: unknown };
  const port = await freePort();
  // xvfb-run -a: a free display for MiniBrowser; its own process group, so that closing ends
  // Xvfb, the driver and the browser together
  const driverProcess: ChildProcess = spawn('xvfb-run', ['-a', '-s', '-screen 0 1400x1000x24', 'WebKitWebDriver', `--port=${port}`], {
    detached: true,
    stdio: 'ignore',
  });
  const stop = () => {
    try {
      process.kill(-driverProcess.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    await poll(
      async () =>
        fetch(`http://127.0.0.1:${port}/status`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      'WebKitWebDriver to listen',
    );
    const caps = new Capabilities();
    caps.setBrowserName('MiniBrowser');
    caps.set('webkitgtk:browserOptions', { binary: MINIBROWSER(), args: ['--automation'] });
    const driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(caps).build();
    await driver
      .manage()
      .window()
      .setRect({ width: 1400, height: 1000 })
      .catch(() => {});
    const version = `webkitgtk ${(await driver.getCapabilities()).get('browserVersion')}`;
    const exec = async <T>(fn: (arg: never) => unknown, arg: unknown): Promise<T> => {
      // executeAsyncScript: the page's promise resolves the WebDriver callback (JSON values only)
      const r = (await driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
         Promise.resolve().then(() => ${source(fn, arg)}).then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String((e && (e.stack || e.message)) || e) }));`,
      )) as { value?: T; error?: string };
      if (r.error) throw new Error(r.error);
      return r.value as T;
    };
    await driver.manage().setTimeouts({ script: 120_000 });
    let open = false;
    return {
      engine: 'webkit',
      version,
      async open(url) {
        // classic WebDriver: one window; a page "closes" by navigating away
        if (open) await driver.get('about:blank');
        open = true;
        await driver.get(url);
        return {
          evaluate: (fn, arg) => exec(fn as never, arg),
          waitFor: (fn, arg, timeoutMs = 60_000) => poll(() => exec(fn as never, arg), timeoutMs, fn.toString()),
          errors: () => exec<string[]>(capturedErrors as never, undefined),
          screenshot: async (path) => writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64')),
          close: async () => void (await driver.get('about:blank')),
        };
      },
      async close() {
        await driver.quit().catch(() => {});
        stop();
      },
    };
  } catch (err) {
    stop();
    throw err;
  }
}

/** The Debian package version of an engine, for the record (dpkg-query). */
export function debianVersion(engine: EngineName): string {
  const pkg = { chromium: 'chromium', firefox: 'firefox-esr', webkit: 'webkit2gtk-driver' }[engine];
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : 'unknown';
}
