// The script of bundle-check.html, a file of its own so that the page runs under a strict
// Content-Security-Policy (no inline script): served from dist/web/ next to the bundle.
import { loadBackend, tensor } from '../browser/attnpool.js';
const backend = await loadBackend();
const { yHat } = backend.attentionPool(tensor([1, 2]), tensor([1, 2, 3]), tensor([10, 20, 30]), 30);
document.getElementById('out').textContent = `${backend.name} ${Array.from(yHat.data).join(',')}`;
