import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideDm,
  decideGroup,
  detectMention,
  resolveSender,
  type AccessDecision,
  type AccessSettings,
  type MentionResult,
  type SelfIds,
  type SenderIdentity,
} from '../../main/access/index.ts';

const self: SelfIds = { pn: '15550000001:12@s.whatsapp.net', lid: '900000001:12@lid' };
const alice: SenderIdentity = { jid: '15551110001@s.whatsapp.net', e164: '+15551110001' };
const bob: SenderIdentity = { jid: '15552220002@s.whatsapp.net', e164: '+15552220002' };
const owner: SenderIdentity = { jid: '15550000001@s.whatsapp.net', e164: '+15550000001' };
const unresolvedLid: SenderIdentity = { jid: '777000777@lid', lid: '777000777@lid' };

const short = (d: AccessDecision) => (d.action === 'accept' ? `accept:${d.reason}` : d.action === 'drop' ? `drop:${d.reason}` : 'pairing');

test('DM policies: every rule', () => {
  const rows: { name: string; settings: AccessSettings; sender: SenderIdentity; approved?: string[]; expect: string }[] = [
    { name: 'default policy is pairing', settings: {}, sender: alice, expect: 'pairing' },
    { name: 'pairing: allowFrom admits', settings: { dmPolicy: 'pairing', allowFrom: ['+1 555 111 0001'] }, sender: alice, expect: 'accept:allowFrom' },
    { name: 'pairing: approval admits', settings: { dmPolicy: 'pairing' }, sender: alice, approved: ['+15551110001'], expect: 'accept:approved' },
    { name: 'pairing: unknown sender gets pairing', settings: { dmPolicy: 'pairing', allowFrom: ['+15552220002'] }, sender: alice, expect: 'pairing' },
    { name: 'pairing: unresolved LID is dropped', settings: { dmPolicy: 'pairing' }, sender: unresolvedLid, expect: 'drop:unresolved-lid' },
    { name: 'allowlist: listed', settings: { dmPolicy: 'allowlist', allowFrom: ['15551110001'] }, sender: alice, expect: 'accept:allowFrom' },
    { name: 'allowlist: not listed, no pairing', settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'] }, sender: bob, expect: 'drop:not-allowed' },
    { name: 'allowlist: approvals count too', settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'] }, sender: bob, approved: ['+15552220002'], expect: 'accept:approved' },
    { name: 'allowlist: "*" admits anyone', settings: { dmPolicy: 'allowlist', allowFrom: ['*'] }, sender: bob, expect: 'accept:allowFrom' },
    { name: 'allowlist: "*" admits even an unresolved LID', settings: { dmPolicy: 'allowlist', allowFrom: ['*'] }, sender: unresolvedLid, expect: 'accept:allowFrom' },
    { name: 'allowlist: unresolved LID dropped', settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'] }, sender: unresolvedLid, expect: 'drop:unresolved-lid' },
    { name: 'allowlist: empty list admits only the owner', settings: { dmPolicy: 'allowlist', allowFrom: [] }, sender: alice, expect: 'drop:not-allowed' },
    { name: 'open: anyone', settings: { dmPolicy: 'open', allowFrom: ['*'] }, sender: bob, expect: 'accept:open' },
    { name: 'open: unresolved LID too', settings: { dmPolicy: 'open' }, sender: unresolvedLid, expect: 'accept:open' },
    { name: 'disabled: nobody', settings: { dmPolicy: 'disabled', allowFrom: ['*'] }, sender: alice, expect: 'drop:dm-disabled' },
    { name: 'self passes under disabled', settings: { dmPolicy: 'disabled' }, sender: owner, expect: 'accept:self' },
    { name: 'self passes under allowlist with empty list', settings: { dmPolicy: 'allowlist', allowFrom: [] }, sender: owner, expect: 'accept:self' },
    { name: 'self passes under pairing', settings: {}, sender: owner, expect: 'accept:self' },
  ];
  for (const row of rows) {
    assert.equal(short(decideDm({ sender: row.sender, self, settings: row.settings, approved: row.approved })), row.expect, row.name);
  }
});

const mentioned: MentionResult = { mentioned: true, via: 'native' };
const notMentioned: MentionResult = { mentioned: false };
const G1 = '120363000000000001@g.us';
const G2 = '120363000000000002@g.us';

test('group policies: every rule', () => {
  const rows: { name: string; settings: AccessSettings; sender?: SenderIdentity; group?: string; mention?: MentionResult; expect: string }[] = [
    { name: 'default allowlist, sender in allowFrom, mentioned', settings: { allowFrom: ['+15551110001'] }, mention: mentioned, expect: 'accept:group-allowFrom' },
    { name: 'default requires a mention', settings: { allowFrom: ['+15551110001'] }, expect: 'drop:no-mention' },
    { name: 'default: sender not listed', settings: { allowFrom: ['+15552220002'] }, mention: mentioned, expect: 'drop:sender-not-allowed' },
    { name: 'groupAllowFrom overrides allowFrom', settings: { allowFrom: ['+15551110001'], groupAllowFrom: ['+15552220002'] }, mention: mentioned, expect: 'drop:sender-not-allowed' },
    { name: 'groupAllowFrom admits', settings: { groupAllowFrom: ['+15551110001'] }, mention: mentioned, expect: 'accept:group-allowFrom' },
    { name: 'groupAllowFrom "*"', settings: { groupAllowFrom: ['*'] }, sender: bob, mention: mentioned, expect: 'accept:group-allowFrom' },
    { name: 'allowlist: unresolved LID dropped', settings: { groupAllowFrom: ['+15551110001'] }, sender: unresolvedLid, mention: mentioned, expect: 'drop:unresolved-lid' },
    { name: 'open: any sender', settings: { groupPolicy: 'open' }, sender: bob, mention: mentioned, expect: 'accept:group-open' },
    { name: 'open: still needs the mention by default', settings: { groupPolicy: 'open' }, sender: bob, expect: 'drop:no-mention' },
    { name: 'disabled', settings: { groupPolicy: 'disabled', groupAllowFrom: ['*'] }, mention: mentioned, expect: 'drop:group-disabled' },
    { name: 'groups map is an allowlist of groups', settings: { groupPolicy: 'open', groups: { [G2]: {} } }, mention: mentioned, expect: 'drop:group-not-allowed' },
    { name: 'listed group', settings: { groupPolicy: 'open', groups: { [G1]: {} } }, mention: mentioned, expect: 'accept:group-open' },
    { name: '"*" admits every group', settings: { groupPolicy: 'open', groups: { '*': {} } }, group: G2, mention: mentioned, expect: 'accept:group-open' },
    { name: 'requireMention false answers without mention', settings: { groupPolicy: 'open', groups: { [G1]: { requireMention: false } } }, expect: 'accept:group-open' },
    { name: 'per-group entry beats "*"', settings: { groupPolicy: 'open', groups: { '*': { requireMention: false }, [G1]: { requireMention: true } } }, expect: 'drop:no-mention' },
    { name: '"*" requireMention false', settings: { groupPolicy: 'open', groups: { '*': { requireMention: false } } }, group: G2, expect: 'accept:group-open' },
    { name: 'pairing approvals never grant group access (no list)', settings: { dmPolicy: 'pairing' }, mention: mentioned, expect: 'drop:sender-not-allowed' },
  ];
  for (const row of rows) {
    const d = decideGroup({ groupJid: row.group ?? G1, sender: row.sender ?? alice, self, settings: row.settings, mention: row.mention ?? notMentioned });
    assert.equal(short(d), row.expect, row.name);
  }
});

test('mentions: phone JID, LID, device suffixes, patterns, our number, replies to us', () => {
  const ours = new Set(['OUR-MSG-1']);
  const base = { text: 'hello', self, isOurMessageId: (id: string) => ours.has(id) };
  const rows: { name: string; input: Partial<Parameters<typeof detectMention>[0]>; via?: string }[] = [
    { name: 'native mention of the phone JID', input: { mentionedJids: ['15550000001@s.whatsapp.net'] }, via: 'native' },
    { name: 'native mention with a device suffix', input: { mentionedJids: ['15550000001:12@s.whatsapp.net'] }, via: 'native' },
    { name: 'native mention of our LID', input: { mentionedJids: ['900000001@lid'] }, via: 'native' },
    { name: 'native mention of our LID with device', input: { mentionedJids: ['900000001:3@lid'] }, via: 'native' },
    { name: 'someone else mentioned', input: { mentionedJids: ['15551110001@s.whatsapp.net', '555@lid'] } },
    { name: 'pattern, case-insensitive', input: { text: 'Hey CLAW, what time is it?', mentionPatterns: ['\\bclaw\\b'] }, via: 'pattern' },
    { name: 'pattern not matching', input: { text: 'clawing', mentionPatterns: ['\\bclaw\\b'] } },
    { name: 'invalid pattern is ignored', input: { text: 'x', mentionPatterns: ['(('] } },
    { name: 'our number typed in the text', input: { text: 'ask +1 555 000 0001 about it' }, via: 'number' },
    { name: 'our number as @digits', input: { text: '@15550000001 hi' }, via: 'number' },
    { name: 'a longer number containing ours does not count', input: { text: 'call 9155500000012' } },
    { name: 'reply to our message by participant', input: { quotedParticipant: '15550000001:12@s.whatsapp.net' }, via: 'reply' },
    { name: 'reply to our message by LID participant', input: { quotedParticipant: '900000001@lid' }, via: 'reply' },
    { name: 'reply to one of our sent ids', input: { quotedParticipant: '15559999999@s.whatsapp.net', quotedStanzaId: 'OUR-MSG-1' }, via: 'reply' },
    { name: 'reply to someone else', input: { quotedParticipant: '15551110001@s.whatsapp.net', quotedStanzaId: 'OTHER' } },
  ];
  for (const row of rows) {
    const r = detectMention({ ...base, ...row.input });
    assert.equal(r.mentioned, !!row.via, row.name);
    assert.equal(r.via, row.via, row.name);
  }
  assert.deepEqual(detectMention({ ...base, text: 'x', mentionPatterns: ['(('] }).invalidPatterns, ['((']);
});

test('resolveSender: phone JID, device suffix, alternate address, LID mapping, unresolvable LID', async () => {
  const mapping: Record<string, string> = { '777000777@lid': '15557770777@s.whatsapp.net' };
  const resolver = async (lid: string) => mapping[lid];
  const failing = async () => {
    throw new Error('store unavailable');
  };
  const cases: { name: string; key: Parameters<typeof resolveSender>[0]; resolver?: typeof resolver; e164?: string; lid?: string }[] = [
    { name: 'phone JID', key: { remoteJid: '15551110001@s.whatsapp.net' }, e164: '+15551110001' },
    { name: 'phone JID with device', key: { remoteJid: '15551110001:5@s.whatsapp.net' }, e164: '+15551110001' },
    { name: 'LID with remoteJidAlt', key: { remoteJid: '123@lid', remoteJidAlt: '15551110001@s.whatsapp.net' }, e164: '+15551110001', lid: '123@lid' },
    { name: 'LID with legacy senderPn', key: { remoteJid: '123:4@lid', senderPn: '15551110001@s.whatsapp.net' }, e164: '+15551110001', lid: '123@lid' },
    { name: 'LID via the mapping', key: { remoteJid: '777000777@lid' }, resolver, e164: '+15557770777', lid: '777000777@lid' },
    { name: 'LID with device via the mapping', key: { remoteJid: '777000777:9@lid' }, resolver, e164: '+15557770777', lid: '777000777@lid' },
    { name: 'unresolvable LID', key: { remoteJid: '888@lid' }, resolver, lid: '888@lid' },
    { name: 'resolver throws', key: { remoteJid: '777000777@lid' }, resolver: failing as typeof resolver, lid: '777000777@lid' },
    { name: 'group participant phone', key: { remoteJid: G1, participant: '15552220002:1@s.whatsapp.net' }, e164: '+15552220002' },
    { name: 'group participant LID with participantAlt', key: { remoteJid: G1, participant: '55@lid', participantAlt: '15552220002@s.whatsapp.net' }, e164: '+15552220002', lid: '55@lid' },
    { name: 'group participant LID via mapping', key: { remoteJid: G1, participant: '777000777@lid' }, resolver, e164: '+15557770777', lid: '777000777@lid' },
    { name: 'phone JID with LID alternate', key: { remoteJid: '15551110001@s.whatsapp.net', remoteJidAlt: '42@lid' }, e164: '+15551110001', lid: '42@lid' },
  ];
  for (const c of cases) {
    const who = await resolveSender(c.key, c.resolver);
    assert.equal(who.e164, c.e164, c.name);
    assert.equal(who.lid, c.lid, c.name);
  }
  // Alternate address first: the resolver is not consulted when the key already says it.
  let calls = 0;
  await resolveSender({ remoteJid: '1@lid', remoteJidAlt: '15551110001@s.whatsapp.net' }, async () => {
    calls++;
    return undefined;
  });
  assert.equal(calls, 0);
});
