/**
 * Production fails closed: `npm run worker` and `npm run portal` refuse to start without trust
 * anchors or an explicit PORTAL_BASE_URL, and no configuration error echoes a secret. Checked on
 * the parts themselves, as an operator starts them, and on the configuration readers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, portalConfig, redactUrl, workerConfig } from '../../src/config';

const ROOT = join(__dirname, '..', '..');
const SECRET = 'k9-Zz-very-secret-password';

/** Runs a built entry point with exactly `env` (plus PATH), and returns its exit code and stderr. */
function runPart(entry: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', entry)], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

const LINK_SECRET = 'x'.repeat(64);

describe('production defaults fail closed', function () {
  this.timeout(60_000);

  for (const entry of ['worker/main.js', 'portal/main.js']) {
    it(`${entry} refuses to start without TRUST_ANCHORS, then without PORTAL_BASE_URL, naming the variable`, async function () {
      const noAnchors = await runPart(entry, { LINK_SECRET, PORTAL_BASE_URL: 'https://firma.example.mx' });
      assert.equal(noAnchors.status, 2, noAnchors.stderr);
      assert.match(noAnchors.stderr, /^configuration error: TRUST_ANCHORS must be set/m);
      const noBaseUrl = await runPart(entry, { LINK_SECRET, TRUST_ANCHORS: __filename });
      assert.equal(noBaseUrl.status, 2, noBaseUrl.stderr);
      assert.match(noBaseUrl.stderr, /^configuration error: PORTAL_BASE_URL must be set/m);
    });
  }

  it('never echoes a password or a secret in a configuration error', async function () {
    const smtp = await runPart('worker/main.js', {
      LINK_SECRET,
      PORTAL_BASE_URL: 'https://firma.example.mx',
      TRUST_ANCHORS: __filename,
      SMTP_URL: `smtpx://notificaciones:${SECRET}@relay.example.mx:587`,
    });
    assert.equal(smtp.status, 2);
    assert.match(smtp.stderr, /SMTP_URL must be/);
    assert.ok(!smtp.stderr.includes(SECRET), smtp.stderr);
    const shortSecret = await runPart('portal/main.js', { LINK_SECRET: SECRET.slice(0, 10) });
    assert.equal(shortSecret.status, 2);
    assert.ok(!shortSecret.stderr.includes(SECRET.slice(0, 10)), shortSecret.stderr);
    assert.throws(
      () =>
        workerConfig({
          LINK_SECRET,
          PORTAL_BASE_URL: `https://admin:${SECRET}@firma.example.mx`,
          TRUST_ANCHORS: 'x',
        }),
      (error: Error) => error instanceof ConfigError && !error.message.includes(SECRET),
    );
    assert.equal(
      redactUrl(`smtps://user:${SECRET}@relay.example.mx:465/?x=${SECRET}`),
      'smtps://***@relay.example.mx:465',
    );
  });

  it('development (npm start) fills in the portal address and may run without anchors', function () {
    const config = workerConfig({ LINK_SECRET, PORTAL_PORT: '8181' }, 'development');
    assert.equal(config.portalBaseUrl, 'http://localhost:8181');
    assert.equal(config.trustAnchors, undefined);
  });

  it('TRUST_PROXY takes addresses and CIDR ranges, and refuses anything else', function () {
    assert.deepEqual(portalConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).trustProxy, [
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
    ]);
    assert.deepEqual(portalConfig({}).trustProxy, []);
    for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.mx'])
      assert.throws(() => portalConfig({ TRUST_PROXY: bad }), /TRUST_PROXY must list/);
  });
});
