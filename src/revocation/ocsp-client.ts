/**
 * Asking an OCSP responder (RFC 6960) about one certificate: the request (§4.1), written with
 * node-forge's ASN.1 module as our other requests are (src/timestamps/request.ts), and its POST
 * over HTTP (Appendix A.1). What comes back is judged by src/signatures/ocsp.ts, never here.
 *
 * The transport is Node's own http/https with one connection per request (no keep-alive, so that
 * a responder serving one connection at a time is not held), no redirects followed, a deadline for
 * the whole exchange and a bound on the body; every failure is `REVOCATION_UNAVAILABLE`.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import forge from 'node-forge';
import { CodedError } from '../domain/coded-error';
import type { Certificate } from '../signatures';
import { OCSP_LIMITS, OCSP_OID, ocspCertId, type OcspHash } from '../signatures/ocsp';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

const universal = (type: number, constructed: boolean, value: string | Asn1[]): Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, type, constructed, value);
const binary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');

export interface OcspRequestOptions {
  /**
   * The CertID's hash. Default SHA-1: the one every responder answers (RFC 5019 §2.2.1 requires
   * it of the lightweight profile); a CertID only names the certificate, the response is signed.
   */
  readonly hash?: OcspHash;
  /** Send a fresh nonce (RFC 8954, 32 octets) for the response to echo. Default true. */
  readonly nonce?: boolean;
}

export interface OcspRequest {
  readonly der: Buffer;
  /** The nonce sent (what judgeOcspResponse's `nonce` option takes), or null. */
  readonly nonce: Uint8Array | null;
}

/** Nonce length: RFC 8954 §2.1 (32 octets, the most a responder must accept). */
const NONCE_BYTES = 32;

/**
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT OPTIONAL } with
 * TBSRequest ::= SEQUENCE { version [0] DEFAULT v1, requestorName [1] OPTIONAL,
 * requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL } and
 * Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] OPTIONAL }: unsigned, one
 * certificate, the nonce as a request extension (§4.4.1).
 */
export function ocspRequest(
  certificate: Certificate,
  issuer: Certificate,
  options: OcspRequestOptions = {},
): OcspRequest {
  const id = ocspCertId(certificate, issuer, options.hash ?? 'sha1');
  const certId = universal(asn1.Type.SEQUENCE, true, [
    universal(asn1.Type.SEQUENCE, true, [
      universal(asn1.Type.OID, false, asn1.oidToDer(id.hashAlgorithm).getBytes()),
      universal(asn1.Type.NULL, false, ''),
    ]),
    universal(asn1.Type.OCTETSTRING, false, binary(id.issuerNameHash)),
    universal(asn1.Type.OCTETSTRING, false, binary(id.issuerKeyHash)),
    universal(asn1.Type.INTEGER, false, binary(id.serialBytes)),
  ]);
  const tbs: Asn1[] = [universal(asn1.Type.SEQUENCE, true, [universal(asn1.Type.SEQUENCE, true, [certId])])];
  let nonce: Uint8Array | null = null;
  if (options.nonce ?? true) {
    nonce = randomBytes(NONCE_BYTES);
    // extnValue is the DER of the Nonce, itself an OCTET STRING (RFC 8954 §2.1).
    const value = asn1.toDer(universal(asn1.Type.OCTETSTRING, false, binary(nonce))).getBytes();
    tbs.push(
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, true, [
        universal(asn1.Type.SEQUENCE, true, [
          universal(asn1.Type.SEQUENCE, true, [
            universal(asn1.Type.OID, false, asn1.oidToDer(OCSP_OID.nonce).getBytes()),
            universal(asn1.Type.OCTETSTRING, false, value),
          ]),
        ]),
      ]),
    );
  }
  const request = universal(asn1.Type.SEQUENCE, true, [universal(asn1.Type.SEQUENCE, true, tbs)]);
  return { der: Buffer.from(asn1.toDer(request).getBytes(), 'binary'), nonce };
}

export interface FetchOcspOptions {
  /** The deadline for the whole exchange, connection to last byte. */
  readonly timeoutMs: number;
  /** The largest body accepted. Default {@link OCSP_LIMITS.responseBytes}. */
  readonly maxBytes?: number;
}

const unavailable = (message: string): CodedError<'REVOCATION_UNAVAILABLE'> =>
  new CodedError('REVOCATION_UNAVAILABLE', message);

/**
 * POSTs `request` (DER) to the responder at `url` as `application/ocsp-request` and resolves the
 * body of its 200 answer, unjudged. Rejects with `CodedError('REVOCATION_UNAVAILABLE')` when the
 * URL is not http(s), the responder does not answer in time, redirects, answers other than 200,
 * or sends more than `maxBytes`.
 */
export function fetchOcsp(url: string, request: Uint8Array, options: FetchOcspOptions): Promise<Uint8Array> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(unavailable(`OCSP responder URL ${JSON.stringify(url)} is not a URL`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(unavailable(`OCSP responder ${url}: only http and https are used`));
  const maxBytes = options.maxBytes ?? OCSP_LIMITS.responseBytes;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    let req: ReturnType<typeof send> | undefined;
    const deadline = setTimeout(
      () => fail(`no complete answer within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req?.destroy();
      reject(unavailable(`OCSP responder ${url}: ${message}`));
    };
    try {
      req = send(
        target,
        {
          method: 'POST',
          agent: false,
          headers: {
            'Content-Type': 'application/ocsp-request',
            Accept: 'application/ocsp-response',
            'Content-Length': request.length,
            Connection: 'close',
          },
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400)
            return fail(`redirected (HTTP ${status} to ${res.headers.location ?? 'nowhere'}), not followed`);
          if (status !== 200) return fail(`answered HTTP ${status}`);
          const declared = Number(res.headers['content-length'] ?? 0);
          if (declared > maxBytes) return fail(`announces ${declared} bytes, more than ${maxBytes}`);
          const chunks: Buffer[] = [];
          let total = 0;
          res.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > maxBytes) return fail(`sent more than ${maxBytes} bytes`);
            chunks.push(chunk);
          });
          res.on('error', (error) => fail(`the answer broke off (${error.message})`));
          res.on('close', () => {
            if (!res.complete) fail('the answer broke off');
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(deadline);
            if (total === 0) return reject(unavailable(`OCSP responder ${url}: an empty answer`));
            resolve(Buffer.concat(chunks));
          });
        },
      );
    } catch (error) {
      return fail(`the request could not be sent (${(error as Error).message})`);
    }
    req.on('error', (error) => fail(`did not answer (${error.message})`));
    req.end(Buffer.from(request.buffer, request.byteOffset, request.length));
  });
}
