// A simulated Signal device (a contact's phone, or the primary phone of a linked account): its own
// identity, signed prekey and one-time prekeys, in-memory sessions and sender keys.
import { node, uintBE, type BinaryNode } from '../protocol/nodes.ts';
import {
  GroupCipher,
  GroupSessionBuilder,
  libsignal,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
  type E2EBundle,
  type ProtocolAddress,
  type SessionRecord,
  type SignalKeyPair,
  type SignalStorage,
  type SignedPreKeyPair,
} from './libsignal.ts';

const KEY_TYPE = Buffer.from([5]);

/** A device's public key material as the server hands it out (32-byte keys, no type byte). */
export interface PublicBundle {
  registrationId: number;
  identity: Buffer;
  signedPreKey: { id: number; publicKey: Buffer; signature: Buffer };
  preKey?: { id: number; publicKey: Buffer };
}

/** Who is at the other end of a session, in this device's own naming. */
export interface RemoteDevice {
  name: string;
  device: number;
}

export type EncType = 'pkmsg' | 'msg';

const withType = (key: Buffer): Buffer => (key.length === 33 ? key : Buffer.concat([KEY_TYPE, key]));
const withoutType = (key: Buffer): Buffer => (key.length === 33 ? key.subarray(1) : key);

export function toE2EBundle(b: PublicBundle): E2EBundle {
  return {
    registrationId: b.registrationId,
    identityKey: withType(b.identity),
    signedPreKey: { keyId: b.signedPreKey.id, publicKey: withType(b.signedPreKey.publicKey), signature: b.signedPreKey.signature },
    ...(b.preKey ? { preKey: { keyId: b.preKey.id, publicKey: withType(b.preKey.publicKey) } } : {}),
  };
}

/** The `<user>` node of an `iq xmlns=encrypt <key>` answer (also the shape of `<keys>` in retry receipts). */
export function bundleNode(jid: string, b: PublicBundle): BinaryNode {
  return node('user', { jid }, [
    node('registration', {}, uintBE(b.registrationId, 4)),
    node('type', {}, KEY_TYPE),
    node('identity', {}, b.identity),
    node('skey', {}, [
      node('id', {}, uintBE(b.signedPreKey.id, 3)),
      node('value', {}, b.signedPreKey.publicKey),
      node('signature', {}, b.signedPreKey.signature),
    ]),
    ...(b.preKey ? [node('key', {}, [node('id', {}, uintBE(b.preKey.id, 3)), node('value', {}, b.preKey.publicKey)])] : []),
  ]);
}

export interface SignalDeviceOptions {
  /** One-time prekeys generated per refill. */
  prekeyBatch?: number;
}

export class SignalDevice {
  readonly identity: SignalKeyPair;
  readonly registrationId: number;
  readonly signedPreKey: SignedPreKeyPair;
  /** One-time prekeys this device still holds the private half of. */
  private readonly preKeys = new Map<number, SignalKeyPair>();
  /** Ids of prekeys not yet handed out by the server. */
  private unissued: number[] = [];
  private nextPreKeyId = 1;
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly senderKeys = new Map<string, SenderKeyRecord>();
  private readonly storage: SignalStorage;
  private readonly batch: number;
  prekeysIssued = 0;

  constructor(opts: SignalDeviceOptions = {}) {
    this.batch = opts.prekeyBatch ?? 20;
    this.identity = libsignal.keyhelper.generateIdentityKeyPair();
    this.registrationId = libsignal.keyhelper.generateRegistrationId();
    this.signedPreKey = libsignal.keyhelper.generateSignedPreKey(this.identity, 1);
    this.refill();
    const self = this;
    this.storage = {
      loadSession: async (id) => self.sessions.get(id),
      storeSession: async (id, record) => {
        self.sessions.set(id, record);
      },
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => self.preKeys.get(Number(id)),
      removePreKey: (id) => {
        self.preKeys.delete(Number(id));
      },
      loadSignedPreKey: () => self.signedPreKey.keyPair,
      getOurRegistrationId: () => self.registrationId,
      getOurIdentity: () => self.identity,
    };
  }

  /** 32-byte public identity key. */
  get identityPublic(): Buffer {
    return withoutType(this.identity.pubKey);
  }

  private refill(): void {
    for (let i = 0; i < this.batch; i++) {
      const id = this.nextPreKeyId++;
      this.preKeys.set(id, libsignal.keyhelper.generatePreKey(id).keyPair);
      this.unissued.push(id);
    }
  }

  /** Unissued one-time prekeys left on the server for this device. */
  get prekeysAvailable(): number {
    return this.unissued.length;
  }

