/**
 * Time-stamp tokens for the tests, made two ways: by OpenSSL's own TSA (`openssl ts -reply`, the
 * reference implementation of RFC 3161 and of the ESS signing-certificate-v2 attribute), and by
 * hand, for the tokens OpenSSL will not make: those of PSCs whose real constancias depart from
 * RFC 3161/5816 (a TSA certificate without the timeStamping usage, an ESS hash of another
 * certificate, a signingTime UTCTime with fractional seconds, a negative serial number).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { OpensslPki } from './openssl-pki';
import type { KeyHolder } from './pki';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export interface TestTsaParties {
  readonly dir: string;
  readonly root: KeyHolder;
  /** A TSA certificate as RFC 3161 §2.3 wants it: extended key usage timeStamping alone, critical. */
  readonly tsa: KeyHolder;
  /** The same TSA's key under a certificate without extended key usage (some PSCs' certificates). */
  readonly tsaWithoutEku: KeyHolder;
  /** Another root, which no test trusts. */
  readonly strangerRoot: KeyHolder;
  readonly strangerTsa: KeyHolder;
}

let parties: TestTsaParties | undefined;

/** The tests' TSA PKI, made once per run. */
export function testTsaParties(): TestTsaParties {
  if (parties) return parties;
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-'));
  const pki = new OpensslPki(dir);
  const root = pki.issue('tsa-root', { name: 'AC Raiz de Sellos de Prueba' }, null, 'rsa-2048', {
    ca: {},
  });
  const tsa = pki.issue('tsa', { name: 'TSA de Prueba' }, root, 'rsa-2048', {
    keyUsage: 'digitalSignature,nonRepudiation',
    extKeyUsage: 'critical,timeStamping',
  });
  const tsaWithoutEku = pki.certify('tsa-sin-eku', { name: 'PSC de Prueba' }, tsa.keyPath, root, {
    keyUsage: 'digitalSignature,nonRepudiation',
    extKeyUsage: null,
  });
  const strangerRoot = pki.issue('otra-raiz', { name: 'AC Desconocida de Sellos' }, null, 'rsa-2048', {
    ca: {},
  });
  const strangerTsa = pki.issue('otra-tsa', { name: 'TSA Desconocida' }, strangerRoot, 'rsa-2048', {
    keyUsage: 'digitalSignature,nonRepudiation',
    extKeyUsage: 'critical,timeStamping',
  });
  parties = { dir, root, tsa, tsaWithoutEku, strangerRoot, strangerTsa };
  return parties;
}

export const TEST_TSA_POLICY = '1.3.6.1.4.1.99999.3161.1';

/**
 * OpenSSL's TSA answering `query` (a TimeStampReq, DER): the TimeStampResp and the token in it.
 * The query may be ours or one `openssl ts -query` made.
 */
