// Bad config: a corpus of broken openclaw.json files. Each must give a clear finding from
// `checkConfig` (what is wrong, where, what to do); written while a gateway runs, the gateway must
// keep its last good settings (settings.get still reports them), must not rewrite the file, and
// must keep running. Duplicate keys are the one kind the file format allows (the last one wins,
// as in OpenClaw): they must give a warning naming both lines.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from '../../main/control/contract.ts';
import type { ChildConfig } from '../child/protocol.ts';
import type { Progress } from '../lib/progress.ts';
import { seededRandom, sleep } from '../lib/random.ts';
import { spawnSide, type ChildScripts } from '../lib/sides.ts';
import { tempDir } from '../lib/state.ts';

export type Expectation =
  /** At least one error; the running gateway keeps the last good settings. */
  | 'error'
  /** Loads with a warning (duplicate keys): the last value wins. */
  | 'warning';

export interface BadConfig {
  name: string;
  group: 'syntax' | 'duplicate keys' | 'wrong types' | 'invalid numbers' | 'huge' | 'binary' | 'hostile keys';
  content: Buffer;
  expect: Expectation;
  /** For warnings: the DM policy in force afterwards (the last duplicate wins). */
  expectPolicy?: string;
}

const text = (s: string) => Buffer.from(s, 'utf8');

