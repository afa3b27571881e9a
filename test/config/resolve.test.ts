// The effective settings the gateway uses: defaults, account -> channel fallback, enabled flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { findAccount, loadConfig, resolveEffectiveConfig } from '../../main/config/index.ts';
import { FIXTURES } from './helpers.ts';

const stateDir = '/srv/state';

test('an empty config gives one "default" account with every documented default', () => {
  const cfg = resolveEffectiveConfig({}, { stateDir });
  assert.equal(cfg.whatsapp.enabled, true);
  assert.equal(cfg.whatsapp.defaultAccount, 'default');
  assert.deepEqual(cfg.whatsapp.accounts, [{
    accountId: 'default',
    enabled: true,
    authDir: '/srv/state/credentials/whatsapp/default',
    dmPolicy: 'pairing',
    allowFrom: [],
    groupPolicy: 'allowlist',
    groups: undefined,
    groupAllowFrom: [],
    sendReadReceipts: true,
    ackReaction: { emoji: '', direct: true, group: 'mentions' },
    textChunkLimit: 4000,
    chunkMode: 'length',
    mediaMaxMb: 50,
    selfChatMode: false,
  }]);
  assert.deepEqual(cfg.web, { enabled: true, heartbeatSeconds: 60, reconnect: { initialMs: 2000, maxMs: 30000, factor: 1.8, jitter: 0.25, maxAttempts: 12 } });
  assert.deepEqual(cfg.clawline.agent, { kind: 'builtin' });
  assert.equal(cfg.clawline.catchUpWindowSeconds, 300);
  assert.deepEqual(cfg.clawline.mentionPatterns, []);
  assert.equal(cfg.clawline.pacing.minIntervalMs, 1000);
});

test('account values win, missing ones fall back to the channel, then to defaults', () => {
  const cfg = resolveEffectiveConfig({
    channels: {
      whatsapp: {
        dmPolicy: 'allowlist',
        allowFrom: ['+1 (415) 555-1234', 'whatsapp:+447700900123', '+14155551234'],
        textChunkLimit: 2000,
        ackReaction: { emoji: '👀', group: 'always' },
        groups: { '*': {}, '120363012345678901@g.us': { requireMention: false } },
        accounts: {
          work: { name: 'Work phone', textChunkLimit: 1500, ackReaction: { direct: false }, groupAllowFrom: ['+4930123456'] },
          spare: { enabled: false, authDir: 'elsewhere/spare', dmPolicy: 'disabled', groups: {} },
        },
        defaultAccount: 'work',
      },
    },
  }, { stateDir });
  assert.deepEqual(cfg.whatsapp.accounts.map((a) => a.accountId), ['work', 'spare'], 'no implicit "default" once accounts exist');
  assert.equal(cfg.whatsapp.defaultAccount, 'work');
  const work = findAccount(cfg)!;
  assert.equal(work.accountId, 'work');
  assert.equal(work.name, 'Work phone');
  assert.equal(work.dmPolicy, 'allowlist');
  assert.deepEqual(work.allowFrom, ['+14155551234', '+447700900123'], 'normalized and de-duplicated');
  assert.equal(work.textChunkLimit, 1500);
  assert.deepEqual(work.ackReaction, { emoji: '👀', direct: false, group: 'always' }, 'ackReaction falls back field by field');
  assert.deepEqual(work.groups, { '*': { requireMention: true }, '120363012345678901@g.us': { requireMention: false } });
  assert.deepEqual(work.groupAllowFrom, ['+4930123456']);
  assert.equal(work.enabled, true);
  assert.equal(work.authDir, '/srv/state/credentials/whatsapp/work');
  const spare = findAccount(cfg, 'spare')!;
  assert.equal(spare.enabled, false);
  assert.equal(spare.authDir, '/srv/state/elsewhere/spare');
  assert.equal(spare.dmPolicy, 'disabled');
  assert.deepEqual(spare.groups, {}, 'an account groups map replaces the channel one');
  assert.deepEqual(spare.groupAllowFrom, spare.allowFrom, 'groupAllowFrom falls back to allowFrom');
  assert.equal(findAccount(cfg, 'nope'), undefined);
});

test('enabled: channel off or web off turns every account off; ~ in authDir is the home folder', () => {
  const off = resolveEffectiveConfig({ channels: { whatsapp: { enabled: false, accounts: { a: { enabled: true } } } } }, { stateDir });
  assert.equal(off.whatsapp.enabled, false);
  assert.equal(off.whatsapp.accounts[0]!.enabled, false);
  const webOff = resolveEffectiveConfig({ web: { enabled: false } }, { stateDir });
  assert.equal(webOff.whatsapp.accounts[0]!.enabled, false);
  const home = resolveEffectiveConfig({ channels: { whatsapp: { accounts: { a: { authDir: '~/wa/a' } } } } }, { stateDir });
  assert.equal(home.whatsapp.accounts[0]!.authDir, join(homedir(), 'wa/a'));
});

test('mention patterns: ours first, else OpenClaw\'s messages.groupChat.mentionPatterns', () => {
  assert.deepEqual(resolveEffectiveConfig({ messages: { groupChat: { mentionPatterns: ['@?clawd'] } } }, { stateDir }).clawline.mentionPatterns, ['@?clawd']);
  assert.deepEqual(resolveEffectiveConfig({ clawline: { mentionPatterns: ['bot'] }, messages: { groupChat: { mentionPatterns: ['@?clawd'] } } }, { stateDir }).clawline.mentionPatterns, ['bot']);
});

test('the commented fixture resolves to what it says', async () => {
  const cfg = await loadConfig(join(FIXTURES, 'valid-commented.json5'), { stateDir });
  const acc = findAccount(cfg.effective!)!;
  assert.equal(acc.accountId, 'default');
  assert.deepEqual(acc.allowFrom, ['+14155551234', '+447700900123']);
  assert.deepEqual(acc.groups, { '120363012345678901@g.us': { requireMention: false } });
  assert.deepEqual(acc.ackReaction, { emoji: '👀', direct: true, group: 'never' });
  assert.equal(acc.textChunkLimit, 3000);
  assert.deepEqual(cfg.effective!.web.reconnect, { initialMs: 1000, maxMs: 30000, factor: 1.8, jitter: 0.25, maxAttempts: 0 });
  assert.equal(cfg.effective!.web.heartbeatSeconds, 45);
  assert.deepEqual(cfg.effective!.clawline.agent, { kind: 'openai', openai: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' } });
});
