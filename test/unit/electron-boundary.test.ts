// Only main/desktop/ and preload/ may import electron as a value: everything else must run
// (and be tested) under plain Node, where no Electron binary exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const ALLOWED = ['main/desktop/', 'preload/'];
const VALUE_IMPORT = /^\s*import\s+(?!type\b)[^;]*?from\s+['"]electron(?:\/[^'"]*)?['"]|\brequire\(\s*['"]electron['"]\s*\)|\bimport\(\s*['"]electron['"]\s*\)/m;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

test('electron is imported as a value only from main/desktop/ and preload/', () => {
  const offenders = ['main', 'renderer', 'preload', 'sim', 'bench', 'bin']
    .flatMap((d) => { try { return sources(join(root, d)); } catch { return []; } })
    .map((p) => relative(root, p))
    .filter((rel) => !ALLOWED.some((a) => rel.startsWith(a)))
    .filter((rel) => VALUE_IMPORT.test(readFileSync(join(root, rel), 'utf8')));
  assert.deepEqual(offenders, [], `these files import electron as a value: ${offenders.join(', ')}`);
});

test('the boundary check itself catches value imports and lets type imports through', () => {
  assert.ok(VALUE_IMPORT.test(`import { app } from 'electron';`));
  assert.ok(VALUE_IMPORT.test(`const { app } = require('electron');`));
  assert.ok(VALUE_IMPORT.test(`import electron from "electron/main";`));
  assert.ok(!VALUE_IMPORT.test(`import type { BrowserWindow } from 'electron';`));
});
