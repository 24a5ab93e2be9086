/**
 * The signer portal (DESIGN §3 "Signer portal"): the signing page and its JSON API, with bounded
 * bodies and rate limits per address and per link. Its headers, error replies and CSRF check are
 * in security.ts, its probes in health.ts, what each route does in signing.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CodedError } from '../domain/coded-error';
import { ERROR_CODES } from '../domain/errors';
import { MAX_CERTIFICATE_BYTES, MAX_REASON_LENGTH, MAX_SIGNATURE_BYTES } from '../domain/limits';
import { STAGE_LABEL } from '../domain/process';
import { deadlineText, privacyNoticePage, signingPage } from './pages';
import { PRIVACY_NOTICE_PATH, privacyNotice } from '../config/privacy-notice';
import { browserRulesScript } from './browser-rules';
import { registerHealth } from './health';
import { WindowLimiter } from './link-limiter';
import { redact, secure, send } from './security';
import { publicReport } from './public-report';
import {
  decline,
  declineDocument,
  documentBytes,
  openLink,
  prepareSignature,
  signedDocumentBytes,
  signsInPdf,
  statusCache,
  submitSignature,
  type DeclineSubmission,
  type PortalDeps,
  type SignatureSubmission,
} from './signing';

export interface PortalOptions extends PortalDeps {
  /** `PORTAL_BASE_URL`: POSTs must come from this origin. */
  readonly baseUrl: string;
  /**
   * Rate limits. Per address, a minute: `reads` (pages and API reads, default 120) and `writes`
   * (submissions, 20). Per link (one process, role and link version, from any number of
   * addresses): `linkReads` a minute (300) and `linkWrites` in ten minutes (30: preparations,
   * signatures, declines). The process bounds what a link can cost it whatever these are
   * (src/domain/limits.ts). A link's budget is shared by whoever holds it: a holder who spends it
   * delays the signer until the window ends or the coordinator sends a new link.
   */
  readonly rateLimit?: Partial<PortalRateLimits>;
  readonly logger?: boolean;
  /** Where log lines go (default stdout); tests read them to prove no token is logged. */
  readonly logStream?: NodeJS.WritableStream;
  /**
   * `TRUST_PROXY`: the addresses or CIDR ranges of the reverse proxies in front of the portal,
   * whose X-Forwarded-For names the client, so that rate limits count real clients. Absent or
   * empty: the header is ignored, as anyone could send it.
   */
  readonly trustProxy?: readonly string[];
}

export interface PortalRateLimits {
  readonly reads: number;
  readonly writes: number;
  readonly linkReads: number;
  readonly linkWrites: number;
}

export const DEFAULT_RATE_LIMITS: PortalRateLimits = {
  reads: 120,
  writes: 20,
  linkReads: 300,
  linkWrites: 30,
};

/** Where the page's static files live, from src/ or from dist/src/. */
function assetsDir(): string {
  for (const candidate of [
    join(__dirname, 'assets'),
    join(__dirname, '..', '..', '..', 'src', 'portal', 'assets'),
  ]) {
    try {
      readFileSync(join(candidate, 'signing.js'));
      return candidate;
    } catch {
      // try the next
    }
  }
  throw new Error('portal assets not found');
}

