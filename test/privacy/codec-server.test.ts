/**
 * The codec server and the keyring, as operators meet them: Temporal's /encode and /decode, CORS
 * for the Web UI's origin only, an optional bearer token, bounded bodies, clear errors naming a
 * missing key, nothing logged; PAYLOAD_KEYS refused when malformed, and required in production.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyring, type Keyring } from '../../src/codec/keyring';
import { buildCodecServer } from '../../src/codec/server';
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

  before(async function () {
    keyring = parseKeyring(keyJson({ a: keyA, b: keyB }), 'b');
    app = await buildCodecServer({ keyring, allowedOrigins: [UI], auth: 'token-de-prueba-123456' });
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

  it('npm run codec-server logs its address and nothing about the requests it serves', async function () {
    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'codec', 'main.js')], {
      env: { PATH: process.env.PATH, PAYLOAD_KEYS: keyJson({ a: keyA }), CODEC_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      for (let i = 0; i < 100 && !output.includes('codec server'); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(output, /manifiesta codec server: http:\/\/127\.0\.0\.1:\d+/);
      const startup = output;
      const response = await fetch(`http://127.0.0.1:${port}/encode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ payloads: [jsonPayload('ROMINA CONTRERAS CARRASCO')] }),
      });
      assert.equal(response.status, 200);
      await fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', body: 'x' });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(output, startup, 'no request is logged');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('PAYLOAD_KEYS: refused when malformed, never echoing a key; required in production; read from a file', function () {
    const secret = randomBytes(32).toString('base64');
    for (const [value, message] of [
      ['{"a": "corta"}', /key "a" must be 32 bytes/],
      ['no-existe.json', /cannot read the key file/],
      ['{"a b": "x"}', /key id "a b"/],
      ['{}', /holds no key/],
    ] as const) {
      assert.throws(() => payloadKeyring({ PAYLOAD_KEYS: value }, 'production'), message);
    }
    assert.throws(
      () => payloadKeyring({ PAYLOAD_KEYS: keyJson({ a: keyA, b: keyB }) }, 'production'),
      /PAYLOAD_KEY_ID must name the key that encrypts/,
    );
    assert.throws(
      () => payloadKeyring({ PAYLOAD_KEYS: `{"a": "${secret}"}`, PAYLOAD_KEY_ID: 'z' }, 'production'),
      (error: Error) =>
        error instanceof ConfigError &&
        /"z" is not in PAYLOAD_KEYS/.test(error.message) &&
        !error.message.includes(secret),
    );
    const dir = mkdtempSync(join(tmpdir(), 'claves-'));
    assert.throws(() => payloadKeyring({ DATA_DIR: dir }, 'production'), /PAYLOAD_KEYS must be set/);
    assert.throws(() => payloadKeyring({ DATA_DIR: dir }, 'cli'), /PAYLOAD_KEYS must be set/);
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