export function opensslTsaReply(
  query: Uint8Array,
  signer: KeyHolder = testTsaParties().tsa,
  chain: readonly KeyHolder[] = [testTsaParties().root],
): { response: Buffer; token: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-reply-'));
  const chainPath = join(dir, 'chain.pem');
  writeFileSync(chainPath, chain.map((c) => c.certPem).join(''));
  writeFileSync(join(dir, 'serial'), '0A\n');
  const config = join(dir, 'tsa.cnf');
  writeFileSync(
    config,
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${join(dir, 'serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${signer.certPath}`,
      `certs = ${chainPath}`,
      `signer_key = ${signer.keyPath}`,
      'signer_digest = sha256',
      `default_policy = ${TEST_TSA_POLICY}`,
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1, millisecs:500',
      'ordering = no',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const queryPath = join(dir, 'query.tsq');
  writeFileSync(queryPath, query);
  const responsePath = join(dir, 'reply.tsr');
  execFileSync(
    'openssl',
    ['ts', '-reply', '-config', config, '-queryfile', queryPath, '-out', responsePath],
    {
      stdio: 'pipe',
    },
  );
  const tokenPath = join(dir, 'token.tst');
  execFileSync('openssl', ['ts', '-reply', '-in', responsePath, '-token_out', '-out', tokenPath], {
    stdio: 'pipe',
  });
  return { response: readFileSync(responsePath), token: readFileSync(tokenPath) };
}

/** `openssl ts -query` over `data` (SHA-256, with a nonce, asking for the certificate). */
export function opensslTsaQuery(data: Uint8Array): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-tsa-query-'));
  writeFileSync(join(dir, 'data'), data);
  return execFileSync('openssl', ['ts', '-query', '-data', join(dir, 'data'), '-sha256', '-cert'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface HandMadeToken {
  readonly data: Uint8Array;
  /** The imprint itself (SHA-256), instead of `data`'s. */
  readonly digest?: Uint8Array;
  readonly signer?: KeyHolder;
  readonly chain?: readonly KeyHolder[];
  /** The TSTInfo serial number's bytes (two's complement): a first byte ≥ 0x80 is negative. */
  readonly serial?: Buffer;
  /** The certificate the ESS signing-certificate-v2 attribute hashes (default: the signer's); null for none. */
  readonly essCertificate?: KeyHolder | null;
  /** The signingTime as written (a UTCTime's text); none when absent. */
  readonly signingTime?: string;
  readonly genTime?: Date;
  readonly policy?: string;
  /** Corrupts the TSA's signature after signing. */
  readonly breakSignature?: boolean;
}

/** A TimeStampToken put together by hand, for the shapes OpenSSL's TSA never makes. */
export function handMadeToken(options: HandMadeToken): Buffer {
  const signer = options.signer ?? testTsaParties().tsaWithoutEku;
  const chain = options.chain ?? [testTsaParties().root];
  const oid = (dotted: string): Asn1 => node(asn1.Type.OID, asn1.oidToDer(dotted).getBytes());
  const genTime = (options.genTime ?? new Date())
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const tstInfo = der(
    seq(
      node(asn1.Type.INTEGER, asn1.integerToDer(1).getBytes()),
      oid(options.policy ?? '2.16.484.101.10.316.2.1'),
      seq(
        seq(oid('2.16.840.1.101.3.4.2.1')),
        node(asn1.Type.OCTETSTRING, Buffer.from(options.digest ?? sha256(options.data)).toString('binary')),
      ),
      node(asn1.Type.INTEGER, (options.serial ?? Buffer.from([0x2a])).toString('binary')),
      node(asn1.Type.GENERALIZEDTIME, genTime),
    ),
  );
  const attributes: Asn1[] = [
    attribute('1.2.840.113549.1.9.3', oid('1.2.840.113549.1.9.16.1.4')),
    attribute('1.2.840.113549.1.9.4', node(asn1.Type.OCTETSTRING, sha256(tstInfo).toString('binary'))),
  ];
  if (options.signingTime !== undefined)
    attributes.push(attribute('1.2.840.113549.1.9.5', node(asn1.Type.UTCTIME, options.signingTime)));
  const essCertificate = options.essCertificate === undefined ? signer : options.essCertificate;
  if (essCertificate !== null)
    attributes.push(
      attribute(
        '1.2.840.113549.1.9.16.2.47',
        seq(seq(seq(node(asn1.Type.OCTETSTRING, sha256(essCertificate.certDer).toString('binary'))))),
      ),
    );
  const signedSet = der(
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.SET,
      true,
      [...attributes].sort((a, b) => Buffer.compare(der(a), der(b))),
    ),
  );
  const signature = createSign('sha256').update(signedSet).sign(signer.keyPem);
  if (options.breakSignature) signature[10] = signature[10]! ^ 0x01;
  const signedAttributes = asn1.fromDer(signedSet.toString('binary'));
  signedAttributes.tagClass = asn1.Class.CONTEXT_SPECIFIC;
  signedAttributes.type = 0;
  const certificate = (holder: KeyHolder): Asn1 => asn1.fromDer(holder.certDer.toString('binary'));
  const tbs = (certificate(signer).value as Asn1[])[0]!.value as Asn1[];
  const first = tbs[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const signerInfo = seq(
    node(asn1.Type.INTEGER, asn1.integerToDer(1).getBytes()),
    seq(tbs[first + 2]!, tbs[first]!),
    seq(oid('2.16.840.1.101.3.4.2.1')),
    signedAttributes,
    seq(oid('1.2.840.113549.1.1.1'), node(asn1.Type.NULL, '')),
    node(asn1.Type.OCTETSTRING, signature.toString('binary')),
  );
  const signedData = seq(
    node(asn1.Type.INTEGER, asn1.integerToDer(3).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [seq(oid('2.16.840.1.101.3.4.2.1'))]),
    seq(
      oid('1.2.840.113549.1.9.16.1.4'),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
        node(asn1.Type.OCTETSTRING, tstInfo.toString('binary')),
      ]),
    ),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signer, ...chain].map(certificate)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [signerInfo]),
  );
  return der(
    seq(oid('1.2.840.113549.1.7.2'), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])),
  );
}

function node(type: number, value: string): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, type, false, value);
}

function seq(...items: Asn1[]): Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
}

function attribute(type: string, value: Asn1): Asn1 {
  return seq(
    node(asn1.Type.OID, asn1.oidToDer(type).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [value]),
  );
}

function der(value: Asn1): Buffer {
  return Buffer.from(asn1.toDer(value).getBytes(), 'binary');
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
