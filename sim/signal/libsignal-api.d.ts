// The part of libsignal 6.0.0 (a CommonJS module whose bundled typings omit `curve` and
// `keyhelper`) that the simulator's devices use. sim/signal/libsignal.ts casts the module to this.

export interface SignalKeyPair {
  /** 33 bytes: 0x05 type byte + 32-byte Curve25519 public key. */
  pubKey: Buffer;
  privKey: Buffer;
}

export interface SignedPreKeyPair {
  keyId: number;
  keyPair: SignalKeyPair;
  signature: Buffer;
}

/** A prekey bundle as libsignal's SessionBuilder.initOutgoing takes it (public keys 0x05-prefixed). */
export interface E2EBundle {
  registrationId: number;
  identityKey: Buffer;
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  preKey?: { keyId: number; publicKey: Buffer };
}

export interface ProtocolAddress {
  readonly id: string;
  readonly deviceId: number;
  toString(): string;
}

export interface SessionRecord {
  haveOpenSession(): boolean;
}

export interface SignalStorage {
  loadSession(id: string): Promise<SessionRecord | undefined>;
  storeSession(id: string, record: SessionRecord): Promise<void>;
  isTrustedIdentity(id: string, identityKey: Buffer): boolean;
  loadPreKey(id: number | string): Promise<SignalKeyPair | undefined>;
  removePreKey(id: number): void;
  loadSignedPreKey(id?: number): SignalKeyPair;
  getOurRegistrationId(): number;
  getOurIdentity(): SignalKeyPair;
}

export interface SessionCipher {
  encrypt(data: Buffer): Promise<{ type: number; body: Buffer | string; registrationId: number }>;
  decryptPreKeyWhisperMessage(ciphertext: Buffer): Promise<Buffer>;
  decryptWhisperMessage(ciphertext: Buffer): Promise<Buffer>;
}

export interface SessionBuilder {
  initOutgoing(bundle: E2EBundle): Promise<void>;
}

export interface LibSignal {
  ProtocolAddress: new (id: string, deviceId: number) => ProtocolAddress;
  SessionBuilder: new (storage: SignalStorage, address: ProtocolAddress) => SessionBuilder;
  SessionCipher: new (storage: SignalStorage, address: ProtocolAddress) => SessionCipher;
  curve: {
    generateKeyPair(): SignalKeyPair;
    calculateSignature(privKey: Buffer, message: Buffer): Buffer;
    verifySignature(pubKey: Buffer, message: Buffer, signature: Buffer): boolean;
  };
  keyhelper: {
    generateIdentityKeyPair(): SignalKeyPair;
    generateRegistrationId(): number;
    generateSignedPreKey(identity: SignalKeyPair, keyId: number): SignedPreKeyPair;
    generatePreKey(keyId: number): { keyId: number; keyPair: SignalKeyPair };
  };
}
