// Answers to the client's <iq> queries: prekeys, digest, key bundles, usync device lists (with
// LIDs), AB props, privacy, blocklist, pings, app-state sync, media_conn, group metadata,
// logout and pairing-code stages. Anything else gets an empty result.
import { createHash } from 'node:crypto';
import { child, childBytes, children, firstChild, node, parseJid, uintBE, type BinaryNode } from '../protocol/nodes.ts';
import { bundleNode } from '../signal/device.ts';
import type { CompanionDevice } from '../world/accounts.ts';
import type { World } from '../world/world.ts';
import type { Connection } from './connection.ts';
import type { Linking } from './linking.ts';

export interface IqHooks {
  /** `iq xmlns=passive <active/>`: the client is ready for its offline batch. */
  onPassiveActive(conn: Connection): void;
  /** The client synced app state (the last step Baileys takes before emitting messages after linking). */
  onAppStateSync(conn: Connection): void;
  /** `remove-companion-device` (Baileys' logout()). */
  onLogout(device: CompanionDevice, reason: string): void;
  /** The client uploaded prekeys (maybe after a prekey-low notification). */
  onPrekeysUploaded(device: CompanionDevice): void;
}

export interface IqOptions {
  privacyTokens: boolean;
  mediaHostname: () => string;
  mediaAuth: string;
}

const PRIVACY_CATEGORIES = ['readreceipts', 'last', 'online', 'profile', 'status', 'groupadd', 'calladd', 'messages', 'defense'];

export class IqHandler {
  constructor(
    private readonly world: World,
    private readonly linking: Linking,
    private readonly hooks: IqHooks,
    private readonly opts: IqOptions,
  ) {}

  private from(iq: BinaryNode): string {
    const to = iq.attrs.to;
    return !to || to === '@s.whatsapp.net' ? 's.whatsapp.net' : to;
  }

  private result(conn: Connection, iq: BinaryNode, content?: BinaryNode[]): void {
    conn.respond(node('iq', { from: this.from(iq), type: 'result', id: iq.attrs.id }, content));
  }

  private error(conn: Connection, iq: BinaryNode, code: number, text: string): void {
    conn.respond(node('iq', { from: this.from(iq), type: 'error', id: iq.attrs.id }, [node('error', { code, text })]));
  }

  handle(conn: Connection, iq: BinaryNode): void {
    const { type, xmlns } = iq.attrs;
    if (type === 'result' || type === 'error') {
      if (child(iq, 'pair-device-sign')) this.linking.onPairDeviceSign(conn, iq);
      return;
    }
    this.world.counts.iqs++;
    const first = firstChild(iq);
    const tag = first?.tag;
    const device = conn.device;

    if (xmlns === 'w:p') {
      if (conn.muted) return; // silence fault: pings go unanswered
      return this.result(conn, iq);
    }
    if (xmlns === 'md' && tag === 'link_code_companion_reg' && first) return this.linking.onLinkCodeIq(conn, iq, first);
    if (!device) {
      // Before login only pairing iqs make sense.
      return this.result(conn, iq);
    }

    switch (xmlns) {
      case 'encrypt':
        return this.encrypt(conn, iq, device, first);
      case 'passive':
        this.result(conn, iq);
        if (tag === 'active') this.hooks.onPassiveActive(conn);
        return;
      case 'usync':
        return this.usync(conn, iq, device, first);
      case 'abt':
        return this.result(conn, iq, [
          node('props', { protocol: 1, ab_key: 'sim', hash: 'simprops1', refresh: 3600 }, [
            node('prop', { config_code: 10518, config_value: this.opts.privacyTokens ? 'true' : 'false' }),
            node('prop', { config_code: 14303, config_value: 'false' }),
          ]),
        ]);
      case 'w':
        if (tag === 'props') return this.result(conn, iq, [node('props', { protocol: 2, hash: 'simprops1' }, [node('prop', { name: 'sim', value: '1' })])]);
        return this.result(conn, iq);
      case 'blocklist':
        return this.result(conn, iq, iq.attrs.type === 'get' ? [node('list', {})] : undefined);
      case 'privacy':
        if (tag === 'privacy' && iq.attrs.type === 'get') {
          return this.result(conn, iq, [
            node('privacy', {}, PRIVACY_CATEGORIES.map((name) => node('category', { name, value: name === 'messages' ? 'all' : 'all' }))),
          ]);
        }
        return this.result(conn, iq);
      case 'w:sync:app:state':
        return this.appState(conn, iq);
      case 'w:m':
        return this.result(conn, iq, [
          node('media_conn', { auth: this.opts.mediaAuth, ttl: 21600, auth_ttl: 21600, max_buckets: 12 }, [
            node('host', { hostname: this.opts.mediaHostname(), maxContentLengthBytes: 104857600 }),
          ]),
        ]);
      case 'md':
        if (tag === 'remove-companion-device') {
          this.result(conn, iq);
          this.hooks.onLogout(device, first?.attrs.reason ?? 'user_initiated');
          return;
        }
        return this.result(conn, iq);
      case 'w:g2':
        return this.groups(conn, iq, first);
      default:
        return this.result(conn, iq);
    }
  }

