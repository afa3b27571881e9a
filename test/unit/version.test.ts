import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APP_VERSION } from '../../main/shared/version.ts';

test('the version the app reports is the one in package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; license: string; dependencies: Record<string, string> };
  assert.equal(APP_VERSION, pkg.version);
  assert.equal(pkg.license, 'GPL-3.0-or-later');
  assert.equal(pkg.dependencies['@whiskeysockets/baileys'], '7.0.0-rc14');
  for (const [name, range] of Object.entries(pkg.dependencies)) assert.match(range, /^\d+\.\d+\.\d+(-[\w.]+)?$/, `${name} is pinned to an exact version`);
});
