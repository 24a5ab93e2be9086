/**
 * The codec server and the keyring, as operators meet them: Temporal's /decode (and /encode when
 * enabled), the Web UI's origin and our own Host only, a bearer token (CODEC_AUTH or the single
 * sign-on's access token) required outside development, every decode recorded as an access to
 * personal data and every refusal too, never a payload's content; bounded bodies, clear errors
 * naming a missing key; PAYLOAD_KEYS refused when malformed, and required in production.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyring, type Keyring } from '../../src/codec/keyring';
import { buildCodecServer, type CodecAccessRecord } from '../../src/codec/server';
import { ConfigError, payloadKeyring } from '../../src/config';
import { freePort } from '../../src/dev/temporal';

const UI = 'http://localhost:8233';
const keyJson = (keys: Record<string, Buffer>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(keys).map(([id, key]) => [id, key.toString('base64')])));
const jsonPayload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

describe('the codec server and the payload keyring', function () {
  this.timeout(60_000);
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  let keyring: Keyring;
  let app: FastifyInstance;
  let url: string;
  const record: CodecAccessRecord[] = [];

  before(async function () {
    keyring = parseKeyring(keyJson({ a: keyA, b: keyB }), 'b');
    app = await buildCodecServer({
      keyring,
      allowedOrigins: [UI],
      auth: 'token-de-prueba-123456',
      encode: true,
      record: (entry) => record.push(entry),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async function () {
    await app?.close();
  });

  const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer token-de-prueba-123456',
        'X-Namespace': 'default',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('encodes to ciphertext under the current key, and decodes it back', async function () {
    const plain = [jsonPayload({ nombre: 'ROMINA CONTRERAS CARRASCO' })];
    const encoded = (await (await call('/encode', { payloads: plain })).json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    const [one] = encoded.payloads;
    assert.equal(Buffer.from(one!.metadata['encryption-key-id']!, 'base64').toString(), 'b');
    assert.ok(!Buffer.from(one!.data, 'base64').toString('latin1').includes('ROMINA'));
    const decoded = (await (await call('/decode', encoded)).json()) as { payloads: unknown[] };
    assert.deepEqual(decoded.payloads, plain);
    // The same value encrypts differently each time (a fresh IV).
    const again = (await (await call('/encode', { payloads: plain })).json()) as typeof encoded;
    assert.notEqual(again.payloads[0]!.data, one!.data);
    // An empty list as Temporal's Go clients send it (the CLI's `workflow show` on a termination's
    // empty details): `{}`, answered with none, not refused.
    const empty = await call('/decode', {});
    assert.equal(empty.status, 200);
    assert.deepEqual(await empty.json(), { payloads: [] });
  });

  it('decodes what older keys wrote, passes plain payloads through, and names a key it lacks', async function () {
    const [underA] = await new EncryptionCodec(parseKeyring(keyJson({ a: keyA }))).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
    ]);
    const asJson = (p: typeof underA) => ({
      metadata: Object.fromEntries(
        Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      data: Buffer.from(p!.data!).toString('base64'),
    });
    const decoded = (await (
      await call('/decode', { payloads: [asJson(underA), jsonPayload(1)] })
    ).json()) as {
      payloads: { data: string }[];
    };
    assert.equal(Buffer.from(decoded.payloads[0]!.data, 'base64').toString(), '"x"');
    assert.equal(Buffer.from(decoded.payloads[1]!.data, 'base64').toString(), '1');

    const [underC] = await new EncryptionCodec(parseKeyring(keyJson({ c: randomBytes(32) }))).encode([
      { metadata: {}, data: Buffer.from('"y"') },
    ]);
    const unknown = await call('/decode', { payloads: [asJson(underC)] });
    assert.equal(unknown.status, 422);
    assert.match(
      ((await unknown.json()) as { error: string }).error,
      /key "c", which PAYLOAD_KEYS does not hold/,
    );
    // Altered ciphertext never decodes to garbage.
    const altered = asJson(underA);
    const bytes = Buffer.from(altered.data, 'base64');
    bytes[20] = bytes[20]! ^ 1;
    const refused = await call('/decode', { payloads: [{ ...altered, data: bytes.toString('base64') }] });
    assert.equal(refused.status, 422);
    assert.match(((await refused.json()) as { error: string }).error, /does not decrypt/);
  });

  it('admits the Web UI’s origin only, requires the bearer token, and bounds bodies', async function () {
    const preflight = (origin: string) =>
      fetch(`${url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    assert.equal((await preflight(UI)).headers.get('access-control-allow-origin'), UI);
    assert.equal((await preflight('https://otro.example')).headers.get('access-control-allow-origin'), null);

    assert.equal((await call('/decode', { payloads: [] }, { Authorization: '' })).status, 401);
    assert.equal(
      (await call('/decode', { payloads: [] }, { Authorization: 'Bearer otro-token-123456789' })).status,
      401,
    );
    assert.equal((await call('/decode', { payloads: [] })).status, 200);

    const tooBig = await call('/decode', { payloads: [{ data: 'A'.repeat(17 * 1024 * 1024) }] });
    assert.equal(tooBig.status, 413);
    assert.equal((await call('/decode', { payloads: 'no' })).status, 400);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, and records each refusal', async function () {
    const rebinding = 'rebind.attacker.example';
    const secret = [jsonPayload({ nombre: 'ROMINA CONTRERAS CARRASCO', rfc: 'COCR800101AB1' })];
    const [encrypted] = await new EncryptionCodec(keyring).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(secret)) },
    ]);
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
          ),
          data: Buffer.from(encrypted!.data!).toString('base64'),
        },
      ],
    };
    record.length = 0;
    // What a page on a name that resolves to us sends: its own Host and Origin (same-origin for
    // the browser, so no preflight), even with the token a staff member's tooling holds.
    const { request } = await import('node:http');
    const raw = (headers: Record<string, string>): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const target = new URL(url);
        const req = request(
          { host: target.hostname, port: target.port, path: '/decode', method: 'POST', headers },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const common = { 'Content-Type': 'application/json', Authorization: 'Bearer token-de-prueba-123456' };
    const foreignHost = await raw({
      ...common,
      Host: `${rebinding}:8234`,
      Origin: `http://${rebinding}:8234`,
    });
    assert.equal(foreignHost.status, 403);
    assert.ok(!foreignHost.text.includes('ROMINA'));
    const foreignOrigin = await raw({ ...common, Host: new URL(url).host, Origin: 'https://otro.example' });
    assert.equal(foreignOrigin.status, 403);
    assert.ok(!foreignOrigin.text.includes('ROMINA'));
    assert.deepEqual(
      record.map((r) => [r.event, r.reason?.replace(/ \(.*$/, '')]),
      [
        ['codec-request-refused', `Host ${rebinding}:8234 is not served`],
        ['codec-request-refused', "Origin https://otro.example is not the Web UI's"],
      ],
    );
    // Our own Host and the Web UI's origin: decoded, and recorded as an access to personal data.
    const allowed = await raw({
      ...common,
      Host: new URL(url).host,
      Origin: UI,
      'X-Namespace': 'default',
      'X-Workflow-Id': 'adhesion-cga-15037',
    });
    assert.equal(allowed.status, 200);
    const access = record.at(-1)!;
    assert.equal(access.event, 'personal-data-access');
    assert.equal(access.who, 'CODEC_AUTH');
    assert.equal(access.payloads, 1);
    assert.equal(access.namespace, 'default');
    assert.equal(access.workflow, 'adhesion-cga-15037');
    assert.ok(
      !JSON.stringify(record).includes('ROMINA') && !JSON.stringify(record).includes('COCR'),
      'never the content',
    );
  });

  it('accepts the single sign-on’s access token (the Web UI’s passAccessToken), and names its user in the record', async function () {
    const { exportJWK, generateKeyPair, SignJWT } = await import('jose');
    const { createServer } = await import('node:http');
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const idp = createServer((request, response) => {
      const base = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
      response.setHeader('Content-Type', 'application/json');
      if (request.url === '/realms/infoem/.well-known/openid-configuration')
        return response.end(
          JSON.stringify({ issuer: `${base}/realms/infoem`, jwks_uri: `${base}/realms/infoem/certs` }),
        );
      if (request.url === '/realms/infoem/certs') return response.end(JSON.stringify({ keys: [jwk] }));
      response.statusCode = 404;
      response.end('{}');
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}/realms/infoem`;
    const sso = await buildCodecServer({
      keyring,
      allowedOrigins: [UI],
      oidc: {
        issuer,
        audience: 'temporal-ui',
        requiredGroup: 'datos-personales',
        groupsClaim: 'realm_access.roles',
      },
      record: (entry) => record.push(entry),
    });
    await sso.listen({ port: 0, host: '127.0.0.1' });
    const ssoUrl = `http://127.0.0.1:${(sso.server.address() as { port: number }).port}`;
    const token = (claims: Record<string, unknown>, options: { issuer?: string; expires?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience('temporal-ui')
        .setIssuedAt()
        .setExpirationTime(options.expires ?? '5m')
        .sign(privateKey);
    const decode = (bearer: string) =>
      fetch(`${ssoUrl}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}`, Origin: UI },
        body: JSON.stringify({ payloads: [jsonPayload(1)] }),
      });
    try {
      record.length = 0;
      const entitled = { realm_access: { roles: ['datos-personales'] } };
      assert.equal(
        (await decode(await token({ sub: 'u-17', email: 'analista@infoem.example', ...entitled }))).status,
        200,
      );
      assert.equal(record.at(-1)!.who, 'sso:analista@infoem.example');
      for (const bad of [
        await token({ sub: 'u-17', ...entitled }, { issuer: 'https://otro.example/realms/x' }),
        await token({ sub: 'u-17', ...entitled }, { expires: '-1m' }),
        // Signed in, but not among those who may read personal data.
        await token({ sub: 'u-18', email: 'becario@infoem.example', realm_access: { roles: ['lectura'] } }),
        'no.es.un-token',
      ]) {
        assert.equal((await decode(bad)).status, 401);
        assert.equal(record.at(-1)!.event, 'codec-request-refused');
      }
      assert.match(record.at(-2)!.reason ?? '', /becario@infoem\.example is not in datos-personales/);
      // /encode is off unless enabled.
      const encode = await fetch(`${ssoUrl}/encode`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${await token({ sub: 'u-17', ...entitled })}`,
        },
        body: JSON.stringify({ payloads: [jsonPayload(1)] }),
      });
      assert.equal(encode.status, 404);
    } finally {
      await sso.close();
      idp.close();
    }
  });

  it('npm run codec-server refuses to start without a token or SSO, and records decodes, never their content @dist', async function () {
    const port = await freePort();
    const refused = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(__dirname, '..', '..', 'dist', 'src', 'codec', 'main.js')],
        {
          env: { PATH: process.env.PATH, PAYLOAD_KEYS: keyJson({ a: keyA }), CODEC_PORT: String(port) },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /error de configuración: falta CODEC_AUTH o CODEC_OIDC_ISSUER/);

    const logFile = join(mkdtempSync(join(tmpdir(), 'codec-registro-')), 'accesos.jsonl');
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'codec', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        PAYLOAD_KEYS: keyJson({ a: keyA }),
        CODEC_PORT: String(port),
        CODEC_AUTH: 'token-de-prueba-123456',
        CODEC_ACCESS_LOG: logFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      for (let i = 0; i < 100 && !output.includes('codec server'); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(output, /manifiesta codec server: http:\/\/127\.0\.0\.1:\d+/);
      const [sealed] = await new EncryptionCodec(parseKeyring(keyJson({ a: keyA }))).encode([
        {
          metadata: { encoding: Buffer.from('json/plain') },
          data: Buffer.from('"ROMINA CONTRERAS CARRASCO"'),
        },
      ]);
      const response = await fetch(`http://127.0.0.1:${port}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer token-de-prueba-123456' },
        body: JSON.stringify({
          payloads: [
            {
              metadata: Object.fromEntries(
                Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
              ),
              data: Buffer.from(sealed!.data!).toString('base64'),
            },
          ],
        }),
      });
      assert.equal(response.status, 200);
      assert.equal(
        (await fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', body: 'x' })).status,
        401,
      );
      await new Promise((r) => setTimeout(r, 200));
      const lines = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as CodecAccessRecord);
      assert.deepEqual(
        lines.map((l) => [l.event, l.who, l.payloads ?? null]),
        [
          ['personal-data-access', 'CODEC_AUTH', 1],
          ['codec-request-refused', 'unknown', null],
        ],
      );
      assert.equal(statSync(logFile).mode & 0o777, 0o600);
      assert.ok(
        !readFileSync(logFile, 'utf8').includes('ROMINA') && !output.includes('ROMINA'),
        'never the content',
      );
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('PAYLOAD_KEYS: refused when malformed, never echoing a key; required in production; read from a file', function () {
    const secret = randomBytes(32).toString('base64');
    for (const [value, message] of [
      ['{"a": "corta"}', /la llave "a" debe ser de 32 bytes/],
      ['no-existe.json', /no se pudo leer el archivo de llaves/],
      ['{"a b": "x"}', /el id de llave "a b"/],
      ['{}', /no contiene ninguna llave/],
    ] as const) {
      assert.throws(() => payloadKeyring({ PAYLOAD_KEYS: value }, 'production'), message);
    }
    assert.throws(
      () => payloadKeyring({ PAYLOAD_KEYS: keyJson({ a: keyA, b: keyB }) }, 'production'),
      /PAYLOAD_KEY_ID debe nombrar la llave que cifra/,
    );
    assert.throws(
      () => payloadKeyring({ PAYLOAD_KEYS: `{"a": "${secret}"}`, PAYLOAD_KEY_ID: 'z' }, 'production'),
      (error: Error) =>
        error instanceof ConfigError &&
        /"z" no está en PAYLOAD_KEYS/.test(error.message) &&
        !error.message.includes(secret),
    );
    const dir = mkdtempSync(join(tmpdir(), 'claves-'));
    assert.throws(() => payloadKeyring({ DATA_DIR: dir }, 'production'), /falta PAYLOAD_KEYS/);
    assert.throws(() => payloadKeyring({ DATA_DIR: dir }, 'cli'), /falta PAYLOAD_KEYS/);
    const created = payloadKeyring({ DATA_DIR: dir }, 'development');
    assert.equal(payloadKeyring({ DATA_DIR: dir }, 'development').currentKeyId, created.currentKeyId);
    assert.deepEqual(
      payloadKeyring({ DATA_DIR: dir }, 'cli').keys,
      created.keys,
      'the CLI finds the key npm start made',
    );
    const file = join(dir, 'claves.json');
    writeFileSync(file, keyJson({ archivo: keyA }));
    assert.equal(payloadKeyring({ PAYLOAD_KEYS: file }, 'production').currentKeyId, 'archivo');
  });
});
