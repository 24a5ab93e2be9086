/**
 * Demo e.firma material for `npm start -- --demo`: a demo CA and two signers shaped like SAT's
 * FIEL (RFC in x500UniqueIdentifier, CURP in serialNumber, emailProtection + clientAuth), each with
 * a `.cer`, a password-protected `.key` (PKCS #8, PBES2 with 3DES, as SAT issues them) and its
 * password. Never for production: anyone can read the demo keys.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface DemoSigner {
  readonly name: string;
  readonly rfc: string;
  readonly curp: string;
  readonly dir: string;
}

export interface DemoPki {
  readonly caPath: string;
  readonly president: DemoSigner;
  readonly commissioner: DemoSigner;
  readonly password: string;
}

const YEAR = 365 * 86_400_000;

function keyPair(bits: number): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function attributes(pairs: [string, string][]): forge.pki.CertificateField[] {
  return pairs.map(
    ([type, value]) =>
      ({ type, value, valueTagClass: forge.asn1.Type.UTF8 }) as unknown as forge.pki.CertificateField,
  );
}

function issue(
  subject: forge.pki.CertificateField[],
  publicKey: forge.pki.rsa.PublicKey,
  issuer: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | null,
  signingKey: forge.pki.rsa.PrivateKey,
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(9).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 4 * YEAR);
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions([...extensions, { name: 'subjectKeyIdentifier' }]);
  cert.sign(issuer?.key ?? signingKey, forge.md.sha256.create());
  return cert;
}

const der = (cert: forge.pki.Certificate): Buffer =>
  Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');

/** Creates the demo material under `dir`, or returns what an earlier run created. */
export function ensureDemoPki(dir: string): DemoPki {
  const caPath = join(dir, 'ac-demo.pem');
  const password = 'demo12345';
  const people = {
    president: {
      name: 'ROMINA CONTRERAS CARRASCO',
      rfc: 'COCR800101AB1',
      curp: 'COCR800101MMCNRM09',
      dir: join(dir, 'presidenta-municipal'),
    },
    commissioner: {
      name: 'JOSÉ MARTÍNEZ VILCHIS',
      rfc: 'MAVJ650101CD2',
      curp: 'MAVJ650101HMCRLS05',
      dir: join(dir, 'comisionado-presidente'),
    },
  };
  if (existsSync(caPath) && existsSync(join(people.commissioner.dir, 'efirma.key'))) {
    return { caPath, president: people.president, commissioner: people.commissioner, password };
  }
  mkdirSync(dir, { recursive: true });
  const ca = keyPair(2048);
  const caCert = issue(
    attributes([
      ['2.5.4.3', 'AC de Demostración manifiesta (NO VÁLIDA)'],
      ['2.5.4.10', 'manifiesta'],
    ]),
    ca.publicKey,
    null,
    ca.privateKey,
    [
      { name: 'basicConstraints', critical: true, cA: true },
      { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    ],
  );
  writeFileSync(caPath, forge.pki.certificateToPem(caCert));
  for (const person of Object.values(people)) {
    const pair = keyPair(2048);
    const cert = issue(
      attributes([
        ['2.5.4.3', person.name],
        ['2.5.4.41', person.name],
        ['2.5.4.10', person.name],
        ['2.5.4.6', 'MX'],
        ['2.5.4.45', person.rfc],
        ['2.5.4.5', person.curp],
      ]),
      pair.publicKey,
      { cert: caCert, key: ca.privateKey },
      ca.privateKey,
      [
        { name: 'basicConstraints', critical: true, cA: false },
        { name: 'keyUsage', critical: true, digitalSignature: true, nonRepudiation: true },
        { name: 'extKeyUsage', emailProtection: true, clientAuth: true },
      ],
    );
    mkdirSync(person.dir, { recursive: true });
    writeFileSync(join(person.dir, 'efirma.cer'), der(cert));
    const info = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(pair.privateKey));
    const encrypted = forge.pki.encryptPrivateKeyInfo(info, password, { algorithm: '3des' });
    writeFileSync(
      join(person.dir, 'efirma.key'),
      Buffer.from(forge.asn1.toDer(encrypted).getBytes(), 'binary'),
    );
    writeFileSync(join(person.dir, 'contrasena.txt'), `${password}\n`);
  }
  return { caPath, president: people.president, commissioner: people.commissioner, password };
}

export function readDemoCertificate(signer: DemoSigner): Buffer {
  return readFileSync(join(signer.dir, 'efirma.cer'));
}
