// `clawline config ...` run as a child process through bin/clawline.js and the built bundle.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { FIXTURES, fixture, lineOf, tempDir } from './helpers.ts';
import { ensureBuilt } from '../support/build-once.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

before(() => ensureBuilt());

function clawline(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/clawline.js'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OPENCLAW_STATE_DIR: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('config check: 0 for a clean file, 1 with findings (human and --json), 2 when the file is missing', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const missing = clawline('--state-dir', dir, 'config', 'check');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`no config file at ${join(dir, 'openclaw.json')}`));
    assert.match(missing.stderr, /defaults/);
    assert.match(missing.stderr, /clawline config set/);

    await writeFile(join(dir, 'openclaw.json'), await fixture('valid-commented.json5'));
    const clean = clawline('--state-dir', dir, 'config', 'check');
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /no problems found/);

    const text = await fixture('duplicate-keys.json5');
    const human = clawline('--state-dir', dir, 'config', 'check', '--config', join(FIXTURES, 'duplicate-keys.json5'));
    assert.equal(human.code, 1);
    const line = lineOf(text, 'groupPolicy: "open"');
    assert.match(human.stdout, new RegExp(`duplicate-keys\\.json5:${line}:7 warning channels\\.whatsapp\\.groupPolicy: duplicate key "groupPolicy" on lines 4 and ${line}: the last one \\(line ${line}, "open"\\) wins.* Fix: `));

    const json = clawline('--state-dir', dir, 'config', 'check', '--json', '--config', join(FIXTURES, 'open-without-star.json5'));
    assert.equal(json.code, 1);
    const findings = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(findings[0]).sort(), ['column', 'hint', 'line', 'message', 'path', 'severity']);
    assert.deepEqual([findings[0].severity, findings[0].path, findings[0].line, findings[0].column], ['error', 'channels.whatsapp.dmPolicy', 4, 7]);

    const syntax = clawline('--state-dir', dir, 'config', 'check', '--json', '--config', join(FIXTURES, 'syntax-error.json5'));
    assert.equal(syntax.code, 1);
    assert.equal(JSON.parse(syntax.stdout)[0].line, 5);
  } finally {
    await cleanup();
  }
});

test('config set / get / unset round trip; the file is created 0600 and keeps its comments', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    let r = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.allowFrom', '["+14155551234"]');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    r = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.dmPolicy', 'allowlist');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Set channels\.whatsapp\.dmPolicy = "allowlist"/);
    r = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.groups["120363012345678901@g.us"].requireMention', 'false');
    assert.equal(r.code, 0, r.stderr);
    r = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.textChunkLimit', '2000');
    assert.equal(r.code, 0, r.stderr);

    const text = await readFile(file, 'utf8');
    await writeFile(file, `// my notes\n${text}`);

    r = clawline('--state-dir', dir, 'config', 'get', 'channels.whatsapp.groups["120363012345678901@g.us"]');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { requireMention: false });
    r = clawline('--state-dir', dir, 'config', 'get', 'channels.whatsapp.textChunkLimit');
    assert.equal(r.stdout.trim(), '2000');
    r = clawline('--state-dir', dir, 'config', 'get', 'channels.whatsapp');
    assert.deepEqual(JSON.parse(r.stdout), {
      allowFrom: ['+14155551234'], dmPolicy: 'allowlist',
      groups: { '120363012345678901@g.us': { requireMention: false } }, textChunkLimit: 2000,
    });

    r = clawline('--state-dir', dir, 'config', 'unset', 'channels.whatsapp.textChunkLimit');
    assert.equal(r.code, 0, r.stderr);
    r = clawline('--state-dir', dir, 'config', 'get', 'channels.whatsapp.textChunkLimit');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not set.*The default applies: 4000/);
    assert.ok((await readFile(file, 'utf8')).startsWith('// my notes\n{'), 'comments survive CLI edits');
    assert.equal(clawline('--state-dir', dir, 'config', 'check').code, 0);
  } finally {
    await cleanup();
  }
});

test('config set refuses a value that makes the config invalid and leaves the file byte-identical', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, await fixture('valid-commented.json5'));
    const before = await readFile(file);
    const r = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.dmPolicy', 'open');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /openclaw\.json:9:7 error channels\.whatsapp\.dmPolicy: dmPolicy "open" lets anyone DM your agent/);
    assert.match(r.stderr, /Not saved/);
    const typed = clawline('--state-dir', dir, 'config', 'set', 'channels.whatsapp.sendReadReceipts', 'maybe');
    assert.equal(typed.code, 1);
    assert.match(typed.stderr, /must be true or false, not the text "maybe"/);
    assert.deepEqual(await readFile(file), before);

    const warned = clawline('--state-dir', dir, 'config', 'set', 'clawline.pacng.minIntervalMs', '500');
    assert.equal(warned.code, 0, 'warnings are allowed');
    assert.match(warned.stderr, /did you mean "pacing"/);

    const usage = clawline('--state-dir', dir, 'config', 'set', 'channels..whatsapp', 'x');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /empty key/);
  } finally {
    await cleanup();
  }
});