  /**
   * The device's bundle with one one-time prekey that nobody has been given before. Synchronous,
   * so two sessions starting at the same moment never share a prekey; refills the pool when low.
   */
  takeBundle(): PublicBundle {
    if (this.unissued.length < 5) this.refill();
    const id = this.unissued.shift();
    const pre = id === undefined ? undefined : this.preKeys.get(id);
    if (pre) this.prekeysIssued++;
    return {
      registrationId: this.registrationId,
      identity: this.identityPublic,
      signedPreKey: {
        id: this.signedPreKey.keyId,
        publicKey: withoutType(this.signedPreKey.keyPair.pubKey),
        signature: this.signedPreKey.signature,
      },
      ...(id !== undefined && pre ? { preKey: { id, publicKey: withoutType(pre.pubKey) } } : {}),
    };
  }

  private address(remote: RemoteDevice): ProtocolAddress {
    return new libsignal.ProtocolAddress(remote.name, remote.device);
  }

  hasSession(remote: RemoteDevice): boolean {
    return this.sessions.get(this.address(remote).toString())?.haveOpenSession() ?? false;
  }

  forgetSession(remote: RemoteDevice): void {
    this.sessions.delete(this.address(remote).toString());
  }

  /** Loses every pairwise session and sender key (like a phone restored without its chats). */
  forgetAll(): void {
    this.sessions.clear();
    this.senderKeys.clear();
  }

  /** Starts an outgoing session from the other device's bundle (replacing any open one). */
  async startSession(remote: RemoteDevice, bundle: PublicBundle): Promise<void> {
    await new libsignal.SessionBuilder(this.storage, this.address(remote)).initOutgoing(toE2EBundle(bundle));
  }

  async encrypt(remote: RemoteDevice, plaintext: Buffer): Promise<{ type: EncType; ciphertext: Buffer }> {
    const { type, body } = await new libsignal.SessionCipher(this.storage, this.address(remote)).encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.isBuffer(body) ? body : Buffer.from(body, 'binary') };
  }

  /** Decrypts a pairwise message; the result is still padded (see unpadRandomMax16). */
  async decrypt(remote: RemoteDevice, type: EncType, ciphertext: Buffer): Promise<Buffer> {
    const cipher = new libsignal.SessionCipher(this.storage, this.address(remote));
    return type === 'pkmsg' ? cipher.decryptPreKeyWhisperMessage(ciphertext) : cipher.decryptWhisperMessage(ciphertext);
  }

  // ---- sender keys (groups) ----

  private senderKeyStore = {
    loadSenderKey: async (name: SenderKeyName) => this.senderKeys.get(name.toString()) ?? new SenderKeyRecord(),
    storeSenderKey: async (name: SenderKeyName, record: SenderKeyRecord) => {
      this.senderKeys.set(name.toString(), record);
    },
  };

  private senderKeyName(group: string, sender?: RemoteDevice): SenderKeyName {
    return new SenderKeyName(group, sender ? this.address(sender) : this.address({ name: 'self', device: 0 }));
  }

  /** This device's sender key distribution message for a group (creating its sender key once). */
  async ownSenderKey(group: string): Promise<Buffer> {
    const skdm = await new GroupSessionBuilder(this.senderKeyStore).create(this.senderKeyName(group));
    return Buffer.from(skdm.serialize());
  }

  async groupEncrypt(group: string, paddedPlaintext: Buffer): Promise<Buffer> {
    const own = this.senderKeys.get(this.senderKeyName(group).toString());
    if (!own || own.isEmpty()) await this.ownSenderKey(group);
    return Buffer.from(await new GroupCipher(this.senderKeyStore, this.senderKeyName(group)).encrypt(paddedPlaintext));
  }

  hasSenderKeyFrom(group: string, sender: RemoteDevice): boolean {
    const record = this.senderKeys.get(this.senderKeyName(group, sender).toString());
    return !!record && !record.isEmpty();
  }

  async processSenderKey(group: string, sender: RemoteDevice, skdm: Buffer): Promise<void> {
    const message = new SenderKeyDistributionMessage(null, null, null, null, skdm);
    await new GroupSessionBuilder(this.senderKeyStore).process(this.senderKeyName(group, sender), message);
  }

  async groupDecrypt(group: string, sender: RemoteDevice, ciphertext: Buffer): Promise<Buffer> {
    return Buffer.from(await new GroupCipher(this.senderKeyStore, this.senderKeyName(group, sender)).decrypt(ciphertext));
  }
}
