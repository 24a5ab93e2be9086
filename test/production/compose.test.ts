/**
 * docker-compose.yml, which no test runs (no Docker engine here): it must stay a valid Compose file
 * (what `docker compose config` checks, here against the Compose Specification's own JSON schema,
 * from the compose-go module) and keep the admin doors closed: every published port on loopback,
 * Temporal behind mutual TLS at the version the stack builds, portals with the bucket's read-only
 * account, the codec server behind the single sign-on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { TEMPORAL_SERVER_VERSION } from '../../src/stack/binaries';
import { ensureClusterCertificates, exportPerPart } from '../../src/stack/certificates';

const COMPOSE_GO = 'github.com/compose-spec/compose-go/v2@v2.4.9';

interface Service {
  image?: string;
  build?: string;
  ports?: string[];
  volumes?: (string | { source?: string; volume?: { subpath?: string } })[];
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition: string }>;
  command?: string[];
}

describe('docker-compose.yml', function () {
  this.timeout(180_000);
  const text = readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };

  it('is a valid Compose file (the Compose Specification’s schema)', function () {
    // The schema as compose-go ships it, from the Go module proxy (cached after the first time).
    const scratch = mkdtempSync(join(tmpdir(), 'compose-schema-'));
    writeFileSync(join(scratch, 'go.mod'), 'module scratch\n\ngo 1.22\n');
    const { Dir } = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', COMPOSE_GO], { cwd: scratch, encoding: 'utf8' }),
    ) as { Dir: string };
    const schema = JSON.parse(readFileSync(join(Dir, 'schema', 'compose-spec.json'), 'utf8')) as object;
    const validate = new Ajv({ strict: false, allErrors: true, validateSchema: false }).compile(schema);
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 1));
    for (const [name, service] of Object.entries(compose.services)) {
      const needs = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const other of needs)
        assert.ok(compose.services[other], `${name} depends on ${other}, which is not a service`);
    }
  });

  it('keeps the admin doors closed', function () {
    const { services } = compose;
    for (const [name, service] of Object.entries(services))
      for (const port of service.ports ?? [])
        assert.match(port, /^127\.0\.0\.1:/, `${name} publishes ${port} beyond loopback`);
    assert.equal(services.temporal!.image, `temporalio/server:${TEMPORAL_SERVER_VERSION.slice(1)}`);
    assert.equal(services.temporal!.environment!.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH, 'true');
    for (const part of ['worker-1', 'worker-2', 'portal-1', 'portal-2'])
      assert.match(
        services[part]!.environment!.TEMPORAL_TLS_CERT ?? '',
        /^\/certs\/(worker|portal)\.pem$/,
        part,
      );
    for (const portal of ['portal-1', 'portal-2'])
      assert.equal(
        services[portal]!.environment!.AWS_ACCESS_KEY_ID,
        'manifiesta-portal',
        `${portal} reads only`,
      );
    assert.ok(services['codec-server']!.environment!.CODEC_OIDC_ISSUER, 'the codec server checks who asks');
    assert.equal(services['temporal-ui']!.environment!.TEMPORAL_CODEC_PASS_ACCESS_TOKEN, 'true');
    assert.match(services['worker-1']!.environment!.PORTAL_BASE_URL!, /:\?/, 'PORTAL_BASE_URL must be given');
    // Each part mounts only its own certificates' folder; only the maker sees the CA's key.
    for (const [name, service] of Object.entries(services)) {
      const certs = (service.volumes ?? []).filter(
        (v) => (typeof v === 'string' ? v.split(':')[0] : v.source) === 'certs',
      );
      if (name === 'certificates') continue;
      for (const mount of certs)
        assert.match(
          typeof mount === 'string' ? '' : (mount.volume?.subpath ?? ''),
          /^parts\/[a-z-]+$/,
          `${name} mounts more than its own certificates`,
        );
    }
  });

  it('the certificates’ maker gives each part a folder with the CA certificate and its own pair only', function () {
    const dir = mkdtempSync(join(tmpdir(), 'certs-'));
    exportPerPart(ensureClusterCertificates(dir, ['temporal', 'localhost']), dir);
    assert.deepEqual(readdirSync(join(dir, 'parts')).sort(), [
      'cli',
      'portal',
      'temporal',
      'web-ui',
      'worker',
    ]);
    assert.deepEqual(readdirSync(join(dir, 'parts', 'portal')).sort(), [
      'ca.pem',
      'portal.key',
      'portal.pem',
    ]);
    assert.deepEqual(readdirSync(join(dir, 'parts', 'temporal')).sort(), [
      'ca.pem',
      'frontend.key',
      'frontend.pem',
      'internode.key',
      'internode.pem',
    ]);
    for (const part of readdirSync(join(dir, 'parts')))
      for (const file of readdirSync(join(dir, 'parts', part)))
        assert.equal(statSync(join(dir, 'parts', part, file)).mode & 0o777, 0o600, `${part}/${file}`);
  });
});
