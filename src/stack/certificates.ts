/**
 * The certificates of the production topology's mutual TLS: a CA of its own, the Temporal
 * frontend's server certificate, and one client certificate per part that talks to Temporal (the
 * workers, the portals, the CLI, the Web UI server, and Temporal's own system worker), so that only
 * our parts reach the frontend and each can be told apart and replaced alone. Made at first start
 * into DATA_DIR (as the link secret is), reused after, and issued again a month before they end.
 *
 * `node dist/src/stack/certificates.js DIR [--host NAME]… [--per-part] [--owner UID:GID]` makes
 * the same set into DIR, for docker-compose.yml's first start: with `--per-part`, also a folder per
 * part under `parts/` holding only that part's pair and the CA certificate (each container mounts
 * its own; the CA's key is in none), owned by `--owner`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { PRIVATE_FILE_MODE, privateDir } from '../storage/private-files';

/** The parts that hold a client certificate. */
export const TLS_CLIENTS = ['worker', 'portal', 'cli', 'web-ui', 'temporal-system'] as const;
export type TlsClient = (typeof TLS_CLIENTS)[number];

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface ClusterCertificates {
  /** The CA that issued them all: what clients trust for the server, and the server for clients. */
  readonly ca: string;
  /** The name clients verify the server certificate by. */
  readonly serverName: string;
  readonly server: KeyPair;
  /**
   * For a Temporal cluster of several hosts (docker-compose.yml): the services' certificate among
   * themselves, server and client at once. The one-process stack does not need it.
   */
  readonly internode: KeyPair;
  readonly clients: Readonly<Record<TlsClient, KeyPair>>;
}

const DAY = 86_400_000;
/** A leaf certificate within this of its end is issued again at the next start. */
const RENEW_BEFORE = 30 * DAY;

function certificateEnds(path: string): number {
  return forge.pki.certificateFromPem(readFileSync(path, 'utf8')).validity.notAfter.getTime();
}

function newKey(bits: number): { forgeKey: forge.pki.rsa.PrivateKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { forgeKey: forge.pki.privateKeyFromPem(privateKey), pem: privateKey };
}

function issue(
  subject: string,
  publicKey: forge.pki.PublicKey,
  issuer: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | null,
  selfKey: forge.pki.rsa.PrivateKey | null,
  extensions: object[],
  days: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 5 * 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY);
  const name = [
    { name: 'commonName', value: subject },
    { name: 'organizationName', value: 'manifiesta' },
  ];
  cert.setSubject(name);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : name);
  cert.setExtensions([...extensions, { name: 'subjectKeyIdentifier' }]);
  cert.sign(issuer?.key ?? selfKey!, forge.md.sha256.create());
  return cert;
}

/**
 * The set in `dir`: made when missing, a leaf issued again when it ends within a month (the CA
 * lasts ten years). `hosts` are the names and addresses the server certificate is valid for.
 */
