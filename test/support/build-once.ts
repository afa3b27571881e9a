// The CLI tests run bin/clawline.js, which loads dist/. `npm test` builds dist/ before any test
// starts, and a test must never rebuild it then: scripts/build.mjs empties dist/ first, so a
// rebuild in one test file breaks the CLI children another file is running at that moment.
// So: build only when dist/ is missing or older than a source file (a test file run on its own
// after an edit), and serialize those builds across test processes with a lock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['main', 'preload', 'renderer', 'scripts/build.mjs'];
const BUILT = join(ROOT, 'dist/main/cli.js');

function newestSource(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, name)));
  return newest;
}

function fresh(): boolean {
  if (!existsSync(BUILT)) return false;
  const builtAt = statSync(BUILT).mtimeMs;
  return SOURCES.every((p) => !existsSync(join(ROOT, p)) || newestSource(join(ROOT, p)) <= builtAt);
}

export async function ensureBuilt(): Promise<void> {
  if (fresh()) return;
  const release = await lockfile.lock(ROOT, { lockfilePath: join(ROOT, '.build.lock'), retries: { retries: 120, minTimeout: 250, maxTimeout: 1_000 }, stale: 60_000 });
  try {
    if (fresh()) return; // another test process built it while we waited
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  } finally {
    await release();
  }
}
