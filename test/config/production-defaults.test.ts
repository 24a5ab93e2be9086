/**
 * Production fails closed: `npm run worker` and `npm run portal` refuse to start without trust
 * anchors or an explicit PORTAL_BASE_URL, and no configuration error echoes a secret. Checked on
 * the parts themselves, as an operator starts them, and on the configuration readers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { ConfigError, portalConfig, redactUrl, workerConfig } from '../../src/config';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../../src/worker/heap';
import { workerTuning } from '../../src/worker/tuning';
import { signingFixtures } from '../support/fixtures';

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

  const emptyDir = mkdtempSync(join(tmpdir(), 'sin-certificados-'));
  const anchor = signingFixtures().root.certPath;
  const complete = {
    LINK_SECRET,
    PORTAL_BASE_URL: 'https://firma.example.mx',
    TRUST_ANCHORS: anchor,
    CRLS: signingFixtures().crlPath,
    PAYLOAD_KEYS: JSON.stringify({ k: randomBytes(32).toString('base64') }),
    // Nothing listens here: a part that passed its checks would fail to connect, not to configure.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  };
  for (const entry of ['worker/main.js', 'portal/main.js']) {
    it(`${entry} refuses to start without trust anchors, PORTAL_BASE_URL or PAYLOAD_KEYS, naming the variable`, async function () {
      for (const [change, message] of [
        [{ TRUST_ANCHORS: '' }, /^error de configuración: falta TRUST_ANCHORS/m],
        [{ TRUST_ANCHORS: ',' }, /^error de configuración: falta TRUST_ANCHORS/m],
        [
          { TRUST_ANCHORS: emptyDir },
          /^error de configuración: TRUST_ANCHORS \(.*\) no nombra ningún certificado/m,
        ],
        [{ PORTAL_BASE_URL: '' }, /^error de configuración: falta PORTAL_BASE_URL/m],
        // Links carry their token: never over plain HTTP beyond this machine.
        [
          { PORTAL_BASE_URL: 'http://firma.example.mx' },
          /^error de configuración: PORTAL_BASE_URL debe ser una dirección https:\/\//m,
        ],
        [{ PAYLOAD_KEYS: '' }, /^error de configuración: falta PAYLOAD_KEYS/m],
        // Revocation fails closed: a source of revocation data, or the explicit exception.
        [{ CRLS: '' }, /^error de configuración: falta CRLS, CRL_URLS u OCSP_URL/m],
        [
          { REVOCATION_POLICY: 'a-veces' },
          /^error de configuración: REVOCATION_POLICY debe ser "required" o "best-effort"/m,
        ],
        [
          { CRL_URLS: 'ftp://crl.example.mx/ac.crl' },
          /^error de configuración: CRL_URLS debe listar URL http\(s\)/m,
        ],
        [
          { OCSP_URL: 'http://usuario:clave@ocsp.example.mx/' },
          /^error de configuración: OCSP_URL debe listar URL http\(s\) sin credenciales/m,
        ],
      ] as const) {
        const run = await runPart(entry, { ...complete, ...change });
        assert.equal(run.status, 2, `${JSON.stringify(change)}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
    });
  }

  it('starts with a loopback http:// portal address, CRL_URLS or OCSP_URL instead of CRLS, or REVOCATION_POLICY=best-effort said aloud', function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'datos-'));
    const base = { ...complete, DATA_DIR: dataDir };
    for (const url of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080'])
      assert.equal(workerConfig({ ...base, PORTAL_BASE_URL: url }).portalBaseUrl, url);
    const fromUrls = workerConfig({ ...base, CRLS: '', CRL_URLS: 'http://crl.example.mx/ac4.crl' });
    assert.deepEqual(fromUrls.crlUrls, ['http://crl.example.mx/ac4.crl']);
    assert.equal(fromUrls.revocationPolicy, 'required');
    // OCSP alone is a revocation source (SAT's certificates name none: the responders are configured).
    const fromOcsp = workerConfig({
      ...base,
      CRLS: '',
      OCSP_URL: 'https://ocsp-a.example.mx/ocsp, http://ocsp-b.example.mx/',
    });
    assert.deepEqual(fromOcsp.ocspUrls, ['https://ocsp-a.example.mx/ocsp', 'http://ocsp-b.example.mx/']);
    assert.equal(fromOcsp.revocationPolicy, 'required');
    assert.equal(
      workerConfig({ ...base, CRLS: '', REVOCATION_POLICY: 'best-effort' }).revocationPolicy,
      'best-effort',
    );
    assert.equal(
      workerConfig({ LINK_SECRET, DATA_DIR: dataDir }, 'development').revocationPolicy,
      'best-effort',
    );
  });

  it('never echoes a password or a secret in a configuration error', async function () {
    for (const smtpUrl of [
      `smtpx://notificaciones:${SECRET}@relay.example.mx:587`,
      `notificaciones:${SECRET}@relay.example.mx:587`,
      `smtp:notificaciones:${SECRET}@relay:587`,
    ]) {
      const smtp = await runPart('worker/main.js', { ...complete, SMTP_URL: smtpUrl });
      assert.equal(smtp.status, 2);
      assert.match(smtp.stderr, /SMTP_URL debe ser/);
      assert.ok(!smtp.stderr.includes(SECRET), smtp.stderr);
    }
    const shortSecret = await runPart('portal/main.js', { ...complete, LINK_SECRET: SECRET.slice(0, 10) });
    assert.equal(shortSecret.status, 2);
    assert.match(shortSecret.stderr, /LINK_SECRET debe definirse con al menos 32/);
    assert.ok(!shortSecret.stderr.includes(SECRET.slice(0, 10)), shortSecret.stderr);
    for (const value of [
      `notificaciones:${SECRET}@relay:587`,
      `smtp:u:${SECRET}@relay`,
      `https://a:${SECRET}@x.mx/${SECRET}`,
    ])
      assert.ok(!redactUrl(value).includes(SECRET), redactUrl(value));
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
    const dataDir = join(mkdtempSync(join(tmpdir(), 'datos-')), 'nuevo');
    const config = workerConfig({ LINK_SECRET, PORTAL_PORT: '8181', DATA_DIR: dataDir }, 'development');
    assert.equal(config.portalBaseUrl, 'http://localhost:8181');
    assert.equal(config.trustAnchors, undefined);
  });

  it('WORKER_CACHED_PROCESSES bounds the workflow cache: 250 by default, a whole number or a clear error', function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'datos-'));
    const base = { LINK_SECRET, DATA_DIR: dataDir };
    assert.equal(workerConfig(base, 'development').cachedProcesses, 250);
    assert.equal(workerConfig({ ...base, WORKER_CACHED_PROCESSES: '40' }, 'development').cachedProcesses, 40);
    for (const bad of ['0', '1', '2.5', 'mucho', '-3'])
      assert.throws(
        () => workerConfig({ ...base, WORKER_CACHED_PROCESSES: bad }, 'development'),
        /WORKER_CACHED_PROCESSES debe ser un número entero de 2 a 100000/,
      );
  });

  it('WORKER_ACTIVITY_SLOTS bounds the normal activities run at once: the cores by default, or a clear error', function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'datos-'));
    const base = { LINK_SECRET, DATA_DIR: dataDir };
    const config = workerConfig(base, 'development');
    assert.equal(config.activitySlots, availableParallelism());
    assert.deepEqual(workerTuning(config), {
      maxCachedWorkflows: 250,
      workflowThreadPoolSize: 2,
      maxConcurrentActivityTaskExecutions: availableParallelism(),
    });
    assert.equal(workerConfig({ ...base, WORKER_ACTIVITY_SLOTS: '8' }, 'development').activitySlots, 8);
    for (const bad of ['0', '1.5', 'muchos', '-1', '1001'])
      assert.throws(
        () => workerConfig({ ...base, WORKER_ACTIVITY_SLOTS: bad }, 'development'),
        /WORKER_ACTIVITY_SLOTS debe ser un número entero de 1 a 1000/,
      );
  });

  it('`npm run worker` starts the worker with its heap limit and two malloc arenas', function () {
    const scripts = (
      JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const env = Object.entries(WORKER_ENV).map(([name, value]) => `${name}=${value}`);
    assert.equal(
      scripts.worker,
      `${env.join(' ')} node ${WORKER_NODE_ARGS.join(' ')} dist/src/worker/main.js`,
    );
  });

  it('TRUST_PROXY takes addresses and CIDR ranges, and refuses anything else', function () {
    assert.deepEqual(portalConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).trustProxy, [
      '10.0.0.5',
      '10.1.0.0/16',
      '::1',
    ]);
    assert.deepEqual(portalConfig({}).trustProxy, []);
    for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.mx', '0.0.0.0/0', '::/0'])
      assert.throws(() => portalConfig({ TRUST_PROXY: bad }), /TRUST_PROXY debe listar/);
  });
});
