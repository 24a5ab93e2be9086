/**
 * Asks time-stamping authorities for tokens: RFC 3161 over HTTP (`application/timestamp-query`),
 * the configured URLs tried in order, each answer verified (./verify.ts) before it is used. A TSA
 * that cannot be reached, refuses, or answers something that does not hold is passed over for the
 * next; when none gives a good token the caller gets TIMESTAMP_UNAVAILABLE (retryable), with what
 * each one did (never a credential).
 */
import { createHash } from 'node:crypto';
import { CodedError } from '../domain/coded-error';
import type { DigestName } from '../signatures/oids';
import { timestampRequest } from './request';
import { parseTimeStampResponse, type MessageImprint } from './token';
import { MAX_TOKEN_BYTES, verifyTimestampToken, type TimestampTrust, type TimestampVerdict } from './verify';

export interface TsaEndpoint {
  readonly url: string;
  /** The Authorization header's value (`Basic …`, `Bearer …`), when the TSA asks for one. */
  readonly authorization?: string;
}

export interface Stamp {
  /** The TimeStampToken (a CMS ContentInfo), as it goes into a signature or a dossier. */
  readonly token: Buffer;
  /** The TimeStampResp as the TSA sent it (a NOM-151 constancia is kept whole). */
  readonly response: Buffer;
  readonly verdict: TimestampVerdict;
  /** The URL that answered. */
  readonly url: string;
}

export interface TsaClientOptions {
  /** How long one TSA has to answer. Default 15 s. */
  readonly timeoutMs?: number;
  /** The policy OID to ask for (a PSC's NOM-151 policy, say). */
  readonly policy?: string;
}

export class TsaClient {
  constructor(
    private readonly endpoints: readonly TsaEndpoint[],
    private readonly trust: TimestampTrust,
    private readonly options: TsaClientOptions = {},
  ) {
    if (endpoints.length === 0) throw new Error('TsaClient needs at least one TSA URL');
  }

  /** A verified token over `data` (its SHA-256), or over the given imprint. */
  async stamp(what: { readonly data: Uint8Array } | MessageImprint): Promise<Stamp> {
    const imprint: MessageImprint =
      'data' in what ? { algorithm: 'sha256', digest: sha(what.data, 'sha256') } : what;
    const failures: string[] = [];
    for (const endpoint of this.endpoints) {
      try {
        return await this.ask(endpoint, imprint);
      } catch (error) {
        failures.push(`${origin(endpoint.url)}: ${(error as Error).message}`);
      }
    }
    throw new CodedError('TIMESTAMP_UNAVAILABLE', `no TSA gave a valid token (${failures.join('; ')})`);
  }

  private async ask(endpoint: TsaEndpoint, imprint: MessageImprint): Promise<Stamp> {
    const request = timestampRequest(imprint, this.options.policy);
    const from = new Date();
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/timestamp-query',
        Accept: 'application/timestamp-reply',
        ...(endpoint.authorization ? { Authorization: endpoint.authorization } : {}),
      },
      body: request.der,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    const to = new Date();
    if (body.length > MAX_TOKEN_BYTES) throw new Error(`an answer of ${body.length} bytes`);
    const answer = parseTimeStampResponse(body);
    if (answer.status > 1 || answer.token === null)
      throw new Error(
        `refused (status ${answer.status}${answer.failInfo.length ? `, failInfo ${answer.failInfo.join(',')}` : ''})`,
      );
    const token = Buffer.from(answer.token);
    const verdict = verifyTimestampToken(
      token,
      { imprint, nonce: request.nonce, requested: { from, to } },
      this.trust,
    );
    if (!verdict.valid) throw new Error(`an invalid token: ${verdict.problem}`);
    return { token, response: body, verdict, url: endpoint.url };
  }
}

function sha(data: Uint8Array, algorithm: DigestName): Buffer {
  return createHash(algorithm).update(data).digest();
}

/** A URL as a message may show it: scheme and host only. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(URL no válida)';
  }
}
