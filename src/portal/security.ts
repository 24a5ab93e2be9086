/**
 * The portal's security, in one place: a strict CSP (no inline script or style, no framing), no
 * referrer (the token is in the URL), no caching, JSON-only POSTs from our own origin (CSRF), tokens
 * redacted from logs, and every refusal as `{error: {code, message}}` with the DESIGN code, its HTTP
 * status and a Spanish message (an unknown failure is a defect, logged without personal data).
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../domain/errors';
import { redactPersonalData } from '../domain/redact';
import type { VerificationReport } from '../domain/verification-report';
import { HTTP_STATUS } from './http-status';
import { errorPage } from './pages';
import { publicReport } from './public-report';
import { CodedError } from '../domain/coded-error';

export const redact = (url: string): string => url.replace(/\/(firmar|signing)\/[^/?#]+/, '/$1/<token>');

export function send(
  reply: FastifyReply,
  code: ErrorCode,
  extra: { readonly report?: VerificationReport; readonly message?: string } = {},
): FastifyReply {
  return reply.code(HTTP_STATUS[code]).send({
    error: {
      code,
      message: extra.message ?? ERROR_CODES[code].message,
      ...(extra.report ? { report: publicReport(extra.report) } : {}),
    },
  });
}

/** The headers, the error replies and the CSRF check every route of `app` has (`site.baseUrl` read per request). */
export async function secure(app: FastifyInstance, site: { readonly baseUrl: string }): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
      const code: ErrorCode =
        error instanceof CodedError
          ? error.code
          : error.statusCode === 429
            ? 'RATE_LIMITED'
            : error.statusCode === 413
              ? 'PAYLOAD_TOO_LARGE'
              : error.validation ||
                  (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
                ? 'MALFORMED_INPUT'
                : 'INTERNAL_ERROR';
      // Temporal or the store out of reach arrive as CodedErrors with their own codes: what is
      // left is a defect, logged as one (never as an outage), without the personal data a
      // message may quote.
      if (code === 'INTERNAL_ERROR' || code === 'TEMPORAL_UNAVAILABLE')
        request.log.error(
          { err: { name: error.name, message: redactPersonalData(error.message ?? '') } },
          code === 'INTERNAL_ERROR' ? 'portal defect' : 'portal failure',
        );
      if (request.method === 'GET' && request.url.startsWith('/firmar/')) {
        return reply.code(HTTP_STATUS[code]).type('text/html; charset=utf-8').send(errorPage(code));
      }
      return send(reply, code, {
        ...(error instanceof CodedError && error.report ? { report: error.report } : {}),
        ...(error instanceof CodedError && error.detailed ? { message: error.message } : {}),
      });
    },
  );
  // A link cut short or mangled in a mail client reads as an invalid link; anything else is not here.
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' && request.url.startsWith('/firmar/'))
      return reply.code(404).type('text/html; charset=utf-8').send(errorPage('LINK_INVALID'));
    return send(reply, /^\/(firmar|api\/v1\/signing)\//.test(request.url) ? 'LINK_INVALID' : 'NOT_FOUND');
  });

  // CSRF: state changes only as JSON (a cross-site form cannot send it without a preflight we do
  // not allow) and, when the browser says where it comes from, only from our own origin.
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST') return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== new URL(site.baseUrl).origin)
      throw new CodedError('ORIGIN_REJECTED');
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json'))
      throw new CodedError('MALFORMED_INPUT');
  });
}
