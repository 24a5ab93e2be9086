/**
 * The codec server (Temporal's remote codec protocol): `POST /encode` and `POST /decode` take and
 * answer `{payloads: [{metadata, data}]}` (protobuf JSON, base64 bytes). The Web UI and
 * `temporal --codec-endpoint` call it to show staff the decrypted inputs, results, summaries and
 * the `status` query. It decrypts anything it is given, so who may reach it may read personal
 * data: CORS admits only the Web UI's origin, `CODEC_AUTH` can require a bearer token, bodies are
 * bounded, and nothing about a request's content is logged.
 */
import { timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { Payload } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { EncryptionCodec } from './encryption-codec';
import type { Keyring } from './keyring';

export interface CodecServerOptions {
  readonly keyring: Keyring;
  /** Origins whose browsers may call (the Web UI's, e.g. `http://localhost:8233`). */
  readonly allowedOrigins: readonly string[];
  /** `CODEC_AUTH`: when set, every request carries `Authorization: Bearer <it>`. */
  readonly auth?: string | undefined;
  /** Largest request body (default 16 MiB). */
  readonly bodyLimit?: number;
}

/** Payloads per request: the Web UI asks event by event; a history export asks in batches. */
const MAX_PAYLOADS = 10_000;

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
const payloadsSchema = {
  type: 'object',
  required: ['payloads'],
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

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const codec = new EncryptionCodec(options.keyring);
  // No request logging at all: bodies are personal data, and even their sizes are nobody's business.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });
  await app.register(cors, {
    origin: [...options.allowedOrigins],
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    credentials: true,
    maxAge: 600,
  });
  const expected = options.auth ? Buffer.from(`Bearer ${options.auth}`) : null;
  app.addHook('onRequest', async (request, reply) => {
    if (expected === null || request.method === 'OPTIONS') return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.code(401).send({ error: 'a valid Authorization: Bearer token is required' });
    }
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

  for (const [path, run] of [
    ['/encode', (payloads: Payload[]) => codec.encode(payloads)],
    ['/decode', (payloads: Payload[]) => codec.decode(payloads)],
  ] as const) {
    app.post<{ Body: { payloads: JsonPayload[] } }>(
      path,
      { schema: { body: payloadsSchema } },
      async (request) => ({
        payloads: (await run(request.body.payloads.map(fromJson))).map(toJson),
      }),
    );
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
