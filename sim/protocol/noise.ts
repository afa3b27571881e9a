// Server (responder) side of WhatsApp's Noise XX handshake and the transport cipher after it.
// Mirrors Baileys' Utils/noise-handler.js from the other end; hashing, HKDF and AES-GCM use
// node:crypto so the simulator does not reuse the client's own implementation.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Curve, NOISE_MODE, proto } from '@whiskeysockets/baileys';

export interface CurveKeyPair {
  public: Buffer;
  private: Buffer;
}

const EMPTY = Buffer.alloc(0);

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function iv(counter: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(counter, 8);
  return b;
}

function gcmEncrypt(key: Buffer, counter: number, plaintext: Buffer, aad: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, iv(counter));
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

function gcmDecrypt(key: Buffer, counter: number, ciphertext: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv(counter));
  d.setAAD(aad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  return Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
}

function hkdf64(ikm: Buffer, salt: Buffer): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, salt, EMPTY, 64));
  return [out.subarray(0, 32), out.subarray(32)];
}

/**
 * The server's certificate chain. Baileys 7 checks the intermediate's issuer serial (0) and
 * verifies both signatures; the intermediate's signature is against WhatsApp's pinned key,
 * which we cannot produce, and passes only because libsignal's verify returns false instead of
 * throwing (see docs/simulator.md). The leaf signature is genuinely valid.
 */
export function makeCertChain(serverStaticPublic: Buffer): Buffer {
  const intermediate = Curve.generateKeyPair();
  const now = Math.floor(Date.now() / 1000);
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: intermediate.public,
    notBefore: now - 3600,
    notAfter: now + 365 * 86400,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStaticPublic,
    notBefore: now - 3600,
    notAfter: now + 30 * 86400,
  }).finish();
  return Buffer.from(
    proto.CertChain.encode({
      intermediate: { details: intermediateDetails, signature: randomBytes(64) },
      leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
    }).finish(),
  );
}

export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private ephemeral: CurveKeyPair | undefined;
  private sendKey: Buffer | undefined;
  private recvKey: Buffer | undefined;
  private sendCounter = 0;
  private recvCounter = 0;
  /** The client's static noise key (creds.noiseKey.public), known after clientFinish. */
  clientStatic: Buffer | undefined;

  constructor(
    private readonly serverStatic: CurveKeyPair,
    private readonly certChain: Buffer,
    prologue: Buffer,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.mixHash(prologue);
  }

  get established(): boolean {
    return this.sendKey !== undefined;
  }

  private mixHash(data: Buffer): void {
    this.hash = sha256(this.hash, data);
  }

  private mixKey(dh: Buffer): void {
    const [ck, k] = hkdf64(dh, this.salt);
    this.salt = ck;
    this.key = k;
    this.counter = 0;
  }

  private encryptAndHash(plaintext: Buffer): Buffer {
    const c = gcmEncrypt(this.key, this.counter++, plaintext, this.hash);
    this.mixHash(c);
    return c;
  }

  private decryptAndHash(ciphertext: Buffer): Buffer {
    const p = gcmDecrypt(this.key, this.counter++, ciphertext, this.hash);
    this.mixHash(ciphertext);
    return p;
  }

  /** Answers the client's hello; returns the encoded HandshakeMessage to send. */
  serverHello(clientEphemeral: Buffer): Buffer {
    this.mixHash(clientEphemeral);
    const eph = Curve.generateKeyPair() as CurveKeyPair;
    this.ephemeral = eph;
    this.mixHash(eph.public);
    this.mixKey(Buffer.from(Curve.sharedKey(eph.private, clientEphemeral)));
    const encStatic = this.encryptAndHash(this.serverStatic.public);
    this.mixKey(Buffer.from(Curve.sharedKey(this.serverStatic.private, clientEphemeral)));
    const encCert = this.encryptAndHash(this.certChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({ serverHello: { ephemeral: eph.public, static: encStatic, payload: encCert } }).finish(),
    );
  }

  /** Processes the client's finish message; returns its login/registration payload. */
  clientFinish(encStatic: Buffer, encPayload: Buffer): proto.ClientPayload {
    if (!this.ephemeral) throw new Error('noise: client finish before hello');
    const clientStatic = this.decryptAndHash(encStatic);
    this.clientStatic = clientStatic;
    this.mixKey(Buffer.from(Curve.sharedKey(this.ephemeral.private, clientStatic)));
    const payload = proto.ClientPayload.decode(this.decryptAndHash(encPayload));
    const [clientWrite, clientRead] = hkdf64(EMPTY, this.salt);
    this.recvKey = clientWrite;
    this.sendKey = clientRead;
    return payload;
  }

  encrypt(plaintext: Buffer): Buffer {
    if (!this.sendKey) throw new Error('noise: transport not established');
    return gcmEncrypt(this.sendKey, this.sendCounter++, plaintext, EMPTY);
  }

  decrypt(ciphertext: Buffer): Buffer {
    if (!this.recvKey) throw new Error('noise: transport not established');
    return gcmDecrypt(this.recvKey, this.recvCounter++, ciphertext, EMPTY);
  }
}
