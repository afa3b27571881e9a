// Editing openclaw.json from code (the GUI's path): comments, key order and layout survive,
// invalid results are refused with the file left byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { setConfigValue, unsetConfigValue, setValueInText, unsetValueInText } from '../../main/config/index.ts';
import { fixture, tempDir } from './helpers.ts';

const EXPECTED_AFTER_GUI_EDITS = `// ~/.openclaw/openclaw.json — shared by OpenClaw and Clawline.
{
  /* OpenClaw's own settings: Clawline leaves them alone. */
  gateway: { port: 18789, auth: { mode: "token" } },
  agents: { defaults: { heartbeat: { every: "0m" } } },

  channels: {
    whatsapp: {
      dmPolicy:    "pairing",        // only people I know
      allowFrom:   [ "+14155551234",   // me
                     "+4930123456" ], // my sister
      groupPolicy: "allowlist",
      groups: {
        "120363012345678901@g.us": { requireMention: true }, // family
        "*": { requireMention: true },
      },
      textChunkLimit: 3000,
      sendReadReceipts: false,
    },
    telegram: { botToken: "not-ours" },
  },

  web: {
    heartbeatSeconds: 45,
    reconnect: { initialMs: 1000 }, // retry forever
  },

  clawline: {
    agent: {
      kind: 'builtin',
      openai: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' },
    },
    pacing: {
      minIntervalMs: 1500,
    },
  },
}
`;

test('GUI-style set/unset on a commented, hand-formatted file keeps every comment and all other formatting', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, await fixture('valid-commented.json5'));
    const steps: [string, (string | number)[], unknown?][] = [
      ['set', ['channels', 'whatsapp', 'dmPolicy'], 'pairing'],
      ['set', ['channels', 'whatsapp', 'allowFrom'], ['+14155551234', '+447700900123', '+4930123456']],
      ['set', ['channels', 'whatsapp', 'sendReadReceipts'], false],
      ['set', ['channels', 'whatsapp', 'groups', '120363012345678901@g.us', 'requireMention'], true],
      ['set', ['channels', 'whatsapp', 'groups', '*'], { requireMention: true }],
      ['unset', ['web', 'reconnect', 'maxAttempts']],
      ['set', ['clawline', 'agent', 'kind'], 'builtin'],
      ['set', ['clawline', 'pacing', 'minIntervalMs'], 1500],
      ['unset', ['channels', 'whatsapp', 'ackReaction']],
      ['set', ['channels', 'whatsapp', 'allowFrom'], ['+14155551234', '+4930123456']],
    ];
    for (const [op, path, value] of steps) {
      const result = op === 'set' ? await setConfigValue(file, path, value) : await unsetConfigValue(file, path);
      assert.equal(result.ok, true, `${op} ${path.join('.')}: ${JSON.stringify(result.findings)}`);
      assert.equal(result.changed, true);
    }
    assert.equal(await readFile(file, 'utf8'), EXPECTED_AFTER_GUI_EDITS);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await setConfigValue(file, ['clawline', 'agent', 'kind'], 'builtin');
    assert.deepEqual([again.ok, again.changed], [true, false], 'setting the current value does not rewrite the file');
  } finally {
    await cleanup();
  }
});

test('an edit that would make the config invalid is refused with the finding; the file stays byte-identical', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    const original = await fixture('valid-commented.json5');
    await writeFile(file, original);
    const before = await readFile(file);
    const result = await setConfigValue(file, ['channels', 'whatsapp', 'dmPolicy'], 'open');
    assert.equal(result.ok, false);
    assert.equal(result.changed, false);
    assert.equal(result.findings.length, 1);
    const f = result.findings[0]!;
    assert.equal(f.severity, 'error');
    assert.equal(f.path, 'channels.whatsapp.dmPolicy');
    assert.equal(f.line, 9);
    assert.match(f.message, /"open" lets anyone DM/);
    assert.match(f.hint!, /refused and the file left as it was/);
    const wrongType = await setConfigValue(file, ['channels', 'whatsapp', 'mediaMaxMb'], 'lots');
    assert.equal(wrongType.ok, false);
    assert.match(wrongType.findings[0]!.message, /must be a number/);
    const badIndex = await setConfigValue(file, ['channels', 'whatsapp', 'allowFrom', 7], '+14155550000');
    assert.equal(badIndex.ok, false);
    assert.match(badIndex.findings[0]!.message, /index 7 is past the end of the list \(it has 2 entries\)/);
    assert.deepEqual(await readFile(file), before);
    assert.deepEqual(await readdir(dir), ['openclaw.json'], 'no temp files left behind');
  } finally {
    await cleanup();
  }
});

