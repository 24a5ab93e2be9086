/** Signatures made the ways signers make them: `openssl cms`, `openssl dgst`, and node-forge. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import type { KeyHolder, Party } from './pki';

const scratch = mkdtempSync(join(tmpdir(), 'manifiesta-sign-'));
let counter = 0;

function writeDocument(document: Uint8Array): string {
  const path = join(scratch, `doc-${counter++}`);
  writeFileSync(path, document);
  return path;
}

export interface CmsOptions {
  readonly md?: 'sha256' | 'sha384' | 'sha512' | 'sha1';
  /** Without signed attributes (`-noattr`). */
  readonly noAttributes?: boolean;
  /** Without the signer's certificate (`-nocerts`). */
  readonly noCertificates?: boolean;
  /** Extra certificates to carry, e.g. the intermediate CA. */
  readonly carry?: readonly KeyHolder[];
  readonly pem?: boolean;
  readonly pss?: boolean;
}

/** `openssl cms -sign -binary` detached, as DESIGN §3 names it. */
export function opensslCms(document: Uint8Array, signer: KeyHolder, options: CmsOptions = {}): Buffer {
  const args = [
    'cms',
    '-sign',
    '-binary',
    '-in',
    writeDocument(document),
    '-signer',
    signer.certPath,
    '-inkey',
    signer.keyPath,
    '-md',
    options.md ?? 'sha256',
    '-outform',
    options.pem ? 'PEM' : 'DER',
  ];
  if (options.noAttributes) args.push('-noattr');
  if (options.noCertificates) args.push('-nocerts');
  if (options.pss) args.push('-keyopt', 'rsa_padding_mode:pss');
  if (options.carry?.length) {
    const bundle = join(scratch, `carry-${counter++}.pem`);
    writeFileSync(bundle, options.carry.map((p) => p.certPem).join(''));
    args.push('-certfile', bundle);
  }
  return execFileSync('openssl', args);
}

/** `openssl dgst -sha256 -sign`: a raw PKCS #1 v1.5 signature. */
export function opensslPkcs1(
  document: Uint8Array,
  signer: KeyHolder,
  md: 'sha256' | 'sha512' = 'sha256',
): Buffer {
  return execFileSync('openssl', ['dgst', `-${md}`, '-sign', signer.keyPath, writeDocument(document)]);
}

/** A key and certificate node-forge can sign with: a test party, or hand-made certificates. */
export type ForgeSigner = Pick<Party, 'forgeKey' | 'forgeCert'>;

/**
 * node-forge's PKCS #7 signer (detached, with signed attributes), as a browser would run it.
 * `carry` adds certificates to the SignedData (a chain, or whatever a hostile signer chooses).
 */
export function forgeCms(
  document: Uint8Array,
  signer: ForgeSigner,
  carry: readonly (ForgeSigner | forge.pki.Certificate)[] = [],
): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(Buffer.from(document).toString('binary'));
  p7.addCertificate(signer.forgeCert);
  for (const item of carry) p7.addCertificate('forgeCert' in item ? item.forgeCert : item);
  p7.addSigner({
    key: signer.forgeKey,
    certificate: signer.forgeCert,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
      { type: forge.pki.oids.signingTime!, value: new Date() as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

/** node-forge's RSA PKCS #1 v1.5 over SHA-256: what the portal's page sends. */
export function forgePkcs1(document: Uint8Array, signer: Party): Buffer {
  const md = forge.md.sha256.create();
  md.update(Buffer.from(document).toString('binary'));
  return Buffer.from(signer.forgeKey.sign(md), 'binary');
}

/** A copy with one byte flipped at `index` (negative counts from the end). */
export function flipByte(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
