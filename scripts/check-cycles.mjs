// CI check: no import cycle in src/, between files or between top-level folders (args/,
// backend/, fast/, model/, …; a file directly in src/ counts as its own node). madge resolves
// the imports; type-only imports count too, since they show the design as much as the others.
import madge from 'madge';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const graph = await madge(join(root, 'src'), { fileExtensions: ['ts'], tsConfig: join(root, 'tsconfig.json') });

const problems = graph.circular().map((cycle) => `files: ${[...cycle, cycle[0]].join(' → ')}`);

// Folders: collapse every file to its top-level folder and look for a cycle among those.
const folder = (file) => (file.includes('/') ? `${file.slice(0, file.indexOf('/'))}/` : file);
const edges = new Map();
for (const [from, tos] of Object.entries(graph.obj())) {
  for (const to of tos) {
    const a = folder(from);
    const b = folder(to);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a).add(b);
  }
}
const state = new Map(); // 1: on the stack, 2: done
const stack = [];
function visit(node) {
  state.set(node, 1);
  stack.push(node);
  for (const next of edges.get(node) ?? []) {
    if (state.get(next) === 1) problems.push(`folders: ${[...stack.slice(stack.indexOf(next)), next].join(' → ')}`);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(node, 2);
}
for (const node of edges.keys()) if (!state.has(node)) visit(node);

const skipped = graph.warnings().skipped;
if (skipped.length > 0) problems.push(`unresolved imports (the check cannot see through them): ${skipped.join(', ')}`);
if (problems.length > 0) {
  console.error(`import cycles in src/:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`no import cycle among ${Object.keys(graph.obj()).length} files of src/ and their ${edges.size} top-level folders`);
