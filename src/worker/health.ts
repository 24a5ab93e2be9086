/**
 * The worker's health endpoints (`WORKER_HEALTH_PORT`), for orchestrators and load balancers:
 * `/healthz` while the process lives, `/readyz` while the worker polls and Temporal answers.
 * Plain node:http: two routes, nothing to parse, nothing logged.
 */
import { createServer, type Server } from 'node:http';
import { redactPersonalData } from '../domain/redact';

export interface HealthProbes {
  /** Resolves when ready; rejects with the reason otherwise. */
  readonly ready: () => Promise<void>;
}

/**
 * @param log where the reason a probe failed goes: the operator's log, not the caller, who may be
 *   anyone who reaches the port and learns only `not ready`.
 */
export async function startHealthServer(
  port: number,
  host: string,
  probes: HealthProbes,
  log: (line: string) => void = console.warn,
): Promise<Server> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: object): void => {
      response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return answer(405, { status: 'method not allowed' });
    if (request.url === '/healthz') return answer(200, { status: 'ok' });
    if (request.url === '/readyz') {
      probes.ready().then(
        () => answer(200, { status: 'ready' }),
        (error: unknown) => {
          log(`worker not ready: ${redactPersonalData((error as Error)?.message ?? String(error))}`);
          answer(503, { status: 'not ready' });
        },
      );
      return;
    }
    answer(404, { status: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
