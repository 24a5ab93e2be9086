/**
 * The codec server (Temporal's remote codec protocol): `POST /decode` (and, when enabled,
 * `POST /encode`) take and answer `{payloads: [{metadata, data}]}` (protobuf JSON, base64 bytes).
 * The Web UI and `temporal --codec-endpoint` call it to show staff the decrypted inputs, results,
 * summaries and the `status` query. It decrypts what it is given, so it guards who may ask:
 *
 * - the `Host` must be one it serves (`CODEC_ALLOWED_HOSTS`, loopback by default) and an `Origin`,
 *   when a browser sends one, the Web UI's: a page elsewhere (DNS rebinding through a staff
 *   member's browser included) is refused;
 * - a bearer token: `CODEC_AUTH`, or the Web UI's own access token (`codec.passAccessToken`),
 *   checked against the single sign-on issuer (`CODEC_OIDC_ISSUER`); one of them is required
 *   outside development;
 * - `/encode` only when enabled (`CODEC_ENCODE=enabled`): reading needs decoding only;
 * - every decode is recorded as an access to personal data (who, from where, when, how many
 *   payloads, which namespace and workflow when known; never the content), and every refusal too,
 *   because the institute must keep a record of who read personal data.
 */
import { timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { Payload } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { EncryptionCodec } from './encryption-codec';
import type { Keyring } from './keyring';

/** The single sign-on whose access tokens the Web UI passes (`codec.passAccessToken: true`). */
export interface OidcSettings {
  /** `CODEC_OIDC_ISSUER`: the issuer URL, as tokens' `iss` names it; its keys are discovered. */
  readonly issuer: string;
  /** `CODEC_OIDC_AUDIENCE`: the `aud` tokens must carry (the Web UI's client). */
  readonly audience: string;
  /**
   * `CODEC_OIDC_REQUIRED_GROUP`: a group (or role) the token's `groupsClaim` must list, when set;
   * without it, everyone the single sign-on admits to the Web UI's client may read.
   */
  readonly requiredGroup?: string | undefined;
  /** `CODEC_OIDC_GROUPS_CLAIM` (`groups`): where the groups are, a dotted path (`realm_access.roles`). */
  readonly groupsClaim?: string | undefined;
}

/** The claim at a dotted `path` of a token's payload. */
function claimAt(payload: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      payload,
    );
}

/** One line of the access record (JSON, never a payload's content). */
export interface CodecAccessRecord {
  readonly event: 'personal-data-access' | 'codec-request-refused';
  readonly at: string;
  /** Whom the token names: the SSO's user, `CODEC_AUTH` (a shared token), or nobody (development). */
  readonly who: string;
  readonly address: string;
  readonly path: string;
  readonly payloads?: number;
  readonly namespace?: string;
  readonly workflow?: string;
  readonly reason?: string;
}

export interface CodecServerOptions {
  readonly keyring: Keyring;
  /** Origins whose browsers may call (the Web UI's, e.g. `http://localhost:8233`). */
  readonly allowedOrigins: readonly string[];
  /**
   * `Host` values served: `host:port`, or `host` for any port. Default: loopback (`localhost`,
   * `127.0.0.1`, `[::1]`) on any port.
   */
  readonly allowedHosts?: readonly string[];
  /** `CODEC_AUTH`: a bearer token that every request may carry instead of an SSO access token. */
  readonly auth?: string | undefined;
  readonly oidc?: OidcSettings | undefined;
  /** Neither `auth` nor `oidc`: allowed only in development (`npm start`, tests). */
  readonly allowAnonymous?: boolean;
  /** `CODEC_ENCODE=enabled`: serve `/encode` too. */
  readonly encode?: boolean;
  /** Largest request body (default 16 MiB). */
  readonly bodyLimit?: number;
  /** Where the access record goes (default: a JSON line on stdout). */
  readonly record?: (entry: CodecAccessRecord) => void;
}

/** Payloads per request: the Web UI asks event by event; a history export asks in batches. */
const MAX_PAYLOADS = 10_000;

export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const BASE64 = '^[A-Za-z0-9+/]*={0,2}$';
// `payloads` may be absent: Temporal's Go clients (the `temporal` CLI, the Web UI's server) send
// `{}` for an empty list, such as a termination's empty details.
const payloadsSchema = {
  type: 'object',
  properties: {
    payloads: {
      type: 'array',
      maxItems: MAX_PAYLOADS,
      items: {
        type: 'object',
        properties: {
          metadata: { type: 'object', additionalProperties: { type: 'string', pattern: BASE64 } },
          data: { type: 'string', pattern: BASE64 },
        },
      },
    },
  },
} as const;

/** A header value fit for the record: printable, bounded. */
const clean = (value: string | undefined): string | undefined =>
  value === undefined ? undefined : value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

/** Whether `host` (a Host header) is one of `allowed` (`host:port`, or `host` for any port). */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  const given = host.toLowerCase();
  const name = given.startsWith('[') ? given.slice(0, given.indexOf(']') + 1) : given.split(':')[0]!;
  return allowed.some((entry) => {
    const wanted = entry.toLowerCase();
    return wanted === given || wanted === name;
  });
}