export async function buildPortal(options: PortalOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: Math.ceil((MAX_SIGNATURE_BYTES * 4) / 3) + 128 * 1024,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    // Tokens run to ~140 characters (the token reader bounds them at 1,024); fastify's default is 100.
    routerOptions: { maxParamLength: 1100 },
    logger: options.logger
      ? {
          level: 'info',
          ...(options.logStream ? { stream: options.logStream } : {}),
          serializers: {
            // Never a token, password, key or personal data in logs: method, redacted path, status.
            req: (request: FastifyRequest) => ({ method: request.method, url: redact(request.url) }),
            res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
          },
        }
      : false,
  });
  const dir = assetsDir();
  // A Map, not an object literal: a name such as `__proto__` or `toString` must find nothing.
  const assets = new Map<string, { body: Buffer; type: string }>([
    ['signing.js', { body: readFileSync(join(dir, 'signing.js')), type: 'text/javascript; charset=utf-8' }],
    ['sat-rules.js', { body: Buffer.from(browserRulesScript()), type: 'text/javascript; charset=utf-8' }],
    ['portal.css', { body: readFileSync(join(dir, 'portal.css')), type: 'text/css; charset=utf-8' }],
    [
      'forge.min.js',
      {
        body: readFileSync(require.resolve('node-forge/dist/forge.min.js')),
        type: 'text/javascript; charset=utf-8',
      },
    ],
  ]);

  await secure(app, options);
  const limits: PortalRateLimits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimit };
  await app.register(rateLimit, {
    global: true,
    max: limits.reads,
    timeWindow: '1 minute',
    errorResponseBuilder: () => ({
      statusCode: 429,
      error: { code: 'RATE_LIMITED', message: ERROR_CODES.RATE_LIMITED.message },
    }),
  });
  // Per link as well as per address: one forwarded link used from many addresses is still one
  // link. The key is the link the token names (process, run, role, version), so every copy of one
  // link counts together; a token that names no link is counted by the address that sent it.
  const linkKey = (request: FastifyRequest): string => {
    const token = (request.params as { token?: string }).token ?? '';
    const reading = options.links.read(token);
    return reading.ok
      ? `link:${reading.claims.workflowId}|${reading.claims.run}|${reading.claims.role}|${reading.claims.version}`
      : `address:${request.ip}`;
  };
  const perLink = (limiter: WindowLimiter) => async (request: FastifyRequest) => {
    if (!limiter.take(linkKey(request))) throw new CodedError('RATE_LIMITED');
  };
  const perLinkReads = perLink(new WindowLimiter(limits.linkReads, 60_000));
  // Reads at the same time share one query of their process: a flood of reads through one link
  // costs the process one query at a time. A submission forgets its process's query in flight.
  const states = statusCache(options.processes);
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'POST' || request.url.endsWith('/decline/document')) return;
    const reading = options.links.read((request.params as { token?: string }).token ?? '');
    if (reading.ok) states.forget(reading.claims.workflowId);
  });
  const perLinkWrites = perLink(new WindowLimiter(limits.linkWrites, 10 * 60_000));

  registerHealth(app, options);

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return send(reply, 'NOT_FOUND');
    return reply.type(asset.type).send(asset.body);
  });

  /**
   * The deadline of the stage the process is in after an answer, as the page writes it (null when
   * it cannot be read now: the answer stands, the page keeps what it showed).
   */
  const deadlineAfter = async (token: string): Promise<string | null> => {
    const reading = options.links.read(token);
    if (!reading.ok) return null;
    try {
      return deadlineText(await options.processes.status(reading.claims.workflowId));
    } catch {
      return null;
    }
  };

  // The privacy notice: the page shows the short one, this serves the full one (unless the
  // institution publishes it at PRIVACY_NOTICE_URL). The worker keeps its text with the evidence
  // (the portal only reads the store), so that a dossier can show the notice a signer was shown.
  const notice = options.privacyNotice ?? privacyNotice({});
  app.get(PRIVACY_NOTICE_PATH, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(privacyNoticePage(notice)),
  );

  app.get<{ Params: { token: string } }>(
    '/firmar/:token',
    { preHandler: perLinkReads },
    async (request, reply) => {
      const link = await openLink(options, request.params.token, states.read);
      return reply
        .type('text/html; charset=utf-8')
        .send(signingPage(link, request.params.token, notice, notice.url ?? PRIVACY_NOTICE_PATH));
    },
  );

  app.get<{ Params: { token: string } }>(
    '/api/v1/signing/:token',
    { preHandler: perLinkReads },
    async (request) => {
      const link = await openLink(options, request.params.token, states.read);
      const { state, role, claims } = link;
      const signer = state.signers[role];
      const pades = signsInPdf(link);
      return {
        workflowId: claims.workflowId,
        role,
        expectedSigner: { name: signer.name, rfc: signer.rfc ?? null },
        municipality: { name: state.input.municipality, inegiCode: state.input.inegiCode },
        stage: state.stage,
        stageLabel: STAGE_LABEL[state.stage],
        deadline: state.deadline,
        document: {
          sha256: state.document?.sha256,
          mediaType: state.document?.mediaType ?? 'application/pdf',
        },
        expiresAt: claims.expiresAt,
        // The formats this link accepts, the preferred first: `pades` signs inside the PDF.
        formats: pades ? ['pades', 'pkcs1-sha256', 'cms'] : ['pkcs1-sha256', 'cms'],
        signedDocument: state.signedDocument ? { sha256: state.signedDocument.sha256 } : null,
      };
    },
  );

  app.get<{ Params: { token: string } }>(
    '/api/v1/signing/:token/document',
    { preHandler: perLinkReads },
    async (request, reply) => {
      const link = await openLink(options, request.params.token, states.read);
      const bytes = await documentBytes(options, link);
      return reply
        .type(link.state.document?.mediaType ?? 'application/pdf')
        .header('Content-Disposition', `inline; filename="${link.state.document?.fileName ?? 'carta.pdf'}"`)
        .send(bytes);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/api/v1/signing/:token/signed-document',
    { preHandler: perLinkReads },
    async (request, reply) => {
      const link = await openLink(options, request.params.token, states.read);
      const bytes = await signedDocumentBytes(options, link);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', 'inline; filename="carta-firmada.pdf"')
        .send(bytes);
    },
  );

  const writeLimit = { rateLimit: { max: limits.writes, timeWindow: '1 minute' } };
  // Base64 with line breaks allowed; a signature is bounded by the body limit.
  const base64 = (maxLength?: number) => ({
    type: 'string',
    minLength: 4,
    ...(maxLength === undefined ? {} : { maxLength }),
    pattern: '^[A-Za-z0-9+/=\\s]+$',
  });
  const encodedLength = (bytes: number): number => Math.ceil((bytes * 4) / 3) + 1024; // white space allowed
  const certificateField = base64(encodedLength(MAX_CERTIFICATE_BYTES));
  const unspaced = (value: string | undefined): string | undefined => value?.replace(/\s+/g, '');
  const reasonField = { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, pattern: '\\S' };

  app.post<{ Params: { token: string }; Body: { certificate: string } }>(
    '/api/v1/signing/:token/prepare',
    {
      config: writeLimit,
      preHandler: perLinkWrites,
      schema: {
        body: {
          type: 'object',
          required: ['certificate'],
          additionalProperties: false,
          properties: { certificate: certificateField },
        },
      },
    },
    async (request) => prepareSignature(options, request.params.token, unspaced(request.body.certificate)!),
  );

  app.post<{ Params: { token: string }; Body: SignatureSubmission }>(
    '/api/v1/signing/:token/signature',
    {
      config: writeLimit,
      preHandler: perLinkWrites,
      schema: {
        body: {
          type: 'object',
          required: ['signature'],
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['cms', 'pkcs1-sha256', 'pades'] },
            signature: base64(encodedLength(MAX_SIGNATURE_BYTES)),
            certificate: certificateField,
          },
        },
      },
    },
    async (request) => {
      const certificate = unspaced(request.body.certificate);
      const body: SignatureSubmission = {
        ...request.body,
        signature: unspaced(request.body.signature)!,
        ...(certificate ? { certificate } : {}),
      };
      if ((body.format === 'pkcs1-sha256' || body.format === 'pades') && !body.certificate)
        throw new CodedError('MALFORMED_INPUT');
      const result = await submitSignature(options, request.params.token, body);
      return {
        status: 'accepted',
        stage: result.stage,
        stageLabel: STAGE_LABEL[result.stage],
        // The process as it stands after the answer, for the page to show one state, not two.
        deadlineText: await deadlineAfter(request.params.token),
        report: publicReport(result.report),
      };
    },
  );

  // A decline is signed: first the exact text to sign (nothing changes), then the signed decline.
  app.post<{ Params: { token: string }; Body: { reason: string } }>(
    '/api/v1/signing/:token/decline/document',
    {
      // Changes nothing and reads the process's shared state, as a page does: the address's limit
      // suffices, and a link holder cannot spend the signer's budget with it.
      config: writeLimit,
      schema: {
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: reasonField },
        },
      },
    },
    async (request) => declineDocument(options, request.params.token, request.body.reason, states.read),
  );

  app.post<{ Params: { token: string }; Body: DeclineSubmission }>(
    '/api/v1/signing/:token/decline',
    {
      config: writeLimit,
      preHandler: perLinkWrites,
      schema: {
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: {
            reason: reasonField,
            format: { type: 'string', enum: ['cms', 'pkcs1-sha256'] },
            signature: base64(encodedLength(MAX_SIGNATURE_BYTES)),
            certificate: certificateField,
          },
        },
      },
    },
    async (request) => {
      const signature = unspaced(request.body.signature);
      const certificate = unspaced(request.body.certificate);
      const result = await decline(options, request.params.token, {
        reason: request.body.reason,
        ...(request.body.format ? { format: request.body.format } : {}),
        ...(signature ? { signature } : {}),
        ...(certificate ? { certificate } : {}),
      });
      return {
        status: 'declined',
        stage: result.stage,
        stageLabel: STAGE_LABEL[result.stage as keyof typeof STAGE_LABEL],
        deadlineText: '—',
        report: publicReport(result.report),
      };
    },
  );

  return app;
}
