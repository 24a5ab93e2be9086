/**
 * The portal as operators run it: /healthz says it lives, /readyz whether Temporal and the
 * evidence store answer, and behind a reverse proxy (TRUST_PROXY) the rate limits count the real
 * clients that the proxy names, while nobody else can choose their address by sending the header.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { buildPortal } from '../../src/portal/server';
import { ProcessClient } from '../../src/client/process-client';
import { openStores } from '../../src/storage';
import { testVerifier } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';

describe('the portal for operators', function () {
  this.timeout(60_000);
  let env: ProcessEnv;

  before(async function () {
    env = await processEnv();
  });

  async function portalWith(
    options: Partial<Parameters<typeof buildPortal>[0]>,
  ): Promise<{ url: string; close: () => Promise<void> }> {
    const app = await buildPortal({
      processes: new ProcessClient(env.client, env.taskQueue),
      links: env.links,
      evidence: env.evidence,
      preparations: env.preparations,
      verifier: testVerifier(),
      baseUrl: 'http://127.0.0.1',
      ...options,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return {
      url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      close: () => app.close(),
    };
  }

  it('/readyz is 200 when Temporal and the evidence store answer, 503 naming what does not', async function () {
    const up = await portalWith({});
    const deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    // A store that cannot even be created (below a file).
    const missingDir = join(mkdtempSync(join(tmpdir(), 'evidencia-')), 'archivo', 'evidencia');
    writeFileSync(join(missingDir, '..', '..', 'archivo'), 'no es una carpeta');
    const down = await portalWith({
      processes: new ProcessClient(deadTemporal, env.taskQueue),
      evidence: openStores({ kind: 'folder', dir: missingDir }, env.keyring).evidence,
    });
    try {
      const ready = await fetch(`${up.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { temporal: 'ok', evidence: 'ok' } });
      // What the Temporal probe alone takes here and now, giving up on a server that is not there:
      // its deadline, and whatever a busy machine adds to it.
      let started = Date.now();
      const alsoDead = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
      await assert.rejects(new ProcessClient(alsoDead, env.taskQueue).ready());
      const probe = Date.now() - started;
      // Its 2 s deadline, not the 10 s a connection waits for a server by default.
      assert.ok(probe < 10_000, `the probe gave up after ${probe} ms`);
      started = Date.now();
      const unavailable = await fetch(`${down.url}/readyz`);
      assert.equal(unavailable.status, 503);
      assert.deepEqual(await unavailable.json(), {
        status: 'unavailable',
        checks: { temporal: 'unavailable', evidence: 'unavailable' },
      });
      const took = Date.now() - started;
      assert.ok(took < probe + 2_000, `answered in ${took} ms, its probe alone takes ${probe} ms`);
      // Liveness does not depend on them.
      assert.equal((await fetch(`${down.url}/healthz`)).status, 200);
    } finally {
      await up.close();
      await down.close();
    }
  });

  it('behind TRUST_PROXY, each forwarded client has its own limit; without it, the header changes nothing', async function () {
    const decline = (url: string, client: string) =>
      fetch(`${url}/api/v1/signing/no-es-un-token/decline`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
        body: '{}',
      }).then((r) => r.status);
    const proxied = await portalWith({ trustProxy: ['127.0.0.1'], rateLimit: { reads: 1000, writes: 2 } });
    const direct = await portalWith({ rateLimit: { reads: 1000, writes: 2 } });
    try {
      assert.deepEqual(
        [await decline(proxied.url, '203.0.113.7'), await decline(proxied.url, '203.0.113.7')],
        [400, 400],
      );
      assert.equal(await decline(proxied.url, '203.0.113.7'), 429, 'the third from one client is limited');
      assert.equal(await decline(proxied.url, '198.51.100.9'), 400, 'another client is not');

      assert.equal(await decline(direct.url, '203.0.113.7'), 400);
      assert.equal(await decline(direct.url, '198.51.100.9'), 400);
      assert.equal(await decline(direct.url, '192.0.2.1'), 429, 'a forged header does not buy a new quota');
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});
