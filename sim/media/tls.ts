// The simulator's own certificate authority and a 127.0.0.1 server certificate it signs, for the
// HTTPS media host (and wss:// when asked). Files are written to the data dir so other processes
// can trust the CA (see docs/simulator.md).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { writeFileAtomic } from '../../main/shared/atomic-write.ts';

export interface SimTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** PEM file of the CA: what CLAWLINE_WA_CA points at. */
  caPath: string;
  /** The CA appended to the bundle in NODE_EXTRA_CA_CERTS (if any): for child processes. */
  caBundlePath: string;
}

export async function createTls(dir: string): Promise<SimTls> {
  // A unique name per simulator: with several simulators' CAs trusted in one process, OpenSSL
  // picks the issuer by name, so equal names would make all but one fail to verify.
  const caName = `Clawline WhatsApp Simulator CA ${randomBytes(4).toString('hex')}`;
  const ca = await selfsigned.generate([{ name: 'commonName', value: caName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 86400_000),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const caPath = join(dir, 'ca.pem');
  const caBundlePath = join(dir, 'ca-bundle.pem');
  await writeFileAtomic(caPath, ca.cert, { mode: 0o644 });
  // NODE_EXTRA_CA_CERTS holds one file; keep whatever it already trusts (this machine points it
  // at the system bundle) and add ours.
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  const prior = existing && existsSync(existing) ? readFileSync(existing, 'utf8') : '';
  await writeFileAtomic(caBundlePath, (prior && !prior.endsWith('\n') ? prior + '\n' : prior) + ca.cert, { mode: 0o644 });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private, caPath, caBundlePath };
}