test('keys that change how programs read objects (__proto__, constructor, prototype) are never written', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, await fixture('valid-commented.json5'));
    const before = await readFile(file);
    for (const [path, value] of [
      [['__proto__', 'polluted'], 'yes'],
      [['constructor', 'prototype', 'polluted'], 1],
      [['channels', 'whatsapp', 'groups'], JSON.parse('{"__proto__": {"requireMention": false}}')],
    ] as const) {
      const result = await setConfigValue(file, [...path], value);
      assert.equal(result.ok, false, `${path.join('.')} refused`);
      assert.match(result.findings[0]!.message, /cannot be a config key .*nothing was written/);
    }
    assert.deepEqual(await readFile(file), before, 'the file is untouched');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  } finally {
    await cleanup();
  }
});

test('warnings do not block an edit and are returned; errors already in the file do not block unrelated edits', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, '{\n  channels: { whatsapp: { dmPolicy: "open" } },\n}\n');
    const typo = await setConfigValue(file, ['channels', 'whatsapp', 'sendReadReceipt'], false);
    assert.equal(typo.ok, true);
    assert.ok(typo.findings.some((f) => f.severity === 'warning' && /did you mean "sendReadReceipts"/.test(f.message)));
    assert.ok(typo.findings.some((f) => f.severity === 'error' && f.path === 'channels.whatsapp.dmPolicy'), 'the old error is still reported');
    const fix = await setConfigValue(file, ['channels', 'whatsapp', 'allowFrom'], ['*']);
    assert.equal(fix.ok, true);
    assert.ok(!fix.findings.some((f) => f.severity === 'error'));
    assert.equal(await readFile(file, 'utf8'), '{\n  channels: { whatsapp: { dmPolicy: "open", sendReadReceipt: false, allowFrom: ["*"] } },\n}\n');
  } finally {
    await cleanup();
  }
});

test('a file with a syntax error is never rewritten: edits are refused with the syntax finding', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, await fixture('syntax-error.json5'));
    const before = await readFile(file);
    for (const result of [
      await setConfigValue(file, ['channels', 'whatsapp', 'dmPolicy'], 'allowlist'),
      await unsetConfigValue(file, ['channels', 'whatsapp', 'dmPolicy']),
    ]) {
      assert.equal(result.ok, false);
      assert.equal(result.findings[0]!.line, 5);
      assert.match(result.findings[0]!.message, /JSON5 syntax error/);
      assert.match(result.findings[0]!.hint!, /does not rewrite a file it cannot fully read/);
    }
    assert.deepEqual(await readFile(file), before);
  } finally {
    await cleanup();
  }
});

test('duplicate keys: set edits the copy in force (the last), unset removes every copy', () => {
  const text = '{\n  groupPolicy: "disabled", // old\n  allowFrom: [],\n  groupPolicy: "open",\n}\n';
  assert.equal(setValueInText(text, ['groupPolicy'], 'allowlist'), '{\n  groupPolicy: "disabled", // old\n  allowFrom: [],\n  groupPolicy: "allowlist",\n}\n');
  assert.equal(unsetValueInText(text, ['groupPolicy']), '{\n  allowFrom: [],\n}\n');
});

test('offsets stay right after emoji, CRLF files stay CRLF, strict-JSON files stay JSON-shaped', () => {
  assert.equal(
    setValueInText('{ "ackReaction": { "emoji": "👀🦞" }, "textChunkLimit": 10 }', ['textChunkLimit'], 20),
    '{ "ackReaction": { "emoji": "👀🦞" }, "textChunkLimit": 20 }',
  );
  assert.equal(
    setValueInText('{\r\n  a: 1,\r\n  b: { c: 2 },\r\n}\r\n', ['d'], { e: true }),
    '{\r\n  a: 1,\r\n  b: { c: 2 },\r\n  d: { e: true },\r\n}\r\n',
  );
  assert.equal(
    setValueInText('{\n    "a": 1,\n    "b": {\n        "c": [1, 2]\n    }\n}\n', ['b', 'd'], { x: 'y' }),
    '{\n    "a": 1,\n    "b": {\n        "c": [1, 2],\n        "d": {\n            "x": "y"\n        }\n    }\n}\n',
  );
  assert.equal(unsetValueInText('{\n    "a": 1,\n    "b": 2\n}\n', ['b']), '{\n    "a": 1\n}\n', 'no trailing comma left in a JSON-style file');
  assert.equal(unsetValueInText('{ a: 1, b: 2, c: 3 }', ['b']), '{ a: 1, c: 3 }');
  assert.equal(unsetValueInText('{ a: 1, b: 2, c: 3 }', ['c']), '{ a: 1, b: 2 }');
});