  // ---- xmlns=encrypt ----

  private encrypt(conn: Connection, iq: BinaryNode, device: CompanionDevice, first: BinaryNode | undefined): void {
    const keys = device.keys;
    if (iq.attrs.type === 'get' && first?.tag === 'count') {
      return this.result(conn, iq, [node('count', { value: keys.preKeys.size })]);
    }
    if (iq.attrs.type === 'set' && child(iq, 'list')) {
      // Prekey upload: registration, type, identity, list of keys, signed prekey.
      for (const k of children(child(iq, 'list'), 'key')) {
        const id = childBytes(k, 'id');
        const value = childBytes(k, 'value');
        if (id && value) keys.preKeys.set(id.readUIntBE(0, id.length), value);
      }
      const skey = child(iq, 'skey');
      const skId = childBytes(skey, 'id');
      const skValue = childBytes(skey, 'value');
      const skSig = childBytes(skey, 'signature');
      if (skId && skValue && skSig) keys.signedPreKey = { id: skId.readUIntBE(0, skId.length), publicKey: skValue, signature: skSig };
      const reg = childBytes(iq, 'registration');
      if (reg) keys.registrationId = reg.readUInt32BE(0);
      this.result(conn, iq);
      this.hooks.onPrekeysUploaded(device);
      return;
    }
    if (iq.attrs.type === 'set' && first?.tag === 'rotate') {
      const skey = child(first, 'skey');
      const skId = childBytes(skey, 'id');
      const skValue = childBytes(skey, 'value');
      const skSig = childBytes(skey, 'signature');
      if (skId && skValue && skSig) keys.signedPreKey = { id: skId.readUIntBE(0, skId.length), publicKey: skValue, signature: skSig };
      return this.result(conn, iq);
    }
    if (iq.attrs.type === 'get' && first?.tag === 'digest') {
      const preKeyIds = [...keys.preKeys.keys()];
      const hash = createHash('sha1').update(keys.identity).update(keys.signedPreKey.publicKey).update(keys.signedPreKey.signature);
      for (const v of keys.preKeys.values()) hash.update(v);
      return this.result(conn, iq, [
        node('digest', {}, [
          node('registration', {}, uintBE(keys.registrationId, 4)),
          node('type', {}, Buffer.from([5])),
          node('identity', {}, keys.identity),
          node('skey', {}, [
            node('id', {}, uintBE(keys.signedPreKey.id, 3)),
            node('value', {}, keys.signedPreKey.publicKey),
            node('signature', {}, keys.signedPreKey.signature),
          ]),
          node('list', {}, preKeyIds.map((id) => node('id', {}, uintBE(id, 3)))),
          node('hash', {}, hash.digest()),
        ]),
      ]);
    }
    if (iq.attrs.type === 'get' && first?.tag === 'key') {
      const users = children(first, 'user').map((u) => u.attrs.jid ?? '');
      return this.result(conn, iq, [node('list', {}, users.map((jid) => this.bundleFor(jid)))]);
    }
    return this.result(conn, iq);
  }

