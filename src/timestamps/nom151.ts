/**
 * NOM-151 constancias de conservación: an RFC 3161 TimeStampResp over a document's SHA-256, issued
 * under a policy of the Secretaría de Economía's arc (2.16.484.101.10.316) by an accredited PSC.
 * PSCs hand them out through their own APIs, so the client is an adapter: `rfc3161` (plain RFC
 * 3161 over HTTP, as a TSA) or `rest` (the documented `POST /api/v1/psc/nom151 {"hash": "<hex>"}` →
 * `{"nom151": "<base64 TimeStampResp>"}` shape). Either way the answer is verified with the PSC
 * profile (./verify.ts) before it is kept.
 */
import { createHash } from 'node:crypto';
import { CodedError } from '../domain/coded-error';
import { TsaClient, type Stamp } from './client';
import { parseTimeStampResponse } from './token';
import { MAX_TOKEN_BYTES, verifyTimestampToken, type TimestampTrust, type TimestampVerdict } from './verify';

/** The Secretaría de Economía's arc for PSC policies (NOM-151-SCFI-2016). */
export const NOM151_POLICY_ARC = '2.16.484.101.10.316';

export type Nom151Api = 'rfc3161' | 'rest';

export interface Nom151Options {
  readonly url: string;
  readonly api: Nom151Api;
  /** The Authorization header's value, when the PSC asks for one. */
  readonly authorization?: string;
  readonly trust: TimestampTrust;
  readonly timeoutMs?: number;
}

/** A constancia as kept: the PSC's TimeStampResp whole, and what it says. */
export interface Constancia {
  readonly response: Buffer;
  readonly token: Buffer;
  readonly verdict: TimestampVerdict;
}

export class Nom151Client {
  private readonly tsa: TsaClient | null;

  constructor(private readonly options: Nom151Options) {
    this.tsa =
      options.api === 'rfc3161'
        ? new TsaClient(
            [
              {
                url: options.url,
                ...(options.authorization ? { authorization: options.authorization } : {}),
              },
            ],
            options.trust,
            { timeoutMs: options.timeoutMs ?? 30_000 },
          )
        : null;
  }

  /**
   * A verified constancia over `document` (its SHA-256).
   * @throws CodedError TIMESTAMP_UNAVAILABLE (retryable) when the PSC does not give a valid one
   */
  async constancia(document: Uint8Array): Promise<Constancia> {
    const digest = createHash('sha256').update(document).digest();
    const constancia = this.tsa
      ? fromStamp(await this.tsa.stamp({ algorithm: 'sha256', digest }))
      : await this.rest(digest);
    if (!constancia.verdict.policy?.startsWith(`${NOM151_POLICY_ARC}.`))
      throw new CodedError(
        'TIMESTAMP_UNAVAILABLE',
        `the PSC stamped under policy ${constancia.verdict.policy}, not one of NOM-151's (${NOM151_POLICY_ARC}.*)`,
      );
    return constancia;
  }

  private async rest(digest: Buffer): Promise<Constancia> {
    const fail = (why: string): CodedError => new CodedError('TIMESTAMP_UNAVAILABLE', `the PSC ${why}`);
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          ...(this.options.authorization ? { Authorization: this.options.authorization } : {}),
        },
        body: JSON.stringify({ hash: digest.toString('hex') }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
        redirect: 'error',
      });
    } catch (error) {
      throw fail(`could not be reached (${(error as Error).name})`);
    }
    if (!response.ok) throw fail(`answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_TOKEN_BYTES * 2) throw fail(`answered ${text.length} characters`);
    let encoded: unknown;
    try {
      encoded = (JSON.parse(text) as { nom151?: unknown }).nom151;
    } catch {
      throw fail('answered something that is not JSON');
    }
    if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(encoded))
      throw fail('answered no "nom151"');
    const bytes = Buffer.from(encoded, 'base64');
    let token: Uint8Array = bytes;
    try {
      const parsed = parseTimeStampResponse(bytes);
      if (parsed.status > 1 || parsed.token === null) throw fail(`refused (status ${parsed.status})`);
      token = parsed.token;
    } catch (error) {
      if (error instanceof CodedError && error.code === 'TIMESTAMP_UNAVAILABLE') throw error;
      // Not a TimeStampResp: a bare token, as some PSCs hand it over.
    }
    const verdict = verifyTimestampToken(
      token,
      { imprint: { algorithm: 'sha256', digest } },
      this.options.trust,
    );
    if (!verdict.valid) throw fail(`gave an invalid constancia: ${verdict.problem}`);
    return { response: bytes, token: Buffer.from(token), verdict };
  }
}

function fromStamp(stamp: Stamp): Constancia {
  return { response: stamp.response, token: stamp.token, verdict: stamp.verdict };
}
