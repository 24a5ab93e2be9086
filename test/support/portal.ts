/** A real portal over HTTP, in front of the test run's Temporal server and worker. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ProcessClient } from '../../src/client/process-client';
import { buildPortal, type PortalRateLimits } from '../../src/portal/server';
import type { Verifier } from '../../src/signatures';
import type { EvidenceStore, PreparationStore } from '../../src/storage';
import { testVerifier } from './fixtures';
import type { ProcessEnv } from './process-env';

export interface TestPortal {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logs: () => string;
  close(): Promise<void>;
}

/** What a portal talks to, when not the run's own worker and evidence store (an isolated worker's). */
export interface PortalParts {
  readonly processes: ProcessClient;
  readonly evidence: EvidenceStore;
  readonly preparations: PreparationStore;
}

export async function startPortal(
  env: ProcessEnv,
  rateLimit?: Partial<PortalRateLimits>,
  verifier: Verifier = testVerifier(),
  parts?: PortalParts,
): Promise<TestPortal> {
  let logs = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  // The origin is known once listening; the Origin check only needs it to match what browsers send.
  let url = 'http://127.0.0.1';
  const app = await buildPortal({
    processes: parts?.processes ?? new ProcessClient(env.client, env.taskQueue),
    links: env.links,
    evidence: parts?.evidence ?? env.evidence,
    preparations: parts?.preparations ?? env.preparations,
    verifier,
    get baseUrl() {
      return url;
    },
    logger: true,
    logStream: stream,
    ...(rateLimit ? { rateLimit } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, url, logs: () => logs, close: () => app.close() };
}

/** A JSON POST to the portal, as the page and scripts send it. */
export function postJson(
  portal: TestPortal,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The portal's refusal: the DESIGN code, its HTTP status, and a Spanish message. */
export async function expectPortalError(response: Response, status: number, code: string): Promise<void> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code, body.error.message);
  assert.equal(response.status, status);
  assert.ok(body.error.message.length > 20 && /[áéíóúñ]|[a-z]/.test(body.error.message), 'a Spanish message');
}