test('the first set creates the file (0600) and the state dir (0700) in OpenClaw\'s JSON5 style', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const stateDir = join(dir, 'state');
    const file = join(stateDir, 'openclaw.json');
    const result = await setConfigValue(file, ['channels', 'whatsapp', 'groups', '120363012345678901@g.us', 'requireMention'], false);
    assert.equal(result.ok, true);
    assert.equal(await readFile(file, 'utf8'), '{\n  channels: {\n    whatsapp: {\n      groups: {\n        "120363012345678901@g.us": {\n          requireMention: false,\n        },\n      },\n    },\n  },\n}\n');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    const removed = await unsetConfigValue(join(dir, 'absent.json'), ['channels']);
    assert.deepEqual([removed.ok, removed.changed], [true, false], 'unset on a missing file is a no-op, not an error');
  } finally {
    await cleanup();
  }
});

test('a symlinked config (dotfiles repo) stays a symlink; the target gets the edit', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await mkdir(join(dir, 'dotfiles'));
    const target = join(dir, 'dotfiles', 'openclaw.json');
    await writeFile(target, '{ channels: {} }\n');
    const link = join(dir, 'openclaw.json');
    await symlink(target, link);
    const result = await setConfigValue(link, ['channels', 'whatsapp'], { dmPolicy: 'pairing' });
    assert.equal(result.ok, true);
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readlink(link), target);
    assert.equal(await readFile(target, 'utf8'), '{ channels: { whatsapp: { dmPolicy: "pairing" } } }\n');
  } finally {
    await cleanup();
  }
});

test('400 seeded random set/unset edits: every result reads back as exactly the intended value, nothing else changes', async () => {
  const paths: (string | number)[][] = [
    ['channels', 'whatsapp', 'dmPolicy'], ['channels', 'whatsapp', 'allowFrom'], ['channels', 'whatsapp', 'allowFrom', 0],
    ['channels', 'whatsapp', 'groups', '*', 'requireMention'], ['channels', 'whatsapp', 'groups', '120363012345678901@g.us'],
    ['channels', 'whatsapp', 'ackReaction', 'emoji'], ['web', 'reconnect', 'maxMs'], ['web'], ['clawline', 'agent', 'kind'],
    ['clawline', 'agent', 'openai', 'model'], ['gateway', 'port'], ['newTop', 'x', 'y'], ['channels', 'whatsapp', 'accounts', 'default', 'name'],
    ['channels', 'whatsapp', 'textChunkLimit'], ['agents'], ['channels'],
  ];
  const values: unknown[] = ['pairing', 42, true, null, ['+1', '+2'], { requireMention: false }, '👀', { a: { b: [1, { c: 'd' }] } }, [], {}, 'it\'s "q"'];
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  const canon = (x: unknown): unknown => Array.isArray(x) ? x.map(canon)
    : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x;
  const { default: JSON5 } = await import('json5');
  const { evaluateConfigText } = await import('../../main/config/index.ts');
  let text = await fixture('valid-commented.json5');
  for (let i = 0; i < 400; i++) {
    const path = pick(paths);
    const model = JSON5.parse(text);
    const unset = rnd() < 0.3;
    const value = unset ? undefined : pick(values);
    const next = unset ? unsetValueInText(text, path) : setValueInText(text, path, value);
    // What the edit should mean, computed on plain objects.
    let parent = model;
    for (let k = 0; k < path.length - 1; k++) {
      const seg = path[k]!;
      if (unset && (parent[seg] === null || typeof parent[seg] !== 'object' || (Array.isArray(parent[seg]) && typeof path[k + 1] !== 'number'))) { parent = undefined; break; }
      const wantsList = typeof path[k + 1] === 'number';
      // A value of the wrong shape in the way is replaced (a list where keys are set becomes an object).
      if (parent[seg] === null || typeof parent[seg] !== 'object' || (Array.isArray(parent[seg]) && !wantsList)) parent[seg] = wantsList ? [] : {};
      parent = parent[seg];
    }
    const last = path[path.length - 1]!;
    if (parent && unset) { if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last]; }
    if (parent && !unset) parent[last] = JSON.parse(JSON.stringify(value));
    const doc = evaluateConfigText(next, '/x/openclaw.json').document!;
    assert.ok(doc.ok && doc.root !== undefined, `edit ${i} (${unset ? 'unset' : 'set'} ${path.join('.')}) left text the CST reads:\n${next}`);
    assert.deepEqual(canon(JSON5.parse(next)), canon(model), `edit ${i}: ${unset ? 'unset' : 'set'} ${path.join('.')}`);
    text = next;
  }
});
