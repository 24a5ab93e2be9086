/**
 * Test parties whose keys and certificates OpenSSL makes, for the keys node-forge (and so
 * {@link TestPki}) cannot issue: EC keys on the accepted curves, the keys the verifier refuses
 * (Ed25519, secp256k1, brainpool), and RSA keys under an EC CA. Issuers may be parties of either
 * kind: an EC signer under the RSA test intermediate, an RSA signer under an EC root.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Identity, KeyHolder } from './pki';

export type KeySpec = 'rsa-2048' | 'P-256' | 'P-384' | 'P-521' | 'ed25519' | 'secp256k1' | 'brainpoolP256r1';

export interface OpensslIssueOptions {
  /** A CA certificate (keyCertSign, cRLSign), with a pathLenConstraint when given. */
  readonly ca?: { readonly pathLen?: number };
  /** OpenSSL keyUsage value; default a FIEL's (digitalSignature, nonRepudiation) or a CA's. */
  readonly keyUsage?: string;
  /** OpenSSL extendedKeyUsage value, or null for none; default a FIEL's, none for a CA. */
  readonly extKeyUsage?: string | null;
  /** The issuer's digest. Default SHA-256. */
  readonly digest?: 'sha256' | 'sha384' | 'sha512';
  /** The serial number (hex, positive); random by default. */
  readonly serial?: string;
  readonly days?: number;
  /** Without subject and authority key identifiers (so that nothing prunes a path search). */
  readonly noKeyIdentifiers?: boolean;
}

const DAY = 86_400_000;

export class OpensslPki {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** A new key of `key`'s kind and its certificate from `issuer` (self-issued when null). */
  issue(
    label: string,
    identity: Identity,
    issuer: KeyHolder | null,
    key: KeySpec,
    options: OpensslIssueOptions = {},
  ): KeyHolder {
    const keyPath = join(this.dir, `${label}.key.pem`);
    openssl('genpkey', ...GENPKEY_ARGS[key], '-out', keyPath);
    return this.certify(label, identity, keyPath, issuer, options);
  }

  /** A certificate for the key at `keyPath` (e.g. a second one, with a serial number chosen). */
  certify(
    label: string,
    identity: Identity,
    keyPath: string,
    issuer: KeyHolder | null,
    options: OpensslIssueOptions = {},
  ): KeyHolder {
    const certPath = join(this.dir, `${label}.pem`);
    const config = join(this.dir, `${label}.cnf`);
    writeFileSync(config, extensions(options));
    let serial = options.serial;
    if (serial === undefined) {
      const bytes = randomBytes(9);
      bytes[0] = (bytes[0]! & 0x3f) | 0x10; // positive, no leading zero: the hex is the DER INTEGER's
      serial = bytes.toString('hex');
    }
    const days = String(options.days ?? 4 * 365);
    const common = ['-set_serial', `0x${serial}`, '-days', days, `-${options.digest ?? 'sha256'}`];
    if (issuer === null) {
      openssl(
        'req',
        '-x509',
        '-new',
        '-key',
        keyPath,
        '-subj',
        subject(identity),
        '-utf8',
        '-config',
        config,
        '-extensions',
        'ext',
        ...common,
        '-out',
        certPath,
      );
    } else {
      const csr = join(this.dir, `${label}.csr`);
      openssl(
        'req',
        '-new',
        '-key',
        keyPath,
        '-subj',
        subject(identity),
        '-utf8',
        '-config',
        config,
        '-out',
        csr,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        issuer.certPath,
        '-CAkey',
        issuer.keyPath,
        '-extfile',
        config,
        '-extensions',
        'ext',
        ...common,
        '-out',
        certPath,
      );
    }
    const certPem = readFileSync(certPath, 'utf8');
    const certDer = openssl('x509', '-in', certPath, '-outform', 'DER');
    writeFileSync(join(this.dir, `${label}.cer`), certDer);
    const startDate = openssl('x509', '-in', certPath, '-noout', '-startdate').toString();
    const notBefore = new Date(startDate.trim().replace(/^notBefore=/, ''));
    return {
      label,
      identity,
      certPem,
      certDer,
      keyPem: readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
      serial,
      notBefore,
      notAfter: new Date(notBefore.getTime() + Number(days) * DAY),
    };
  }
}

const GENPKEY_ARGS: Record<KeySpec, readonly string[]> = {
  'rsa-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'P-256': ecKey('P-256'),
  'P-384': ecKey('P-384'),
  'P-521': ecKey('P-521'),
  secp256k1: ecKey('secp256k1'),
  brainpoolP256r1: ecKey('brainpoolP256r1'),
  ed25519: ['-algorithm', 'ed25519'],
};

function ecKey(curve: string): readonly string[] {
  return [
    '-algorithm',
    'EC',
    '-pkeyopt',
    `ec_paramgen_curve:${curve}`,
    '-pkeyopt',
    'ec_param_enc:named_curve',
  ];
}

function openssl(...args: string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The subject in SAT's order (CN, name, O, C, OU, emailAddress, x500UniqueIdentifier, serialNumber). */
function subject(identity: Identity): string {
  const escape = (value: string): string => value.replace(/[\\/+=]/g, (c) => `\\${c}`);
  const parts: [string, string | undefined][] = [
    ['CN', identity.name],
    ['name', identity.name],
    ['O', identity.organization ?? identity.name],
    ['C', 'MX'],
    ['OU', identity.ou],
    ['emailAddress', identity.email],
    ['x500UniqueIdentifier', identity.rfc],
    ['serialNumber', identity.curp],
  ];
  return parts
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `/${key}=${escape(value!)}`)
    .join('');
}

function extensions(options: OpensslIssueOptions): string {
  const isCa = options.ca !== undefined;
  const pathLen = options.ca?.pathLen === undefined ? '' : `,pathlen:${options.ca.pathLen}`;
  const keyUsage = options.keyUsage ?? (isCa ? 'keyCertSign,cRLSign' : 'digitalSignature,nonRepudiation');
  const extKeyUsage =
    options.extKeyUsage === undefined ? (isCa ? null : 'emailProtection,clientAuth') : options.extKeyUsage;
  return [
    '[ req ]',
    'distinguished_name = dn',
    '[ dn ]',
    '[ ext ]',
    `basicConstraints = critical,CA:${isCa ? 'TRUE' : 'FALSE'}${pathLen}`,
    `keyUsage = critical,${keyUsage}`,
    ...(extKeyUsage === null ? [] : [`extendedKeyUsage = ${extKeyUsage}`]),
    // OpenSSL 3 adds key identifiers unless told `none`.
    `subjectKeyIdentifier = ${options.noKeyIdentifiers ? 'none' : 'hash'}`,
    `authorityKeyIdentifier = ${options.noKeyIdentifiers ? 'none' : 'keyid'}`,
    '',
  ].join('\n');
}
