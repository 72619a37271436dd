// dist/ on 127.0.0.1 for the browser tests, as `npm run web` serves it, plus:
// - /csp/<name>/…: the same files with the Content-Security-Policy CSP[name] on every response
//   (the page, its modules, its workers);
// - every HTML page gets <script src="/__capture.js"> first, which records uncaught errors,
//   unhandled rejections, console.error and CSP violations in window.__attnpoolErrors, for the
//   engines whose driver has no console events (WebKitWebDriver speaks classic WebDriver only).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sirv from 'sirv';

export const CSP: Record<string, string> = {
  // what issue 18 asks a page to be able to set
  strict: "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:",
  // stricter still: workers only from the page's origin, no blob: (bug 4 of issue 18)
  self: "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'",
};

const CAPTURE = `(() => {
  const errors = (window.__attnpoolErrors = []);
  const say = (s) => errors.push(String(s).slice(0, 1000));
  addEventListener('error', (e) => say(e.error ? (e.error.stack || e.error) : e.message || ('failed to load ' + (e.target && (e.target.src || e.target.href)))), true);
  addEventListener('unhandledrejection', (e) => say('unhandled rejection: ' + (e.reason && (e.reason.stack || e.reason.message) || e.reason)));
  addEventListener('securitypolicyviolation', (e) => say('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
  const error = console.error.bind(console);
  console.error = (...a) => { say(a.map(String).join(' ')); error(...a); };
})();
`;

export async function serveDist(dist: string): Promise<{ base: string; server: Server; close(): Promise<void> }> {
  const files = sirv(dist, { dev: true });
  const server = createServer((req, res) => {
    let url = req.url ?? '/';
    if (url === '/__capture.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      res.end(CAPTURE);
      return;
    }
    const csp = /^\/csp\/([a-z]+)(\/.*)$/.exec(url);
    if (csp) {
      const policy = CSP[csp[1]];
      if (!policy) {
        res.writeHead(404).end();
        return;
      }
      res.setHeader('Content-Security-Policy', policy);
      url = csp[2];
      req.url = url;
    }
    const path = url.split('?')[0];
    if (path.endsWith('.html') || path.endsWith('/')) {
      let html: string;
      try {
        html = readFileSync(join(dist, path.endsWith('/') ? `${path}index.html` : path), 'utf8');
      } catch {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html.replace(/(<meta charset="utf-8">)/i, '$1\n<script src="/__capture.js"></script>'));
      return;
    }
    files(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, server, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