  /** The key bundle of any device we know (a contact, an account's phone or companion). */
  private bundleFor(jid: string): BinaryNode {
    const j = parseJid(jid);
    const party = this.world.party(jid);
    const missing = node('user', { jid }, [node('error', { code: 404, text: 'item-not-found' })]);
    if (!j || !party) return missing;
    if (party.kind === 'contact') {
      if (j.device !== 0) return missing;
      const bundle = party.contact.device.takeBundle();
      if (bundle.preKey) this.world.counts.prekeysHandedOut++;
      return bundleNode(jid, bundle);
    }
    if (j.device === 0) {
      const bundle = party.account.phoneDevice.takeBundle();
      if (bundle.preKey) this.world.counts.prekeysHandedOut++;
      return bundleNode(jid, bundle);
    }
    const companion = party.account.device(j.device);
    if (!companion || companion.status !== 'linked') return missing;
    const bundle = companion.takeBundle();
    if (bundle.preKey) this.world.counts.prekeysHandedOut++;
    return bundleNode(jid, bundle);
  }

  // ---- xmlns=usync ----

  private usync(conn: Connection, iq: BinaryNode, _device: CompanionDevice, usync: BinaryNode | undefined): void {
    const query = child(usync, 'query');
    const protocols = children(query).map((p) => p.tag);
    const users = children(child(usync, 'list'), 'user');
    const list = users.map((u) => {
      const phoneQuery = childBytes(u, 'contact')?.toString();
      const jid = u.attrs.jid ?? (phoneQuery ? `${phoneQuery.replace(/[^0-9]/g, '')}@s.whatsapp.net` : '');
      const j = parseJid(jid);
      const party = this.world.party(jid);
      const content: BinaryNode[] = [];
      for (const p of protocols) {
        if (p === 'devices') {
          const devices = [node('device', { id: 0 })];
          if (party?.kind === 'account') {
            for (const d of party.account.linkedDevices()) devices.push(node('device', { id: d.id, 'key-index': d.keyIndex }));
          }
          content.push(node('devices', {}, party ? [node('device-list', {}, devices)] : [node('device-list', {}, [])]));
        } else if (p === 'lid') {
          if (party && j?.server !== 'lid') content.push(node('lid', { val: party.kind === 'account' ? party.account.lidJid : party.contact.lidJid }));
          else content.push(node('lid', {}));
        } else if (p === 'contact') {
          content.push(node('contact', { type: party ? 'in' : 'out' }));
        } else if (p === 'status') {
          content.push(node('status', { t: this.world.unixNow() }, Buffer.from('Hey there! I am using WhatsApp.')));
        } else {
          content.push(node(p, {}));
        }
      }
      return node('user', { jid }, content);
    });
    this.result(conn, iq, [
      node('usync', { sid: usync?.attrs.sid, mode: usync?.attrs.mode, context: usync?.attrs.context, index: 0, last: 'true' }, [
        node('result', {}, protocols.map((p) => node(p, {}))),
        node('list', {}, list),
      ]),
    ]);
  }

  // ---- xmlns=w:sync:app:state ----

  private appState(conn: Connection, iq: BinaryNode): void {
    // No patches and no snapshot: every collection answered at the version asked (leaving one
    // out makes Baileys resync forever). A pushed patch bumps the version by one.
    const collections = children(child(iq, 'sync'), 'collection').map((c) => {
      const version = Number(c.attrs.version ?? 0) + (child(c, 'patch') ? 1 : 0);
      return node('collection', { name: c.attrs.name, version });
    });
    this.result(conn, iq, [node('sync', {}, collections)]);
    this.hooks.onAppStateSync(conn);
  }

  // ---- xmlns=w:g2 ----

  private groups(conn: Connection, iq: BinaryNode, first: BinaryNode | undefined): void {
    const to = iq.attrs.to ?? '';
    if (iq.attrs.type === 'get' && first?.tag === 'query') {
      const group = this.world.group(to);
      if (!group) return this.error(conn, iq, 404, 'item-not-found');
      return this.result(conn, iq, [group.metadataNode()]);
    }
    if (iq.attrs.type === 'get' && first?.tag === 'participating') {
      const account = conn.device?.account;
      const mine = [...this.world.groups.values()].filter((g) => account && g.accounts.includes(account));
      return this.result(conn, iq, [node('groups', {}, mine.map((g) => g.metadataNode()))]);
    }
    return this.result(conn, iq);
  }
}
