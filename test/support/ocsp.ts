/**
 * A real OCSP responder for tests: OpenSSL's own (`openssl ocsp -port`), answering for one CA from
 * an OpenSSL CA database (`index.txt`) the test writes, and signing with a responder certificate
 * the test made (the CA itself, or a delegated responder with the OCSPSigning EKU).
 *
 * OpenSSL 3.0 takes only a port: the responder listens on every interface (`[::]`), on a port the
 * system chooses (`-port 0`, which it reports), and the URL we hand out is the loopback one. It
 * answers one connection at a time. It reads the index again only when it changes, and looks only
 * before it waits for the next connection: after {@link writeIndex}, {@link OcspResponder.reloadIndex}
 * sends it one request so that the next one is answered from the new index.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ServerProcess, type Log } from './tsa';

export interface OcspResponderOptions {
  /** The CA whose certificates it answers for (`-CA`). */
  readonly caCertPath: string;
  /** The CA database (`-index`): see {@link writeIndex}. */
  readonly indexPath: string;
  /** The certificate and key that sign the responses (`-rsigner`, `-rkey`). */
  readonly responderCertPath: string;
  readonly responderKeyPath: string;
  /** More certificates to put in responses (`-rother`), e.g. a delegated responder's issuers. */
  readonly otherCertsPath?: string;
  /** nextUpdate this many minutes after thisUpdate (`-nmin`); null for none. Default 5. */
  readonly nextUpdateMinutes?: number | null;
  /** The digest of the response's signature (`-rmd`); OpenSSL's default otherwise. */
  readonly digest?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** The responder's output, line by line. */
  readonly log?: Log;
  readonly startTimeoutMs?: number;
}

export interface OcspResponder {
  /** The responder's URL (HTTP POST of a DER OCSPRequest, or GET of its base64). */
  readonly url: string;
  /** Makes the responder read the index again before the next request (see the file comment). */
  reloadIndex(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `openssl ocsp` as a responder and resolves once it has answered a real request. */
export async function startOcspResponder(options: OcspResponderOptions): Promise<OcspResponder> {
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-ocsp-'));
  const probePath = join(dir, 'probe.der');
  // A request for serial 1 of the CA: any status will do, a signed answer is what we wait for.
  execFileSync(
    'openssl',
    ['ocsp', '-issuer', options.caCertPath, '-serial', '1', '-no_nonce', '-reqout', probePath],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const probe = readFileSync(probePath);
  const responder = new ServerProcess(
    'openssl ocsp',
    'openssl',
    ['ocsp', ...responderArgs(options)],
    {},
    options.log,
  );
  const stop = async (): Promise<void> => {
    await responder.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const accept = await responder.waitForLine(/^ACCEPT .*:(\d+) PID=\d+/, options.startTimeoutMs ?? 30_000);
    const url = `http://127.0.0.1:${accept[1]!}`;
    const ask = async (): Promise<void> => {
      const status = await ocspResponseStatus(url, probe).catch((error: unknown) => {
        throw responder.failure(`did not answer on ${url}`, error);
      });
      if (status !== 0)
        throw responder.failure(`answered with OCSPResponseStatus ${status}, not successful (0)`);
    };
    await ask();
    return { url, reloadIndex: ask, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `openssl ocsp` arguments for `options`. */
export function responderArgs(options: OcspResponderOptions): string[] {
  const args = [
    '-port',
    '0',
    '-index',
    options.indexPath,
    '-CA',
    options.caCertPath,
    '-rsigner',
    options.responderCertPath,
    '-rkey',
    options.responderKeyPath,
    // A malformed request must not end the responder (a test may send one on purpose).
    '-ignore_err',
  ];
  if (options.otherCertsPath !== undefined) args.push('-rother', options.otherCertsPath);
  const minutes = options.nextUpdateMinutes === undefined ? 5 : options.nextUpdateMinutes;
  if (minutes !== null) args.push('-nmin', String(minutes));
  if (options.digest !== undefined) args.push('-rmd', options.digest);
  return args;
}

/**
 * POSTs a DER OCSPRequest and resolves the OCSPResponse's responseStatus. One connection per
 * request, closed after it: the responder serves one connection at a time, and a kept-alive one
 * would stall every other client.
 */
export function ocspResponseStatus(url: string, der: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/ocsp-request',
          'Content-Length': der.length,
          Connection: 'close',
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = responseStatus(Buffer.concat(chunks));
          if (res.statusCode === 200 && status !== null) resolve(status);
          else
            reject(
              new Error(`HTTP ${res.statusCode} ${res.headers['content-type'] ?? ''}, not an OCSPResponse`),
            );
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(der);
  });
}

/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, ... }: the status, or null if not one. */
function responseStatus(der: Buffer): number | null {
  if (der[0] !== 0x30 || der.length < 5) return null;
  const lengthBytes = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
  const at = 2 + lengthBytes;
  return der[at] === 0x0a && der[at + 1] === 0x01 && at + 2 < der.length ? der[at + 2]! : null;
}

/** The reasons OpenSSL's CA database records (crl_reasons in apps/ca.c). */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'CACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL';

interface IndexCertificate {
  /** The serial number: hex (any case, `0x` optional) or a bigint. */
  readonly serial: string | bigint;
  /** The subject as OpenSSL writes it (`/CN=.../O=...`); the responder does not read it. */
  readonly subject: string;
  readonly notAfter: Date;
}

export type IndexEntry =
  | (IndexCertificate & { readonly status: 'valid' })
  | (IndexCertificate & {
      readonly status: 'revoked';
      readonly revokedAt: Date;
      readonly reason?: RevocationReason;
    });

/**
 * One line of an OpenSSL CA database: status (V or R), expiry, revocation (`time[,reason]`, or
 * empty), serial (hex as OpenSSL prints it, which the responder matches exactly), file name
 * (`unknown`), subject; tab-separated.
 */
export function indexLine(entry: IndexEntry): string {
  if (/[\t\n]/.test(entry.subject))
    throw new Error(`an index subject cannot hold tabs or newlines: ${entry.subject}`);
  const revocation =
    entry.status === 'revoked'
      ? `${utcTime(entry.revokedAt)}${entry.reason === undefined ? '' : `,${entry.reason}`}`
      : '';
  const fields = [
    entry.status === 'valid' ? 'V' : 'R',
    asn1Time(entry.notAfter),
    revocation,
    indexSerial(entry.serial),
    'unknown',
    entry.subject,
  ];
  return `${fields.join('\t')}\n`;
}

/**
 * Writes the CA database: a new file put in place by rename, so that a running responder sees a
 * new inode (it compares whole seconds of mtime otherwise, and would miss a change within one).
 */
export function writeIndex(path: string, entries: readonly IndexEntry[]): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, entries.map(indexLine).join(''));
  renameSync(temporary, path);
}

/** The serial as OpenSSL's BN_bn2hex prints it: upper case, whole bytes, `00` for zero. */
export function indexSerial(serial: string | bigint): string {
  const value = typeof serial === 'bigint' ? serial : BigInt(`0x${serial.replace(/^0x/i, '')}`);
  if (value < 0n) throw new Error(`negative serial ${serial}`);
  const hex = value.toString(16).toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

/** UTCTime (YYMMDDHHMMSSZ), the only form OpenSSL reads a revocation time in. */
function utcTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new Error(`${date.toISOString()} does not fit a UTCTime`);
  return generalizedTime(date).slice(2);
}

/** UTCTime up to 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) after, as RFC 5280 has it. */
function asn1Time(date: Date): string {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
