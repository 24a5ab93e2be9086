/**
 * Signing-link tokens (DESIGN §3): opaque, unguessable, bound to one process run, one role and one
 * link version, with an expiry. `base64url(claims) . base64url(HMAC-SHA256(LINK_SECRET, claims))`.
 * Whether the version is still the newest, and the step still open, only the process knows: the
 * portal asks it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Role } from '../domain/process';

export interface LinkClaims {
  readonly workflowId: string;
  /** The process run that issued the link (its first run ID). */
  readonly run: string;
  readonly role: Role;
  readonly version: number;
  readonly expiresAt: string;
}

export type LinkReading =
  | { readonly ok: true; readonly claims: LinkClaims }
  | { readonly ok: false; readonly code: 'LINK_INVALID' | 'LINK_EXPIRED' };

/** LINK_SECRET must be long enough that the HMAC cannot be guessed. */
export const MIN_SECRET_LENGTH = 32;

export class SigningLinks {
  private readonly secret: Buffer;

  constructor(
    secret: string,
    private readonly baseUrl: string,
  ) {
    if (secret.length < MIN_SECRET_LENGTH)
      throw new Error(`LINK_SECRET must have at least ${MIN_SECRET_LENGTH} characters`);
    this.secret = Buffer.from(secret, 'utf8');
  }

  token(claims: LinkClaims): string {
    const body = Buffer.from(
      JSON.stringify([
        claims.workflowId,
        claims.role,
        claims.version,
        Date.parse(claims.expiresAt),
        claims.run,
      ]),
    ).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** `${PORTAL_BASE_URL}/firmar/<token>` */
  url(claims: LinkClaims): string {
    return `${this.baseUrl.replace(/\/+$/, '')}/firmar/${this.token(claims)}`;
  }

  read(token: string, now: Date = new Date()): LinkReading {
    const match = /^([A-Za-z0-9_-]{8,1024})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return { ok: false, code: 'LINK_INVALID' };
    const [, body, mac] = match as unknown as [string, string, string];
    // One spelling per token: base64url's last character can carry unused bits, which decoders
    // ignore, so four spellings would decode alike. Only the canonical one (what `token` writes)
    // is a link; rate limits and logs can then trust a token to name one link.
    if (!isCanonicalBase64url(body) || !isCanonicalBase64url(mac)) return { ok: false, code: 'LINK_INVALID' };
    const expected = this.mac(body);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, code: 'LINK_INVALID' };
    let claims: LinkClaims;
    try {
      const [workflowId, role, version, expiresAtMs, run] = JSON.parse(
        Buffer.from(body, 'base64url').toString('utf8'),
      ) as [string, Role, number, number, string];
      if (typeof run !== 'string' || run.length === 0) return { ok: false, code: 'LINK_INVALID' };
      claims = { workflowId, run, role, version, expiresAt: new Date(expiresAtMs).toISOString() };
    } catch {
      return { ok: false, code: 'LINK_INVALID' };
    }
    if (now.getTime() > Date.parse(claims.expiresAt)) return { ok: false, code: 'LINK_EXPIRED' };
    return { ok: true, claims };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }
}

/** Whether `text` is exactly what base64url (unpadded) writes for the bytes it decodes to. */
function isCanonicalBase64url(text: string): boolean {
  return Buffer.from(text, 'base64url').toString('base64url') === text;
}
