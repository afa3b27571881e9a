// Messages between our linked devices and the simulated phones: routing what our client sends to
// contacts (who decrypt it, record it, answer with receipts or retry receipts), contacts writing
// to us (1:1, groups with sender keys, media, quotes, mentions, reactions), receipts and presence
// from our client, and the primary phone's peer messages (app-state key share, history sync).
import { deflateSync } from 'node:zlib';
import { encodeWAMessage, normalizeMessageContent, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { child, children, node, parseJid, uintBE, type BinaryNode } from '../protocol/nodes.ts';
import { bundleNode, type EncType, type PublicBundle, type SignalDevice } from '../signal/device.ts';
import { decryptMedia, defaultMimetype, encryptMedia, sampleContent, sha256Hex } from '../media/media-crypto.ts';
import type { MediaHost } from '../media/media-host.ts';
import type { InboxMedia, InboxMessage, MediaKind, SendResult, SendSpec } from '../types.ts';
import type { Account, CompanionDevice } from '../world/accounts.ts';
import { MAX_RETRY_RECEIPTS, traceSent, type Contact } from '../world/contacts.ts';
import type { Group } from '../world/groups.ts';
import { SimInputError, type World } from '../world/world.ts';
import type { Connection } from './connection.ts';
import { ackKeyOf, type Delivery } from './delivery.ts';
import type { FaultBook } from './faults.ts';

const MAX_RETRIES = 5;
/** Sent messages a contact remembers (for quotes and retries); bounded for long soak runs. */
const SENT_KEPT = 10_000;

/** What our client sent one simulated device in one stanza. */
interface Envelope {
  id: string;
  from: CompanionDevice;
  /** The JID our client addressed this device's user by (PN or LID, no device part). */
  addressedAs: string;
  group?: Group;
  pairwise?: { type: EncType; ciphertext: Buffer };
  skmsg?: Buffer;
}

function mediaOf(m: proto.IMessage): { kind: string; media: proto.Message.IImageMessage & { fileName?: string | null; title?: string | null } } | undefined {
  if (m.imageMessage) return { kind: 'image', media: m.imageMessage };
  if (m.videoMessage) return { kind: 'video', media: m.videoMessage };
  if (m.audioMessage) return { kind: m.audioMessage.ptt ? 'ptt' : 'audio', media: m.audioMessage };
  if (m.documentMessage) return { kind: 'document', media: m.documentMessage };
  if (m.stickerMessage) return { kind: 'sticker', media: m.stickerMessage };
  return undefined;
}

function contextInfoOf(m: proto.IMessage): proto.IContextInfo | undefined {
  return (
    m.extendedTextMessage?.contextInfo ??
    m.imageMessage?.contextInfo ??
    m.videoMessage?.contextInfo ??
    m.audioMessage?.contextInfo ??
    m.documentMessage?.contextInfo ??
    m.stickerMessage?.contextInfo ??
    undefined
  );
}

function textOf(m: proto.IMessage): string | undefined {
  return (
    m.conversation ??
    m.extendedTextMessage?.text ??
    m.imageMessage?.caption ??
    m.videoMessage?.caption ??
    m.documentMessage?.caption ??
    undefined
  ) ?? undefined;
}

function decodeMessage(padded: Buffer): proto.Message {
  return proto.Message.decode(unpadRandomMax16(padded));
}

export class Messaging {
  constructor(
    private readonly world: World,
    private readonly delivery: Delivery,
    private readonly faults: FaultBook,
    private readonly media: MediaHost,
  ) {}

  // =============================================================== sessions with our devices

  /** A bundle of one of our companions, taking a one-time prekey; warns the client when low. */
  private companionBundle(device: CompanionDevice): PublicBundle {
    const bundle = device.takeBundle();
    if (bundle.preKey) this.world.counts.prekeysHandedOut++;
    if (device.keys.preKeys.size < 5 && !device.prekeyLowSent && device.connection?.deliveryOpen) {
      // What the real server does when a device's prekeys run low: the client uploads more.
      device.prekeyLowSent = true;
      device.connection.send(
        node('notification', { from: 's.whatsapp.net', type: 'encrypt', id: this.world.newStanzaId('pk'), t: this.world.unixNow() }, [
          node('count', { value: device.keys.preKeys.size }),
        ]),
      );
    }
    return bundle;
  }

  private async ensureSession(signal: SignalDevice, device: CompanionDevice): Promise<void> {
    if (!signal.hasSession(device.remote)) await signal.startSession(device.remote, this.companionBundle(device));
  }

  // =============================================================== our client -> simulated devices

  async onClientMessage(conn: Connection, n: BinaryNode): Promise<void> {
    const from = conn.device;
    if (!from) return;
    this.world.counts.messagesIn++;
    const id = n.attrs.id ?? '';
    const to = n.attrs.to ?? '';
    conn.respond(node('ack', { class: 'message', id, from: to, t: this.world.unixNow() }));

    const toJid = parseJid(to);
    const group = toJid?.server === 'g.us' ? this.world.group(to) : undefined;
    const encs = children(n, 'enc');
    const skmsg = encs.find((e) => e.attrs.type === 'skmsg');
    const targets: { jid: string; enc: BinaryNode }[] = [];
    for (const t of children(child(n, 'participants'), 'to')) {
      const enc = child(t, 'enc');
      if (t.attrs.jid && enc) targets.push({ jid: t.attrs.jid, enc });
    }
    // A retry resend or peer message carries its <enc> directly, for `to` (or `participant` in a group).
    for (const enc of encs) {
      if (enc.attrs.type === 'skmsg') continue;
      const jid = group ? n.attrs.participant : to;
      if (jid) targets.push({ jid, enc });
    }

    const reached = new Set<Contact>();
    for (const { jid, enc } of targets) {
      const j = parseJid(jid);
      const party = this.world.party(jid);
      const type = enc.attrs.type as EncType;
      const ciphertext = Buffer.isBuffer(enc.content) || enc.content instanceof Uint8Array ? Buffer.from(enc.content) : undefined;
      if (!j || !party || !ciphertext || (type !== 'pkmsg' && type !== 'msg')) {
        this.world.counts.undeliverable++;
        this.world.log.info(`undeliverable: ${id} for ${jid} (${party ? 'bad enc' : 'unknown address'})`);
        continue;
      }
      const addressedAs = `${j.user}@${j.server}`;
      if (party.kind === 'contact' && j.device === 0) {
        reached.add(party.contact);
        const env: Envelope = { id, from, addressedAs, group, pairwise: { type, ciphertext }, skmsg: group && skmsg ? this.encBytes(skmsg) : undefined };
        void party.contact.serial(() => this.contactReceives(party.contact, env));
      } else if (party.kind === 'account' && j.device === 0) {
        // Decrypted only on demand (sim.phone.log) so the phone costs no CPU under load.
        party.account.phoneEnvelopes.push({ id, from, type, ciphertext, to: group?.jid ?? to, at: this.world.now() });
      } else if (party.kind === 'account' && party.account === from.account && j.device === from.id) {
        // Baileys 7 addresses group sender keys to its own LID device too; the server drops that copy.
      } else {
        // Another companion of an account: device-to-device fanout is not simulated.
        this.world.counts.undeliverable++;
        this.world.log.info(`undeliverable: ${id} for ${jid} (companion-to-companion copies are not simulated)`);
      }
    }
    // Group members that already hold our sender key get the skmsg alone.
    if (group && skmsg) {
      for (const contact of group.contacts) {
        if (reached.has(contact)) continue;
        const env: Envelope = { id, from, addressedAs: group.addressOf(contact), group, skmsg: this.encBytes(skmsg) };
        void contact.serial(() => this.contactReceives(contact, env));
      }
    }
    this.world.changed();
  }

  private encBytes(enc: BinaryNode): Buffer | undefined {
    return Buffer.isBuffer(enc.content) || enc.content instanceof Uint8Array ? Buffer.from(enc.content) : undefined;
  }

  /** A contact decrypts what our client sent, records it and answers with receipts. */
  private async contactReceives(contact: Contact, env: Envelope): Promise<void> {
    const remote = env.from.remote;
    const message: proto.IMessage = {};
    if (env.pairwise && this.faults.take('unreadable', { device: env.from })) {
      this.world.counts.contactDecryptFailures++;
      this.world.log.info(`${contact.name} could not decrypt ${env.id} from ${env.from.jid}: fault "unreadable"; sending a retry receipt`);
      this.sendRetryReceipt(contact, env);
      return;
    }
    try {
      if (env.pairwise) {
        const m = decodeMessage(await contact.device.decrypt(remote, env.pairwise.type, env.pairwise.ciphertext));
        const skdm = m.senderKeyDistributionMessage?.axolotlSenderKeyDistributionMessage;
        if (skdm && env.group) await contact.device.processSenderKey(env.group.jid, remote, Buffer.from(skdm));
        Object.assign(message, m);
      }
      if (env.skmsg && env.group) {
        Object.assign(message, decodeMessage(await contact.device.groupDecrypt(env.group.jid, remote, env.skmsg)));
      }
    } catch (err) {
      this.world.counts.contactDecryptFailures++;
      this.world.log.info(`${contact.name} could not decrypt ${env.id} from ${env.from.jid}: ${(err as Error).message}; sending a retry receipt`);
      this.sendRetryReceipt(contact, env);
      return;
    }
    const at = this.world.now();
    const content = normalizeMessageContent(message) ?? message;
    const receiptFrom = env.group ? env.group.jid : env.addressedAs;
    const participant = env.group ? env.addressedAs : undefined;
    const ourJid = env.group ? (env.group.addressing === 'lid' ? env.from.account.lidJid : env.from.account.jid) : env.addressedAs.endsWith('@lid') ? env.from.account.lidJid : env.from.account.jid;

    const seenKey = `${env.group ? env.group.jid : env.from.account.jid}|${env.id}`;
    if (contact.receivedIds.has(seenKey)) {
      this.world.counts.contactDuplicatesIgnored++;
      this.world.log.info(`${contact.name} already has ${env.id}: receipted, not shown again`);
    } else if (content.reactionMessage) {
      contact.receivedIds.add(seenKey);
      contact.inbox.reactions.push({ messageId: content.reactionMessage.key?.id ?? '', emoji: content.reactionMessage.text ?? '', from: ourJid, at });
    } else if (content.protocolMessage || Object.keys(content).every((k) => k === 'senderKeyDistributionMessage' || k === 'messageContextInfo')) {
      // Edits, revokes and bare sender-key distributions are not conversation messages.
    } else {
      const entry: InboxMessage = { id: env.id, from: ourJid, fromDevice: env.from.jid, chat: env.group ? env.group.jid : ourJid, at };
      if (env.group) entry.group = env.group.id;
      const text = textOf(content);
      if (text !== undefined) entry.text = text;
      const media = mediaOf(content);
      if (media) entry.media = this.fetchMedia(media.kind, media.media);
      const ctx = contextInfoOf(content);
      if (ctx?.stanzaId) entry.quoted = { id: ctx.stanzaId, ...(ctx.participant ? { participant: ctx.participant } : {}) };
      if (ctx?.mentionedJid?.length) entry.mentions = [...ctx.mentionedJid];
      contact.receivedIds.add(seenKey);
      contact.inbox.messages.push(entry);
    }
    this.world.changed();

    // Delivery receipt, then (for a contact who reads at once) a read receipt, from the address used.
    this.delivery.deliver(env.from, node('receipt', { from: receiptFrom, participant, id: env.id, t: this.world.unixNow() }));
    if (contact.autoRead && !content.reactionMessage && !content.protocolMessage) {
      this.delivery.deliver(env.from, node('receipt', { from: receiptFrom, participant, id: env.id, t: this.world.unixNow(), type: 'read' }));
    }
  }

  private fetchMedia(kind: string, m: { url?: string | null; directPath?: string | null; mediaKey?: Uint8Array | null; fileSha256?: Uint8Array | null; fileEncSha256?: Uint8Array | null; mimetype?: string | null; fileName?: string | null }): InboxMedia {
    const base: InboxMedia = { kind: kind === 'ptt' ? 'audio' : kind, bytes: 0, sha256: '', ok: false };
    if (m.mimetype) base.mimetype = m.mimetype;
    if (m.fileName) base.fileName = m.fileName;
    const body = this.media.get(m.directPath ?? m.url ?? '');
    if (!body || !m.mediaKey) return { ...base, error: body ? 'no mediaKey in message' : 'media not found on the simulator media host' };
    try {
      const plain = decryptMedia(body, Buffer.from(m.mediaKey), kind);
      const sha = sha256Hex(plain);
      const hashesOk =
        (!m.fileSha256 || Buffer.from(m.fileSha256).toString('hex') === sha) &&
        (!m.fileEncSha256 || Buffer.from(m.fileEncSha256).toString('hex') === sha256Hex(body));
      return { ...base, bytes: plain.length, sha256: sha, ok: hashesOk, ...(hashesOk ? {} : { error: 'hash mismatch' }) };
    } catch (err) {
      return { ...base, error: (err as Error).message };
    }
  }

  /** A contact that cannot decrypt asks for the message again, with a fresh bundle of its own. */
  private sendRetryReceipt(contact: Contact, env: Envelope): void {
    // Like a phone, the count goes up with each retry of the same message (Baileys escalates on
    // it: base-key check at 2, a fresh session after that) and stops after the last one.
    const retryKey = `${env.from.jid}|${env.id}`;
    const count = (contact.retriesAsked.get(retryKey) ?? 0) + 1;
    if (count > MAX_RETRY_RECEIPTS) {
      this.world.log.info(`${contact.name} gives up on ${env.id} after ${MAX_RETRY_RECEIPTS} retry receipts`);
      return;
    }
    contact.retriesAsked.set(retryKey, count);
    const bundle = contact.device.takeBundle();
    const keys = bundleNode('', bundle);
    const receipt = node(
      'receipt',
      {
        from: env.group ? env.group.jid : env.addressedAs,
        participant: env.group ? env.addressedAs : undefined,
        id: env.id,
        type: 'retry',
        t: this.world.unixNow(),
      },
      [
        node('retry', { count, id: env.id, t: this.world.unixNow(), v: 1 }),
        node('registration', {}, uintBE(contact.device.registrationId, 4)),
        node('keys', {}, children(keys).filter((c) => c.tag !== 'registration')),
      ],
    );
    this.delivery.deliver(env.from, receipt);
  }

  // =============================================================== receipts, acks, presence from our client

  onClientReceipt(conn: Connection, n: BinaryNode): void {
    const device = conn.device;
    if (!device) return;
    this.world.counts.receiptsIn++;
    const type = n.attrs.type;
    if (type === 'retry') this.world.counts.retryReceiptsIn++;
    conn.respond(node('ack', { class: 'receipt', id: n.attrs.id, from: n.attrs.to, type, participant: n.attrs.participant }));
    this.delivery.settle(device, n, conn);
    const to = n.attrs.to ?? '';
    const isGroup = to.endsWith('@g.us');
    const contact = this.world.contactByJid(isGroup ? n.attrs.participant : to);
    if (!contact) return;
    const ids = [n.attrs.id, ...children(child(n, 'list'), 'item').map((i) => i.attrs.id)].filter((x): x is string => !!x);
    if (type === 'retry') {
      void contact.serial(() => this.contactResends(contact, device, n));
      return;
    }
    const kind =
      type === undefined || type === 'inactive' || type === 'delivery'
        ? 'delivered'
        : type === 'read' || type === 'read-self'
          ? 'read'
          : type === 'played' || type === 'played-self'
            ? 'played'
            : undefined;
    if (!kind) return;
    const from = to.endsWith('@lid') || (isGroup && n.attrs.participant?.endsWith('@lid')) ? device.account.lidJid : device.account.jid;
    const at = this.world.now();
    for (const messageId of ids) contact.inbox.receipts.push({ messageId, type: kind, from, at });
    this.world.changed();
  }

  onClientAck(conn: Connection, n: BinaryNode): void {
    const device = conn.device;
    if (!device) return;
    this.world.counts.acksIn++;
    if (n.attrs.error) this.world.counts.nacksIn++;
    this.delivery.settle(device, n, conn);
  }

  onClientPresence(conn: Connection, n: BinaryNode): void {
    const device = conn.device;
    if (!device) return;
    const at = this.world.now();
    if (n.tag === 'presence') {
      const type = n.attrs.type ?? 'available';
      if (n.attrs.name) device.account.name = n.attrs.name;
      if (type === 'available' || type === 'unavailable') {
        for (const c of this.world.contacts.values()) c.inbox.presence.push({ type, from: device.account.jid, at });
      } else if (type === 'subscribe' && n.attrs.to) {
        const contact = this.world.contactByJid(n.attrs.to);
        if (contact) conn.send(node('presence', { from: n.attrs.to, type: 'unavailable', last: Math.floor(at / 1000) - 60 }));
      }
      this.world.changed();
      return;
    }
    // <chatstate to=..><composing/> | <paused/> | <composing media=audio/>
    const state = Array.isArray(n.content) ? n.content[0] : undefined;
    if (!state) return;
    const type = state.tag === 'composing' && state.attrs.media === 'audio' ? 'recording' : state.tag;
    if (type !== 'composing' && type !== 'paused' && type !== 'recording') return;
    const to = n.attrs.to ?? '';
    const group = to.endsWith('@g.us') ? this.world.group(to) : undefined;
    const recipients = group ? group.contacts : [this.world.contactByJid(to)].filter((c): c is Contact => !!c);
    const from = to.endsWith('@lid') || group?.addressing === 'lid' ? device.account.lidJid : device.account.jid;
    for (const c of recipients) c.inbox.presence.push({ type, from, at });
    this.world.changed();
  }

  /** Our client could not decrypt a contact's message: the contact re-encrypts it for that device. */
  private async contactResends(contact: Contact, device: CompanionDevice, receipt: BinaryNode): Promise<void> {
    const id = receipt.attrs.id ?? '';
    const sent = contact.sent.get(id);
    if (!sent) return;
    const count = (sent.retries.get(device.jid) ?? 0) + 1;
    sent.retries.set(device.jid, count);
    if (count > MAX_RETRIES) return traceSent(sent, 'retry ignored (too many)');
    traceSent(sent, `resent (${count})`);
    const keys = child(receipt, 'keys');
    const skey = child(keys, 'skey');
    const identity = keys && child(keys, 'identity');
    const registration = child(receipt, 'registration');
    if (keys && skey && identity && registration) {
      // The retry carries a fresh bundle: start over from it, as a real phone does.
      const pre = child(keys, 'key');
      const bundle: PublicBundle = {
        registrationId: Buffer.from(registration.content as Uint8Array).readUInt32BE(0),
        identity: Buffer.from(identity.content as Uint8Array),
        signedPreKey: {
          id: Buffer.from(child(skey, 'id')!.content as Uint8Array).readUIntBE(0, 3),
          publicKey: Buffer.from(child(skey, 'value')!.content as Uint8Array),
          signature: Buffer.from(child(skey, 'signature')!.content as Uint8Array),
        },
        ...(pre
          ? { preKey: { id: Buffer.from(child(pre, 'id')!.content as Uint8Array).readUIntBE(0, 3), publicKey: Buffer.from(child(pre, 'value')!.content as Uint8Array) } }
          : {}),
      };
      await contact.device.startSession(device.remote, bundle);
    } else {
      contact.device.forgetSession(device.remote);
      await this.ensureSession(contact.device, device);
    }
    const group = sent.group ? this.world.group(sent.group) : undefined;
    let message = sent.message;
    if (group) {
      // Group retries go pairwise and carry the sender key again.
      const skdm = await contact.device.ownSenderKey(group.jid);
      message = { ...message, senderKeyDistributionMessage: { groupId: group.jid, axolotlSenderKeyDistributionMessage: skdm } };
    }
    const { type, ciphertext } = await contact.device.encrypt(device.remote, encodeWAMessage(message));
    const stanza = node('message', this.stanzaAttrs(contact, sent.id, message, group), [
      node('enc', { v: 2, type, count, ...this.mediaTypeAttr(message) }, ciphertext),
    ]);
    this.delivery.deliver(device, stanza);
  }

  // =============================================================== contacts -> our client

  private stanzaAttrs(contact: Contact, id: string, message: proto.IMessage, group: Group | undefined): Record<string, string | number | undefined> {
    const type = message.reactionMessage ? 'reaction' : mediaOf(message) ? 'media' : 'text';
    const common = { id, type, t: this.world.unixNow(), notify: contact.name };
    if (group) {
      return {
        from: group.jid,
        participant: group.addressOf(contact),
        participant_pn: group.addressing === 'lid' ? contact.pnJid : undefined,
        participant_lid: group.addressing === 'pn' ? contact.lidJid : undefined,
        addressing_mode: group.addressing,
        ...common,
      };
    }
    if (contact.addressing === 'lid') return { from: contact.lidJid, sender_pn: contact.pnJid, addressing_mode: 'lid', ...common };
    return { from: contact.pnJid, ...common };
  }

  private mediaTypeAttr(message: proto.IMessage): Record<string, string> {
    const m = mediaOf(message);
    return m ? { mediatype: m.kind } : {};
  }

  /** Builds the message a contact sends for a SendSpec (uploading media first). */
  private buildMessage(contact: Contact, spec: SendSpec, chat: string, group: Group | undefined): { message: proto.IMessage; media?: SendResult['media'] } {
    if (spec.react) {
      const target = spec.react.messageId;
      const ours = contact.inbox.messages.find((m) => m.id === target);
      const key: proto.IMessageKey = { remoteJid: chat, id: target, fromMe: !ours && contact.sent.has(target) };
      if (group) key.participant = ours ? ours.from : group.addressOf(contact);
      return { message: { reactionMessage: { key, text: spec.react.emoji, senderTimestampMs: this.world.now() } } };
    }
    const context: proto.IContextInfo = {};
    if (spec.quote) {
      const ours = contact.inbox.messages.find((m) => m.id === spec.quote);
      const mine = contact.sent.get(spec.quote);
      context.stanzaId = spec.quote;
      if (ours) context.participant = ours.from;
      else if (mine) context.participant = group ? group.addressOf(contact) : contact.jid;
      const quotedText = ours?.text ?? mine?.text;
      context.quotedMessage = quotedText !== undefined ? { conversation: quotedText } : { conversation: '' };
    }
    if (spec.mentions?.length) context.mentionedJid = [...spec.mentions];
    const hasContext = Object.keys(context).length > 0;

    if (spec.media) {
      const kind: MediaKind = spec.media.kind;
      if (!['image', 'audio', 'document', 'video'].includes(kind)) throw new SimInputError(`media.kind must be image, audio, document or video (got "${kind}")`);
      const data =
        spec.media.data === undefined
          ? sampleContent(kind, spec.media.bytes)
          : Buffer.isBuffer(spec.media.data)
            ? spec.media.data
            : Buffer.from(spec.media.data, 'base64');
      const enc = encryptMedia(data, kind);
      const { directPath, url } = this.media.put(kind, enc.body);
      const common = {
        url,
        directPath,
        mimetype: spec.media.mimetype ?? defaultMimetype(kind),
        mediaKey: enc.mediaKey,
        fileSha256: enc.fileSha256,
        fileEncSha256: enc.fileEncSha256,
        fileLength: data.length,
        mediaKeyTimestamp: Math.floor(this.world.now() / 1000),
        ...(hasContext ? { contextInfo: context } : {}),
      };
      const caption = spec.media.caption ?? spec.text;
      let message: proto.IMessage;
      if (kind === 'image') message = { imageMessage: { ...common, caption, width: 1, height: 1 } };
      else if (kind === 'video') message = { videoMessage: { ...common, caption, seconds: 1 } };
      else if (kind === 'audio') message = { audioMessage: { ...common, seconds: 1, ptt: false } };
      else {
        const fileName = spec.media.fileName ?? 'document.pdf';
        message = { documentMessage: { ...common, caption, fileName, title: fileName } };
      }
      return { message, media: { kind, bytes: data.length, sha256: sha256Hex(data), directPath } };
    }
    if (spec.text === undefined) throw new SimInputError('nothing to send: give "text", "media" or "react"');
    return { message: hasContext ? { extendedTextMessage: { text: spec.text, contextInfo: context } } : { conversation: spec.text } };
  }

  /** A contact writes to one of our accounts or into a group. Resolves once it is queued for delivery. */
  async contactSend(contact: Contact, spec: SendSpec): Promise<SendResult> {
    const id = spec.id ?? this.world.newMessageId();
    let group: Group | undefined;
    let devices: CompanionDevice[];
    let chat: string;
    if (spec.group) {
      group = this.world.group(spec.group);
      if (!group) throw new SimInputError(`no group "${spec.group}"`, 404);
      if (!group.contacts.includes(contact)) throw new SimInputError(`${contact.name} is not in group "${group.subject}"`);
      devices = group.accounts.flatMap((a) => a.linkedDevices());
      chat = group.jid;
    } else {
      const account = this.world.resolveAccount(spec.to);
      devices = account.linkedDevices();
      chat = contact.addressing === 'lid' ? account.lidJid : account.jid;
    }
    const { message, media } = this.buildMessage(contact, spec, chat, group);
    contact.sent.set(id, { id, message, chat, group: group?.id, text: textOf(message), at: this.world.now(), retries: new Map() });
    if (contact.sent.size > SENT_KEPT) contact.sent.delete(contact.sent.keys().next().value!);

    await contact.serial(async () => {
      // The distribution message must be taken before encrypting: it carries the chain's
      // current iteration, which the receiver starts from.
      const skdm = group ? await contact.device.ownSenderKey(group.jid) : undefined;
      const skmsg = group ? await contact.device.groupEncrypt(group.jid, encodeWAMessage(message)) : undefined;
      for (const device of devices) {
        const encs: BinaryNode[] = [];
        const extra = this.mediaTypeAttr(message);
        await this.ensureSession(contact.device, device);
        if (group) {
          const sentTo = contact.senderKeySent.get(group.jid) ?? new Set<string>();
          contact.senderKeySent.set(group.jid, sentTo);
          if (!sentTo.has(device.jid)) {
            const { type, ciphertext } = await contact.device.encrypt(
              device.remote,
              encodeWAMessage({ senderKeyDistributionMessage: { groupId: group.jid, axolotlSenderKeyDistributionMessage: skdm } }),
            );
            encs.push(node('enc', { v: 2, type, ...extra }, ciphertext));
            sentTo.add(device.jid);
          }
          encs.push(node('enc', { v: 2, type: 'skmsg', ...extra }, skmsg!));
        } else {
          const { type, ciphertext } = await contact.device.encrypt(device.remote, encodeWAMessage(message));
          encs.push(node('enc', { v: 2, type, ...extra }, ciphertext));
        }
        const stanza = node('message', this.stanzaAttrs(contact, id, message, group), encs);
        const duplicate = this.faults.take('duplicate', { device });
        if (duplicate?.mode === 'same-stanza') {
          this.delivery.deliver(device, stanza, 2);
        } else {
          this.delivery.deliver(device, stanza);
          if (duplicate) {
            // The same message id again, freshly encrypted (as a sender's resend would be).
            const again = group
              ? node('message', this.stanzaAttrs(contact, id, message, group), [
                  node('enc', { v: 2, type: 'skmsg', ...extra }, await contact.device.groupEncrypt(group.jid, encodeWAMessage(message))),
                ])
              : node('message', this.stanzaAttrs(contact, id, message, group), [
                  (({ type, ciphertext }) => node('enc', { v: 2, type, ...extra }, ciphertext))(await contact.device.encrypt(device.remote, encodeWAMessage(message))),
                ]);
            this.delivery.deliver(device, again);
          }
        }
      }
    });
    return { messageId: id, ...(media ? { media } : {}) };
  }

  /** The contact reads our messages (read receipts for ids it received). */
  async contactRead(contact: Contact, messageIds: string[]): Promise<void> {
    for (const id of messageIds) {
      const m = contact.inbox.messages.find((x) => x.id === id);
      if (!m) throw new SimInputError(`${contact.name} never received message ${id}`, 404);
      const device = this.world.companion(m.fromDevice);
      if (!device) continue;
      const group = m.group ? this.world.group(m.group) : undefined;
      this.delivery.deliver(
        device,
        node('receipt', {
          from: group ? group.jid : m.from.endsWith('@lid') ? contact.lidJid : contact.pnJid,
          participant: group ? group.addressOf(contact) : undefined,
          id,
          t: this.world.unixNow(),
          type: 'read',
        }),
      );
    }
  }

  /** The contact is typing (or stopped) in its chat with an account, or in a group. */
  contactTyping(contact: Contact, state: 'composing' | 'paused' | 'recording', to?: string, groupRef?: string): void {
    const group = groupRef ? this.world.group(groupRef) : undefined;
    if (groupRef && !group) throw new SimInputError(`no group "${groupRef}"`, 404);
    const accounts = group ? group.accounts : [this.world.resolveAccount(to)];
    const content = [node(state === 'recording' ? 'composing' : state, state === 'recording' ? { media: 'audio' } : {})];
    for (const account of accounts) {
      const attrs = group ? { from: group.jid, participant: group.addressOf(contact) } : { from: contact.jid };
      for (const device of account.linkedDevices()) {
        if (device.connection?.deliveryOpen) device.connection.send(node('chatstate', attrs, content));
      }
    }
  }

  // =============================================================== the primary phone

  /**
   * After a new device's first login: the app-state key and the initial history, as peer
   * messages. Resolves with the ack key of the history message.
   */
  async phoneBootstrap(device: CompanionDevice): Promise<string> {
    const account = device.account;
    device.bootstrapped = true;
    const keyShare: proto.IMessage = {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
        appStateSyncKeyShare: {
          keys: [
            {
              keyId: { keyId: account.appStateKey.id },
              keyData: {
                keyData: account.appStateKey.data,
                fingerprint: { rawId: 1, currentIndex: 0, deviceIndexes: [0] },
                timestamp: this.world.now(),
              },
            },
          ],
        },
      },
    };
    const contacts = [...this.world.contacts.values()];
    const history = proto.HistorySync.encode({
      syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
      progress: 100,
      chunkOrder: 0,
      conversations: contacts.map((c) => ({ id: c.pnJid, lidJid: c.lidJid, pnJid: c.pnJid, name: c.name })),
      pushnames: contacts.map((c) => ({ id: c.pnJid, pushname: c.name })),
      phoneNumberToLidMappings: [
        { pnJid: account.jid, lidJid: account.lidJid },
        ...contacts.map((c) => ({ pnJid: c.pnJid, lidJid: c.lidJid })),
      ],
    }).finish();
    const historyNotice: proto.IMessage = {
      protocolMessage: {
        type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
        historySyncNotification: {
          syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP,
          chunkOrder: 0,
          progress: 100,
          initialHistBootstrapInlinePayload: deflateSync(history),
        },
      },
    };
    await this.phoneSend(device, keyShare);
    return this.phoneSend(device, historyNotice);
  }

  /** The phone sends one of our companions a peer message (category=peer); returns its ack key. */
  private async phoneSend(device: CompanionDevice, message: proto.IMessage): Promise<string> {
    const account = device.account;
    await this.drainPhone(account);
    await this.ensureSession(account.phoneDevice, device);
    const { type, ciphertext } = await account.phoneDevice.encrypt(device.remote, encodeWAMessage(message));
    const stanza = node(
      'message',
      { from: account.jid, id: this.world.newMessageId(), type: 'text', t: this.world.unixNow(), category: 'peer', notify: account.name, push_priority: 'high_force' },
      [node('enc', { v: 2, type }, ciphertext)],
    );
    this.delivery.deliver(device, stanza);
    return ackKeyOf(stanza);
  }

  /**
   * Decrypts the copies our companions sent the phone (deviceSentMessage), lazily: the phone's
   * log is only needed on request and this keeps the simulator's CPU for contacts under load.
   */
  async drainPhone(account: Account): Promise<void> {
    const batch = account.phoneEnvelopes.splice(0);
    for (const e of batch) {
      try {
        const m = decodeMessage(await account.phoneDevice.decrypt(e.from.remote, e.type, e.ciphertext));
        const inner = m.deviceSentMessage?.message ?? m;
        const content = normalizeMessageContent(inner) ?? inner;
        const kind = Object.keys(content).find((k) => k !== 'messageContextInfo') ?? 'unknown';
        const text = textOf(content);
        account.phoneLog.push({ id: e.id, to: m.deviceSentMessage?.destinationJid ?? e.to, fromDevice: e.from.jid, kind, at: e.at, ...(text !== undefined ? { text } : {}) });
      } catch (err) {
        this.world.log.info(`phone ${account.phone} could not decrypt ${e.id} from ${e.from.jid}: ${(err as Error).message}`);
      }
    }
  }
}