/** The corpus (deterministic: the random bytes come from a fixed seed). */
export function badConfigCorpus(options: { huge?: boolean } = {}): BadConfig[] {
  const random = seededRandom(42);
  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256);
  const hugeMb = options.huge === false ? 1 : 20;
  const list: BadConfig[] = [
    { name: 'unclosed brace', group: 'syntax', content: text('{ channels: { whatsapp: { dmPolicy: "open" }\n'), expect: 'error' },
    { name: 'missing value', group: 'syntax', content: text('{ "channels": { "whatsapp": { "dmPolicy": } } }\n'), expect: 'error' },
    { name: 'trailing garbage', group: 'syntax', content: text('{ channels: {} }\n}}} oops\n'), expect: 'error' },
    { name: 'unterminated string', group: 'syntax', content: text('{ channels: { whatsapp: { dmPolicy: "open } } }\n'), expect: 'error' },
    { name: 'double commas', group: 'syntax', content: text('{ channels: { whatsapp: { allowFrom: ["+4915112345678",, ] } } }\n'), expect: 'error' },
    { name: 'empty file', group: 'syntax', content: text(''), expect: 'error' },
    { name: 'only a comment', group: 'syntax', content: text('// settings go here\n'), expect: 'error' },
    { name: 'unclosed block comment', group: 'syntax', content: text('{ /* channels: {} }\n'), expect: 'error' },
    { name: 'duplicate key with another value', group: 'duplicate keys', content: text('{\n  channels: { whatsapp: {\n    dmPolicy: "open",\n    dmPolicy: "disabled",\n  } },\n}\n'), expect: 'warning', expectPolicy: 'disabled' },
    { name: 'duplicate section', group: 'duplicate keys', content: text('{\n  channels: { whatsapp: { dmPolicy: "open" } },\n  channels: { whatsapp: { dmPolicy: "disabled" } },\n}\n'), expect: 'warning', expectPolicy: 'disabled' },
    { name: 'policy is a number', group: 'wrong types', content: text('{ channels: { whatsapp: { dmPolicy: 5 } } }\n'), expect: 'error' },
    { name: 'allowFrom is a string', group: 'wrong types', content: text('{ channels: { whatsapp: { allowFrom: "+4915112345678" } } }\n'), expect: 'error' },
    { name: 'receipts flag is a string', group: 'wrong types', content: text('{ channels: { whatsapp: { sendReadReceipts: "yes" } } }\n'), expect: 'error' },
    { name: 'accounts is a list', group: 'wrong types', content: text('{ channels: { whatsapp: { accounts: ["default"] } } }\n'), expect: 'error' },
    { name: 'channels is null', group: 'wrong types', content: text('{ channels: null }\n'), expect: 'error' },
    { name: 'top level is a list', group: 'wrong types', content: text('[{ channels: {} }]\n'), expect: 'error' },
    { name: 'top level is a string', group: 'wrong types', content: text('"channels"\n'), expect: 'error' },
    { name: 'agent kind unknown', group: 'wrong types', content: text('{ clawline: { agent: { kind: "skynet" } } }\n'), expect: 'error' },
    { name: 'NaN', group: 'invalid numbers', content: text('{ channels: { whatsapp: { textChunkLimit: NaN } } }\n'), expect: 'error' },
    { name: 'Infinity', group: 'invalid numbers', content: text('{ channels: { whatsapp: { mediaMaxMb: Infinity } } }\n'), expect: 'error' },
    { name: '1e999', group: 'invalid numbers', content: text('{ channels: { whatsapp: { textChunkLimit: 1e999 } } }\n'), expect: 'error' },
    { name: 'negative limit', group: 'invalid numbers', content: text('{ channels: { whatsapp: { textChunkLimit: -5 } } }\n'), expect: 'error' },
    { name: 'negative reconnect delay', group: 'invalid numbers', content: text('{ web: { reconnect: { initialMs: -1 } } }\n'), expect: 'error' },
    { name: 'fractional control port', group: 'invalid numbers', content: text('{ clawline: { control: { port: 18789.5 } } }\n'), expect: 'error' },
    { name: 'port out of range', group: 'invalid numbers', content: text('{ clawline: { control: { port: 70000 } } }\n'), expect: 'error' },
    { name: `${hugeMb} MB of spaces, then unclosed`, group: 'huge', content: Buffer.concat([text('{ channels: '), Buffer.alloc(hugeMb * 1024 * 1024, 0x20), text('{ whatsapp: {')]), expect: 'error' },
    { name: `${hugeMb} MB string as policy`, group: 'huge', content: Buffer.concat([text('{ channels: { whatsapp: { dmPolicy: "'), Buffer.alloc(hugeMb * 1024 * 1024, 0x61), text('" } } }')]), expect: 'error' },
    { name: '100,000 nested lists', group: 'huge', content: text('{ channels: ' + '['.repeat(100_000) + ']'.repeat(100_000) + ' }'), expect: 'error' },
    { name: '64 KB of random bytes', group: 'binary', content: garbage, expect: 'error' },
    { name: 'NUL bytes', group: 'binary', content: Buffer.from([0x7b, 0, 0, 0, 0x7d]), expect: 'error' },
    { name: 'UTF-16 with BOM', group: 'binary', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{ "channels": { "whatsapp": { "dmPolicy": "open" } } }', 'utf16le')]), expect: 'error' },
    { name: 'invalid UTF-8 in a string', group: 'binary', content: Buffer.concat([text('{ channels: { whatsapp: { dmPolicy: "'), Buffer.from([0xc3, 0x28, 0xff]), text('" } } }')]), expect: 'error' },
    { name: 'a PNG image', group: 'binary', content: Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'), expect: 'error' },
    { name: '__proto__ with a bad policy', group: 'hostile keys', content: text('{ "__proto__": { "dmPolicy": "open" }, channels: { whatsapp: { dmPolicy: 7 } } }\n'), expect: 'error' },
    { name: 'constructor.prototype with a bad value', group: 'hostile keys', content: text('{ channels: { whatsapp: { constructor: { prototype: { allowFrom: ["*"] } }, allowFrom: 42 } } }\n'), expect: 'error' },
  ];
  return list;
}

export interface BadConfigCase {
  name: string;
  group: BadConfig['group'];
  bytes: number;
  expect: Expectation;
  /** What checkConfig said first (severity, where, message). */
  finding: string | null;
  findings: number;
  checkMs: number;
  /** The running gateway reported the change (a config event) and kept running. */
  gatewayNoticed: boolean;
  /** settings.get still shows the last good policy, allow list and agent (errors) / the last value (warnings). */
  keptSettings: boolean;
  /** The file on disk is byte for byte what was written. */
  fileUntouched: boolean;
  /** Nothing leaked onto Object.prototype. */
  noPollution: boolean;
  ok: boolean;
  problem?: string;
}

export interface BadConfigResult {
  cases: BadConfigCase[];
  passed: number;
  failed: number;
  durationSec: number;
}

const GOOD = { channels: { whatsapp: { dmPolicy: 'allowlist', allowFrom: ['+4915112345678'], textChunkLimit: 1500 } }, clawline: { agent: { kind: 'builtin', builtin: { autoReply: 'last good config' } } } };

function describeFinding(f: Finding | undefined): string | null {
  if (!f) return null;
  return `${f.severity}${f.path ? ` at ${f.path}` : ''}${f.line ? ` (line ${f.line}${f.column ? `:${f.column}` : ''})` : ''}: ${f.message}${f.hint ? ` — ${f.hint}` : ''}`;
}

/** A finding a person can act on: says what is wrong and where (a line, or the key path). */
function isClear(f: Finding): boolean {
  return f.message.trim().length >= 10 && (f.line !== undefined || !!f.path || f.severity === 'error');
}

export interface BadConfigOptions {
  progress: Progress;
  scripts: ChildScripts;
  /** 20 MB files (default) or 1 MB ones (CI). */
  huge?: boolean;
  /** Only these cases (by name); default all. */
  only?: string[];
}

/** Heap cap for the gateway child here, so a runaway parse ends in seconds rather than minutes. */
const CHILD_HEAP_MB = 1536;
const CASE_TIMEOUT_MS = 90_000;

export async function runBadConfig(options: BadConfigOptions): Promise<BadConfigResult> {
  const started = Date.now();
  const stateDir = await tempDir('bad-config');
  const path = join(stateDir, 'openclaw.json');
  const goodText = JSON.stringify(GOOD, null, 2) + '\n';
  await writeFile(path, goodText, { mode: 0o600 });
  // The gateway runs in its own process (no account connects: no WhatsApp needed), so a file
  // that crashes it is a failed case rather than the end of the suite.
  const config: ChildConfig = { side: 'clawline', stateDir, accounts: ['default'], simUrl: 'ws://127.0.0.1:9/ws/chat', simCa: '', connect: false };
  const start = async () => {
    const proc = spawnSide(options.scripts, config, { maxOldSpaceMb: CHILD_HEAP_MB });
    await proc.gatewayStarted;
    return proc;
  };
  let proc = await start();
  const events = async () => (await proc.call('$configEvents')) as number;
  const waitEvent = async (after: number, timeoutMs = 8_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && proc.alive()) {
      if ((await events().catch(() => after)) > after) return true;
      await sleep(50);
    }
    return false;
  };
  const withTimeout = <T>(p: Promise<T>, what: string) => Promise.race([p, sleep(CASE_TIMEOUT_MS).then(() => { throw new Error(`${what} took over ${CASE_TIMEOUT_MS / 1000} s`); })]);
  const cases: BadConfigCase[] = [];
  try {
    for (const bad of badConfigCorpus({ huge: options.huge }).filter((b) => !options.only || options.only.includes(b.name))) {
      options.progress.set(`bad config: ${bad.name}`);
      const problems: string[] = [];
      let finding: string | null = null;
      let findingsCount = 0;
      let checkMs = 0;
      let noticed = false;
      let keptSettings = false;
      let noPollution = true;
      const badPath = join(stateDir, 'candidate.json');
      await writeFile(badPath, bad.content);
      let fileChecked = false;
      const crashed = async (err: unknown, during: string) => {
        if (proc.alive()) {
          problems.push(`${during}: ${(err as Error).message}`);
          return;
        }
        const exit = await proc.exited;
        problems.push(`the gateway crashed during ${during} (${exit.signal ?? `exit ${exit.code}`}: ${proc.output().split('\n').filter((l) => /error|heap/i.test(l)).slice(0, 1).join(' ').slice(0, 120)})`);
        // It would crash again on the same file at start-up: check it, then restart on the good one.
        if ((await readFile(path)).equals(bad.content)) fileChecked = true;
        await writeFile(path, goodText);
        proc = await start();
      };
      try {
        const t0 = Date.now();
        const check = (await withTimeout(proc.call('$checkConfig', { path: badPath }), 'config check')) as { status: string; findings: Finding[]; message?: string };
        checkMs = Date.now() - t0;
        findingsCount = check.findings.length;
        const relevant = check.findings.filter((f) => (bad.expect === 'error' ? f.severity === 'error' : true));
        finding = describeFinding(relevant[0] ?? check.findings[0]) ?? check.message ?? null;
        if (!(relevant.length > 0 && relevant.every(isClear))) problems.push(`no clear ${bad.expect} finding (${check.status}: ${finding ?? 'none'})`);
      } catch (err) {
        await crashed(err, 'clawline config check');
      }
      let wroteLive = false;
      try {
        // The same bytes as the live config file, under the running gateway.
        const before = await events();
        await writeFile(path, bad.content);
        wroteLive = true;
        noticed = await waitEvent(before, 15_000);
        if (!noticed) throw new Error('the running gateway did not report the change');
        await sleep(100);
        const settings = (await withTimeout(proc.call('settings.get', {}), 'settings.get')) as { whatsapp: { accounts: { dmPolicy: string; allowFrom: string[]; textChunkLimit: number }[] }; agent: { builtin?: { autoReply?: string } } };
        const account = settings.whatsapp.accounts[0]!;
        keptSettings = bad.expect === 'error'
          ? account.dmPolicy === 'allowlist' && account.allowFrom.join() === '+4915112345678' && account.textChunkLimit === 1500 && settings.agent.builtin?.autoReply === 'last good config'
          : account.dmPolicy === bad.expectPolicy;
        if (!keptSettings) problems.push(`settings in force changed: ${JSON.stringify(account).slice(0, 160)}`);
        noPollution = (await proc.call('$polluted')) === false;
        if (!noPollution) problems.push('Object.prototype was polluted');
      } catch (err) {
        await crashed(err, 'the hot reload of the file');
      }
      const fileUntouched = !wroteLive || fileChecked || (await readFile(path)).equals(bad.content);
      cases.push({
        name: bad.name, group: bad.group, bytes: bad.content.length, expect: bad.expect, finding, findings: findingsCount, checkMs,
        gatewayNoticed: noticed, keptSettings, fileUntouched, noPollution, ok: problems.length === 0,
        ...(problems.length ? { problem: problems.join('; ') } : {}),
      });
      options.progress.line(`bad config: ${bad.name}: ${problems.length ? `FAILED (${problems.join('; ')})` : `ok — ${finding?.slice(0, 110)}`}`);
      // Back to the good file (and a fresh gateway if this one died) before the next case.
      await writeFile(path, goodText);
      if (!proc.alive()) {
        await proc.kill();
        proc = await start();
      } else {
        const until = Date.now() + 15_000;
        while (Date.now() < until) {
          const s = (await proc.call('settings.get', {}).catch(() => undefined)) as { findings?: unknown[]; whatsapp?: { accounts: { dmPolicy: string }[] } } | undefined;
          if (s && s.findings?.length === 0 && s.whatsapp?.accounts[0]?.dmPolicy === 'allowlist') break;
          await sleep(50);
        }
      }
    }
  } finally {
    await proc.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  const passed = cases.filter((c) => c.ok).length;
  return { cases, passed, failed: cases.length - passed, durationSec: Math.round((Date.now() - started) / 1000) };
}