/** The workflow a request concerns, when the caller says so (a header, or the Web UI page it came from). */
function workflowOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-workflow-id'];
  if (typeof header === 'string') return clean(header);
  const referer = request.headers.referer;
  const match = typeof referer === 'string' ? /\/workflows\/([^/?#]+)/.exec(referer) : null;
  return match ? clean(decodeURIComponent(match[1]!)) : undefined;
}

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const codec = new EncryptionCodec(options.keyring);
  const allowedHosts = options.allowedHosts?.length ? options.allowedHosts : LOOPBACK_HOSTS;
  const record =
    options.record ?? ((entry: CodecAccessRecord) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  if (!options.auth && !options.oidc && !options.allowAnonymous)
    throw new Error('the codec server needs CODEC_AUTH or CODEC_OIDC_ISSUER: it decrypts personal data');
  const expected = options.auth ? Buffer.from(`Bearer ${options.auth}`) : null;
  let keys: JWTVerifyGetKey | null = null;
  const oidcKeys = async (): Promise<JWTVerifyGetKey> => {
    if (keys !== null) return keys;
    const discovery = `${options.oidc!.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(discovery, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`the issuer's configuration answered HTTP ${response.status}`);
    const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
    if (!jwksUri) throw new Error('the issuer publishes no jwks_uri');
    keys = createRemoteJWKSet(new URL(jwksUri));
    return keys;
  };

  // Who the bearer is, or why not. Development without either setting: nobody in particular.
  const identify = async (request: FastifyRequest): Promise<{ who: string } | { refused: string }> => {
    const given = request.headers.authorization ?? '';
    if (expected !== null) {
      const bytes = Buffer.from(given);
      if (bytes.length === expected.length && timingSafeEqual(bytes, expected)) return { who: 'CODEC_AUTH' };
    }
    if (options.oidc && /^Bearer \S+$/.test(given)) {
      try {
        const { payload } = await jwtVerify(given.slice('Bearer '.length), await oidcKeys(), {
          issuer: options.oidc.issuer,
          audience: options.oidc.audience,
        });
        const who = payload.email ?? payload.preferred_username ?? payload.sub;
        if (typeof who !== 'string' || who === '') return { refused: 'the access token names nobody' };
        const { requiredGroup } = options.oidc;
        if (requiredGroup) {
          const groups = claimAt(payload, options.oidc.groupsClaim ?? 'groups');
          const listed = Array.isArray(groups) ? groups.includes(requiredGroup) : groups === requiredGroup;
          if (!listed) return { refused: `sso:${clean(who)} is not in ${clean(requiredGroup)}` };
        }
        return { who: `sso:${clean(who)}` };
      } catch (error) {
        return { refused: `the access token was refused (${(error as Error).name})` };
      }
    }
    if (expected === null && !options.oidc) return { who: 'anonymous (development)' };
    return { refused: given ? 'a token that is not valid' : 'no bearer token' };
  };

  // The access record replaces request logging: what a request carried is nobody's business.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });
  await app.register(cors, {
    origin: [...options.allowedOrigins],
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization', 'X-Workflow-Id'],
    credentials: true,
    maxAge: 600,
  });
  app.decorateRequest('who', '');
  const refuse = (request: FastifyRequest, reason: string): void =>
    record({
      event: 'codec-request-refused',
      at: new Date().toISOString(),
      who: (request as FastifyRequest & { who: string }).who || 'unknown',
      address: request.ip,
      path: clean(request.url) ?? '',
      reason,
    });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/healthz') return;
    // DNS rebinding: a foreign page under a name that resolves to us sends its own Host.
    if (!hostAllowed(request.headers.host, allowedHosts)) {
      refuse(request, `Host ${clean(request.headers.host) ?? '(none)'} is not served (CODEC_ALLOWED_HOSTS)`);
      return reply.code(403).send({ error: 'this Host is not served here' });
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
      refuse(request, `Origin ${clean(origin)} is not the Web UI's (TEMPORAL_UI_URL)`);
      return reply.code(403).send({ error: 'requests from this origin are not accepted' });
    }
    if (request.method === 'OPTIONS') return;
    const identity = await identify(request);
    if ('refused' in identity) {
      refuse(request, identity.refused);
      return reply.code(401).send({ error: 'a valid Authorization: Bearer token is required' });
    }
    (request as FastifyRequest & { who: string }).who = identity.who;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    return payload;
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 422;
    // The reason (a key id that is missing, a payload that does not decrypt) without the payload.
    return reply.code(status).send({ error: error.message });
  });

  app.post<{ Body: { payloads?: JsonPayload[] } }>(
    '/decode',
    { schema: { body: payloadsSchema } },
    async (request) => {
      const decoded = await codec.decode((request.body.payloads ?? []).map(fromJson));
      const namespace = clean(request.headers['x-namespace'] as string | undefined);
      const workflow = workflowOf(request);
      record({
        event: 'personal-data-access',
        at: new Date().toISOString(),
        who: (request as FastifyRequest & { who: string }).who,
        address: request.ip,
        path: '/decode',
        payloads: decoded.length,
        ...(namespace ? { namespace } : {}),
        ...(workflow ? { workflow } : {}),
      });
      return { payloads: decoded.map(toJson) };
    },
  );
  if (options.encode) {
    app.post<{ Body: { payloads?: JsonPayload[] } }>(
      '/encode',
      { schema: { body: payloadsSchema } },
      async (request) => ({
        payloads: (await codec.encode((request.body.payloads ?? []).map(fromJson))).map(toJson),
      }),
    );
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
