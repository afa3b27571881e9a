// Bundles the three Electron targets and the CLI with esbuild (offline, no downloads).
// main + cli: ESM for Node/Electron main, node_modules left external (electron-builder packs them).
// preload: one CommonJS file, because a sandboxed preload cannot load ESM or other files.
// renderer: one browser bundle plus its static files.
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
await rm(`${root}dist`, { recursive: true, force: true });

const common = { bundle: true, sourcemap: true, logLevel: 'warning', absWorkingDir: root };
const tasks = [
  build({
    ...common,
    entryPoints: { 'main/cli': 'main/cli/index.ts', ...(existsSync(`${root}main/desktop/index.ts`) ? { 'main/desktop': 'main/desktop/index.ts' } : {}) },
    outdir: 'dist',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Split chunks so each CLI command loads only what it uses (Baileys alone costs ~0.4 s).
    splitting: true,
    chunkNames: 'main/chunks/[name]-[hash]',
    banner: { js: "import { createRequire as __clawlineCreateRequire } from 'node:module'; const require = __clawlineCreateRequire(import.meta.url);" },
  }),
];
if (existsSync(`${root}preload/index.ts`)) {
  tasks.push(build({ ...common, entryPoints: ['preload/index.ts'], outfile: 'dist/preload/preload.cjs', platform: 'node', format: 'cjs', target: 'node20', external: ['electron'] }));
}
if (existsSync(`${root}renderer/app.ts`)) {
  tasks.push(build({ ...common, entryPoints: ['renderer/app.ts'], outfile: 'dist/renderer/app.js', platform: 'browser', format: 'esm', target: 'chrome120' }));
}
await Promise.all(tasks);
if (existsSync(`${root}renderer/static`)) {
  await mkdir(`${root}dist/renderer`, { recursive: true });
  await cp(`${root}renderer/static`, `${root}dist/renderer`, { recursive: true });
}
console.log('build: dist/ ready');
