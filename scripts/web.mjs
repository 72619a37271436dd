// `npm run web`: serves dist/ (the demo page and the browser bundle) on localhost.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const port = Number(process.env.PORT ?? 8080);
createServer(sirv(root, { dev: true })).listen(port, '127.0.0.1', () => {
  console.log(`attnpool demo: http://127.0.0.1:${port}/web/  (Ctrl-C to stop)`);
});
