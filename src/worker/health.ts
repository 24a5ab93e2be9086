/**
 * The worker's health endpoints (`WORKER_HEALTH_PORT`), for orchestrators and load balancers:
 * `/healthz` while the process lives, `/readyz` while the worker polls and Temporal answers.
 * Plain node:http: two routes, nothing to parse, nothing logged.
 */
import { createServer, type Server } from 'node:http';

export interface HealthProbes {
  /** Resolves when ready; rejects with the reason otherwise. */
  readonly ready: () => Promise<void>;
}

export async function startHealthServer(port: number, host: string, probes: HealthProbes): Promise<Server> {
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
        (error: unknown) =>
          answer(503, { status: 'unavailable', reason: (error as Error)?.message ?? String(error) }),
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
