/**
 * A test PKI generated per run: root and intermediate CAs, e.firma-like signers (and broken ones),
 * an untrusted CA, and CRLs issued by `openssl ca`. Keys come from Node's crypto (fast), certificates
 * are issued with node-forge so that subjects and extensions can be shaped like SAT's.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface Identity {
  readonly name: string;
  readonly rfc?: string;
  readonly curp?: string;
  readonly email?: string;
  readonly ou?: string;
  /** The subject's organizationName; the name when absent. */
  readonly organization?: string;
}

/**
 * A party as files and facts, whatever its key: what OpenSSL needs to sign with it, to issue under
 * it and to list it in a CRL.
 */
export interface KeyHolder {
  readonly label: string;
  readonly identity: Identity;
  readonly certPem: string;
  readonly certDer: Buffer;
  readonly keyPem: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** The certificate's serial number, hex. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** An RSA party, made with node-forge so that its subject and extensions can be shaped like SAT's. */
export interface Party extends KeyHolder {
  /** PKCS #8 encrypted key (PBES2, as SAT's `.key`), password {@link KEY_PASSWORD}. */
  readonly encryptedKeyPath: string;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
  readonly forgeCert: forge.pki.Certificate;
}

export const KEY_PASSWORD = '12345678a';

interface IssueOptions {
  readonly bits?: number;
  readonly ca?: { readonly pathLen?: number } | false;
  /** Omit basicConstraints entirely (a CA flag is then not implied). */
  readonly noBasicConstraints?: boolean;
  readonly keyUsage?: Record<string, boolean> | null;
  readonly extKeyUsage?: Record<string, boolean> | null;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly digest?: 'sha256' | 'sha384' | 'sha512' | 'sha1';
}

const DAY = 86_400_000;
const FIEL_KEY_USAGE = {
  digitalSignature: true,
  nonRepudiation: true,
  dataEncipherment: true,
  keyAgreement: true,
};
const FIEL_EXT_KEY_USAGE = { emailProtection: true, clientAuth: true };

export class TestPki {
  private serial = 0x1000;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  issue(label: string, identity: Identity, issuer: Party | null, options: IssueOptions = {}): Party {
    const bits = options.bits ?? 2048;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: bits,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const forgeKey = forge.pki.privateKeyFromPem(privateKey);
    const { cert, notBefore, notAfter } = this.certify(
      forge.pki.publicKeyFromPem(publicKey),
      subjectAttributes(identity),
      issuer,
      options,
      forgeKey,
    );
    const certPem = forge.pki.certificateToPem(cert);
    const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
    const certPath = join(this.dir, `${label}.pem`);
    const keyPath = join(this.dir, `${label}.key.pem`);
    const encryptedKeyPath = join(this.dir, `${label}.key`);
    writeFileSync(certPath, certPem);
    writeFileSync(join(this.dir, `${label}.cer`), certDer);
    writeFileSync(keyPath, privateKey);
    // SAT's .key: DER PKCS #8 EncryptedPrivateKeyInfo; openssl picks PBES2 with PBKDF2.
    execFileSync('openssl', [
      'pkcs8',
      '-topk8',
      '-v2',
      'des3',
      '-v2prf',
      'hmacWithSHA1',
      '-in',
      keyPath,
      '-outform',
      'DER',
      '-out',
      encryptedKeyPath,
      '-passout',
      `pass:${KEY_PASSWORD}`,
    ]);
    return {
      label,
      identity,
      certPem,
      certDer,
      keyPem: privateKey,
      certPath,
      keyPath,
      serial: cert.serialNumber,
      encryptedKeyPath,
      forgeKey,
      forgeCert: cert,
      notBefore,
      notAfter,
    };
  }

  /**
   * An e.firma's own key and subject (e.g. SAT's expired test FIEL) certified again by `issuer`,
   * valid now: the signer's real `.key` file then signs against a chain the tests trust.
   */
  recertify(
    label: string,
    efirma: { readonly cerPath: string; readonly keyPath: string; readonly password: string },
    identity: Identity,
    issuer: Party,
  ): Party {
    const original = forge.pki.certificateFromAsn1(
      forge.asn1.fromDer(readFileSync(efirma.cerPath).toString('binary')),
    );
    const keyPem = execFileSync('openssl', [
      'pkcs8',
      '-inform',
      'DER',
      '-in',
      efirma.keyPath,
      '-passin',
      `pass:${efirma.password}`,
    ]).toString();
    const { cert, notBefore, notAfter } = this.certify(
      original.publicKey as forge.pki.rsa.PublicKey,
      original.subject.attributes,
      issuer,
      {},
      null,
    );
    const certPem = forge.pki.certificateToPem(cert);
    const certDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
    const certPath = join(this.dir, `${label}.pem`);
    const keyPath = join(this.dir, `${label}.key.pem`);
    writeFileSync(certPath, certPem);
    writeFileSync(join(this.dir, `${label}.cer`), certDer);
    writeFileSync(keyPath, keyPem);
    return {
      label,
      identity,
      certPem,
      certDer,
      keyPem,
      certPath,
      keyPath,
      serial: cert.serialNumber,
      encryptedKeyPath: efirma.keyPath,
      forgeKey: forge.pki.privateKeyFromPem(keyPem),
      forgeCert: cert,
      notBefore,
      notAfter,
    };
  }