export function ensureClusterCertificates(
  dir: string,
  hosts: readonly string[] = ['localhost', '127.0.0.1'],
): ClusterCertificates {
  privateDir(dir);
  const path = (name: string) => join(dir, name);
  const write = (name: string, text: string) => writeFileSync(path(name), text, { mode: PRIVATE_FILE_MODE });
  if (!existsSync(path('ca.pem')) || !existsSync(path('ca.key'))) {
    const key = newKey(3072);
    const cert = issue(
      'manifiesta Temporal CA',
      forge.pki.setRsaPublicKey(key.forgeKey.n, key.forgeKey.e),
      null,
      key.forgeKey,
      [
        { name: 'basicConstraints', critical: true, cA: true, pathLenConstraint: 0 },
        { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
      ],
      3650,
    );
    write('ca.key', key.pem);
    write('ca.pem', forge.pki.certificateToPem(cert));
  }
  const ca = {
    cert: forge.pki.certificateFromPem(readFileSync(path('ca.pem'), 'utf8')),
    key: forge.pki.privateKeyFromPem(readFileSync(path('ca.key'), 'utf8')),
  };
  const leaf = (name: string, purpose: 'serverAuth' | 'clientAuth' | 'both'): KeyPair => {
    const pair = { cert: path(`${name}.pem`), key: path(`${name}.key`) };
    if (
      existsSync(pair.cert) &&
      existsSync(pair.key) &&
      certificateEnds(pair.cert) - Date.now() > RENEW_BEFORE
    )
      return pair;
    const key = newKey(2048);
    const altNames = hosts.map((host) =>
      /^[\d.]+$/.test(host) || host.includes(':') ? { type: 7, ip: host } : { type: 2, value: host },
    );
    const cert = issue(
      `manifiesta ${name}`,
      forge.pki.setRsaPublicKey(key.forgeKey.n, key.forgeKey.e),
      ca,
      null,
      [
        { name: 'basicConstraints', critical: true, cA: false },
        { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
        purpose === 'both'
          ? { name: 'extKeyUsage', serverAuth: true, clientAuth: true }
          : { name: 'extKeyUsage', [purpose]: true },
        ...(purpose === 'clientAuth' ? [] : [{ name: 'subjectAltName', altNames }]),
      ],
      825,
    );
    write(`${name}.key`, key.pem);
    write(`${name}.pem`, forge.pki.certificateToPem(cert));
    return pair;
  };
  return {
    ca: path('ca.pem'),
    serverName: hosts[0] ?? 'localhost',
    server: leaf('frontend', 'serverAuth'),
    internode: leaf('internode', 'both'),
    clients: Object.fromEntries(TLS_CLIENTS.map((client) => [client, leaf(client, 'clientAuth')])) as Record<
      TlsClient,
      KeyPair
    >,
  };
}

/**
 * A folder per part under `dir/parts/`, each with the CA certificate and that part's own pair only
 * (the Temporal server's: the frontend's and the services' pairs), owned by `owner` when given.
 */
export function exportPerPart(
  certificates: ClusterCertificates,
  dir: string,
  owner?: { uid: number; gid: number },
): void {
  const parts: Record<string, KeyPair[]> = {
    temporal: [certificates.server, certificates.internode],
    ...Object.fromEntries(
      TLS_CLIENTS.filter((c) => c !== 'temporal-system').map((c) => [c, [certificates.clients[c]]]),
    ),
  };
  const own = (path: string): void => {
    if (owner) chownSync(path, owner.uid, owner.gid);
  };
  own(privateDir(join(dir, 'parts')));
  for (const [part, pairs] of Object.entries(parts)) {
    const target = privateDir(join(dir, 'parts', part));
    own(target);
    for (const file of [certificates.ca, ...pairs.flatMap((pair) => [pair.cert, pair.key])]) {
      const copy = join(target, file.slice(file.lastIndexOf('/') + 1));
      copyFileSync(file, copy);
      own(copy);
    }
  }
}

/** The environment a part needs to reach the frontend with its own certificate (temporal-connection.ts). */
export function tlsEnv(certificates: ClusterCertificates, client: TlsClient): NodeJS.ProcessEnv {
  return {
    TEMPORAL_TLS_CERT: certificates.clients[client].cert,
    TEMPORAL_TLS_KEY: certificates.clients[client].key,
    TEMPORAL_TLS_CA: certificates.ca,
    TEMPORAL_TLS_SERVER_NAME: certificates.serverName,
  };
}

if (require.main === module) {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) {
    console.error(
      'usage: node dist/src/stack/certificates.js DIR [--host NAME]… [--per-part] [--owner UID:GID]',
    );
    process.exit(2);
  }
  const hosts = rest.flatMap((arg, i) => (rest[i - 1] === '--host' ? [arg] : []));
  const made = ensureClusterCertificates(dir, hosts.length > 0 ? hosts : undefined);
  if (rest.includes('--per-part')) {
    const owner = rest[rest.indexOf('--owner') + 1]?.split(':').map(Number);
    exportPerPart(
      made,
      dir,
      rest.includes('--owner') && owner?.length === 2 ? { uid: owner[0]!, gid: owner[1]! } : undefined,
    );
  }
  console.log(
    `certificates in ${dir}: CA ${made.ca}; server for ${hosts.join(', ') || 'localhost, 127.0.0.1'}`,
  );
}
