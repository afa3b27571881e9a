// `npm start`: runs the tray app with Electron when this machine has Electron's binary;
// otherwise runs the very same gateway headless (`clawline gateway run`), whose window opens in
// a browser with `npx clawline dashboard`. Builds first when dist/ is missing.
// Arguments after `npm start --` are passed on (e.g. `npm start -- --state-dir /tmp/x`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);

/** The Electron executable, or undefined when its binary was never downloaded (CI, offline). */
function electronBinary() {
  try {
    // The electron package exports the binary's path, or throws when it is not installed.
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const electron = electronBinary();
const needed = ['dist/main/cli.js', 'dist/renderer/index.html', ...(electron ? ['dist/main/desktop.js', 'dist/preload/preload.cjs'] : [])];
if (needed.some((f) => !existsSync(`${root}${f}`))) {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

let child;
if (electron) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn the app into a plain Node process
  child = spawn(electron, ['.', ...args], { cwd: root, stdio: 'inherit', env });
} else {
  process.stderr.write('Electron is not available on this machine, so Clawline runs headless: the gateway starts below; open its window in your browser with "npx clawline dashboard" (stop with Ctrl+C).\n');
  const stateDir = args.includes('--state-dir') ? args.splice(args.indexOf('--state-dir'), 2) : [];
  child = spawn(process.execPath, ['bin/clawline.js', ...stateDir, 'gateway', 'run', ...args], { cwd: root, stdio: 'inherit' });
}

// Ctrl+C reaches the child through the terminal; a plain kill of this script is passed on.
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
process.on('SIGINT', () => {});
child.on('error', (err) => {
  process.stderr.write(`clawline: could not start ${electron ? 'Electron' : 'the gateway'}: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
