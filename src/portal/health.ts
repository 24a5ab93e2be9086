/** Liveness and readiness probes: what orchestrators and load balancers poll. */
import type { FastifyInstance } from 'fastify';
import type { PortalDeps } from './signing';

/** `/healthz` (the process answers) and `/readyz` (Temporal and the evidence store answer). */
export function registerHealth(
  app: FastifyInstance,
  options: Pick<PortalDeps, 'processes' | 'evidence'>,
): void {
  // Liveness and readiness: never rate-limited (orchestrators and load balancers poll them).
  app.get('/healthz', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));
  // Probes cost a call to Temporal: callers within a second share one answer.
  const probe = shared(1_000, () =>
    readiness(
      {
        temporal: () => options.processes.ready(),
        evidence: () => options.evidence.ready(),
      },
      (name, reason) => app.log.warn({ check: name, reason }, 'not ready'),
    ),
  );
  app.get('/readyz', { config: { rateLimit: false } }, async (_request, reply) => {
    const checks = await probe();
    const ready = Object.values(checks).every((outcome) => outcome === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}

/** Each dependency's state: `ok`, or `unavailable` (the reason goes to the log, not to the caller). */
async function readiness(
  probes: Record<string, () => Promise<unknown>>,
  logFailure: (name: string, reason: string) => void,
): Promise<Record<string, 'ok' | 'unavailable'>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      try {
        await probe();
        return [name, 'ok'] as const;
      } catch (error) {
        logFailure(name, (error as Error)?.message ?? String(error));
        return [name, 'unavailable'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** `run`'s answer, shared by every caller for `ms` after it settles (and while it runs). */
function shared<T>(ms: number, run: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | null = null;
  let settledAt: number | null = null;
  return () => {
    if (answer !== null && (settledAt === null || Date.now() - settledAt <= ms)) return answer;
    settledAt = null;
    answer = run().finally(() => {
      settledAt = Date.now();
    });
    return answer;
  };
}