  private certify(
    publicKey: forge.pki.rsa.PublicKey,
    subject: forge.pki.CertificateField[],
    issuer: Party | null,
    options: IssueOptions,
    selfKey: forge.pki.rsa.PrivateKey | null,
  ): { cert: forge.pki.Certificate; notBefore: Date; notAfter: Date } {
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = (this.serial++).toString(16).padStart(6, '0') + randomBytes(8).toString('hex');
    const notBefore = options.notBefore ?? new Date(Date.now() - 30 * DAY);
    const notAfter = options.notAfter ?? new Date(Date.now() + 4 * 365 * DAY);
    cert.validity.notBefore = notBefore;
    cert.validity.notAfter = notAfter;
    cert.setSubject(subject);
    cert.setIssuer(issuer ? issuer.forgeCert.subject.attributes : subject);
    const isCa = options.ca !== undefined && options.ca !== false;
    const extensions: object[] = [];
    if (!options.noBasicConstraints) {
      extensions.push({
        name: 'basicConstraints',
        critical: true,
        cA: isCa,
        ...(isCa && options.ca && options.ca.pathLen !== undefined
          ? { pathLenConstraint: options.ca.pathLen }
          : {}),
      });
    }
    const keyUsage =
      options.keyUsage === undefined
        ? isCa
          ? { keyCertSign: true, cRLSign: true }
          : FIEL_KEY_USAGE
        : options.keyUsage;
    if (keyUsage !== null) extensions.push({ name: 'keyUsage', critical: true, ...keyUsage });
    const extKeyUsage =
      options.extKeyUsage === undefined ? (isCa ? null : FIEL_EXT_KEY_USAGE) : options.extKeyUsage;
    if (extKeyUsage !== null) extensions.push({ name: 'extKeyUsage', ...extKeyUsage });
    extensions.push({ name: 'subjectKeyIdentifier' });
    const issuerCert = issuer?.forgeCert ?? cert;
    extensions.push({
      name: 'authorityKeyIdentifier',
      keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes(),
    });
    cert.setExtensions(extensions);
    const md = forge.md[options.digest ?? 'sha256'].create();
    cert.sign(issuer?.forgeKey ?? selfKey!, md);
    return { cert, notBefore, notAfter };
  }

  /**
   * A CRL from `ca` with `openssl ca -gencrl`, listing `revoked` with their revocation dates.
   * Current for 30 days from now, unless `options` say when it was issued and when it ends;
   * `extensions` are OpenSSL crl_extensions lines (e.g. `1.2.3.4=critical,ASN1:NULL`). Returns the
   * PEM path.
   */
  crl(
    label: string,
    ca: KeyHolder,
    revoked: readonly { party: KeyHolder; at: Date }[],
    options: {
      readonly thisUpdate?: Date;
      readonly nextUpdate?: Date;
      readonly extensions?: readonly string[];
    } = {},
  ): string {
    const base = join(this.dir, `crl-${label}`);
    mkdirSync(base, { recursive: true });
    const asn1Time = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
    const lines = revoked.map(({ party, at }) => {
      const serial = party.serial.toUpperCase();
      return [
        'R',
        asn1Time(party.notAfter),
        asn1Time(at),
        serial,
        'unknown',
        `/CN=${party.identity.name}`,
      ].join('\t');
    });
    writeFileSync(join(base, 'index.txt'), lines.map((l) => l + '\n').join(''));
    writeFileSync(join(base, 'crlnumber'), '01\n');
    writeFileSync(
      join(base, 'ca.cnf'),
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `database = ${base}/index.txt`,
        `crlnumber = ${base}/crlnumber`,
        'default_md = sha256',
        'default_crl_days = 30',
        ...(options.extensions ? ['crl_extensions = crl_ext', '[ crl_ext ]', ...options.extensions] : []),
        '',
      ].join('\n'),
    );
    const generalizedTime = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    const out = join(this.dir, `${label}.crl.pem`);
    execFileSync(
      'openssl',
      [
        'ca',
        '-gencrl',
        '-config',
        join(base, 'ca.cnf'),
        '-keyfile',
        ca.keyPath,
        '-cert',
        ca.certPath,
        '-out',
        out,
        ...(options.thisUpdate ? ['-crl_lastupdate', generalizedTime(options.thisUpdate)] : []),
        ...(options.nextUpdate ? ['-crl_nextupdate', generalizedTime(options.nextUpdate)] : []),
      ],
      { stdio: 'pipe' },
    );
    return out;
  }
}

/** @types/node-forge types valueTagClass as a tag class; node-forge reads it as a universal type. */
function field(value: {
  name?: string;
  type?: string;
  value: string;
  valueTagClass?: number;
}): forge.pki.CertificateField {
  return value as unknown as forge.pki.CertificateField;
}

function subjectAttributes(identity: Identity): forge.pki.CertificateField[] {
  const utf8 = forge.asn1.Type.UTF8;
  const attrs = [
    field({ name: 'commonName', value: identity.name, valueTagClass: utf8 }),
    field({ type: '2.5.4.41', value: identity.name, valueTagClass: utf8 }),
    field({ name: 'organizationName', value: identity.organization ?? identity.name, valueTagClass: utf8 }),
    field({ name: 'countryName', value: 'MX' }),
  ];
  if (identity.ou) attrs.push(field({ name: 'organizationalUnitName', value: identity.ou }));
  if (identity.email) attrs.push(field({ name: 'emailAddress', value: identity.email }));
  if (identity.rfc) attrs.push(field({ type: '2.5.4.45', value: identity.rfc }));
  if (identity.curp) attrs.push(field({ type: '2.5.4.5', value: identity.curp }));
  return attrs;
}
