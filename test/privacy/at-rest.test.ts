/**
 * What stays on disk and in logs (docs/privacy.md, docs/operations.md#operations): one key per purpose,
 * derived from each master key, so Temporal's payloads, the evidence and the mail ledger never
 * share an AES key; the mail ledger believes only records it sealed itself; `manifiesta reseal`
 * moves a store to the current key so that older keys can be retired, and refuses to touch what
 * it cannot vouch for; local files are the owner's alone; a probe tells a stranger nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createMailer, deliver } from '../../src/activities/email';
import {
  CIPHER,
  EncryptionCodec,
  LEGACY_CIPHER,
  PayloadDecryptionError,
} from '../../src/codec/encryption-codec';
import { parseKeyring, purposeKey, type Keyring } from '../../src/codec/keyring';
import { Outbox } from '../../src/stack/outbox';
import { FolderObjectStore, MailLedger, openStores, sealInfo } from '../../src/storage';
import { seal, unseal } from '../../src/storage/sealed';
import { ManagedProcess } from '../../src/stack/managed-process';
import { startHealthServer } from '../../src/worker/health';
import { runCli } from '../support/cli';

const keyOf = (): string => randomBytes(32).toString('base64');
const ring = (keys: Record<string, string>, current: string): Keyring =>
  parseKeyring(JSON.stringify(keys), current);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('what stays on disk and in logs', function () {
  this.timeout(60_000);
  const a = keyOf();
  const b = keyOf();

  it('each purpose has its own key, none of them the master key; payloads say which cipher', async function () {
    const keyring = ring({ a }, 'a');
    const keys = (['temporal-payloads', 'evidence', 'mail-ledger'] as const).map((purpose) =>
      purposeKey(keyring, 'a', purpose)!,
    );
    const master = Buffer.from(a, 'base64');
    assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, 3, 'three different keys');
    for (const key of keys) assert.ok(!key.equals(master), 'never the master key itself');

    const codec = new EncryptionCodec(keyring);
    const payload: Payload = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from('"hola"'),
    };
    const [encoded] = await codec.encode([payload]);
    assert.equal(Buffer.from(encoded!.metadata!['encryption-cipher']!).toString(), CIPHER);
    const [decoded] = await codec.decode([encoded!]);
    assert.equal(Buffer.from(decoded!.data!).toString(), '"hola"');

    // A payload written before keys were derived: AES-256-GCM with the master key itself.
    const iv = randomBytes(12);
    const { createCipheriv } = await import('node:crypto');
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(Buffer.from('a'));
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const legacy: Payload = {
      metadata: {
        encoding: Buffer.from('binary/encrypted'),
        'encryption-cipher': Buffer.from(LEGACY_CIPHER),
        'encryption-key-id': Buffer.from('a'),
      },
      data: Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]),
    };
    const [old] = await codec.decode([legacy]);
    assert.equal(Buffer.from(old!.data!).toString(), '"hola"');
    // Relabelled as derived, the old ciphertext does not open: the two keys differ.
    legacy.metadata!['encryption-cipher'] = Buffer.from(CIPHER);
    await assert.rejects(codec.decode([legacy]), PayloadDecryptionError);
  });

  it('what one purpose sealed does not open for another, even under the same name', function () {
    const keyring = ring({ a }, 'a');
    const sealed = seal(keyring, 'evidence', 'mail/x', Buffer.from('{"messageId":"m"}'));
    assert.throws(
      () => unseal(keyring, 'mail-ledger', 'mail/x', sealed, { legacyPlaintext: false }),
      PayloadDecryptionError,
    );
    assert.equal(
      unseal(keyring, 'evidence', 'mail/x', sealed, { legacyPlaintext: false }).toString(),
      '{"messageId":"m"}',
    );
  });

  it('a ledger record planted in plaintext in the bucket does not silence the mail', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'libro-correo-'));
    const keyring = ring({ a }, 'a');
    const outbox = new Outbox();
    await outbox.start();
    const warnings: string[] = [];
    const objects = new FolderObjectStore(dir);
    const ledger = new MailLedger(objects, keyring, (line) => warnings.push(line));
    const mailer = createMailer(outbox.url, 'manifiesta <no-responder@manifiesta.test>', ledger);
    try {
      const messageId = '<adhesion-cga-15037.r1.signature-request-municipal-v1@manifiesta.test>';
      // What an attacker with write access to the bucket would plant: "already delivered".
      const planted = JSON.stringify({
        messageId,
        accepted: ['atacante@example.com'],
        at: new Date().toISOString(),
      });
      await objects.putOnce(`mail/${sha256(Buffer.from(messageId))}`, Buffer.from(planted));
      const accepted = await deliver(
        mailer,
        {
          to: [{ name: 'Presidencia', address: 'presidencia@huixquilucan.example' }],
          subject: 'Firma requerida',
          text: 'x',
          messageId,
        },
        'signature-request',
      );
      assert.deepEqual(accepted, ['presidencia@huixquilucan.example'], 'sent to the real recipient');
      await outbox.waitFor((m) => m.envelopeTo.includes('presidencia@huixquilucan.example'));
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /is not sealed by this keyring \(NotSealedError\): ignored, the message is sent/,
      );
      assert.ok(!warnings[0]!.includes('@'), 'the warning names no address');
      // A record the ledger sealed itself is believed: the same message is not sent twice.
      const second = '<otro@manifiesta.test>';
      await ledger.record({ messageId: second, accepted: ['x@example.mx'], at: new Date().toISOString() });
      const before = outbox.messages.length;
      assert.deepEqual(
        await deliver(mailer, { to: 'x@example.mx', subject: 's', text: 't', messageId: second }, 'x'),
        ['x@example.mx'],
      );
      assert.equal(outbox.messages.length, before, 'answered from the ledger, not sent');
    } finally {
      mailer.transport.close();
      await outbox.stop();
    }
  });

  it('stored files are the owner’s alone: folders 0700, objects 0600', async function () {
    const dir = join(mkdtempSync(join(tmpdir(), 'evidencia-')), 'almacen');
    const { evidence } = openStores({ kind: 'folder', dir }, ring({ a }, 'a'));
    const digest = await evidence.put(Buffer.from('carta'));
    const file = join(dir, digest.slice(0, 2), digest);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('the outbox’s messages (live links) and every part’s log are the owner’s alone', async function () {
    const dir = join(mkdtempSync(join(tmpdir(), 'datos-')), 'correo');
    const outbox = new Outbox(dir);
    await outbox.load();
    await outbox.start();
    const mailer = createMailer(outbox.url, 'manifiesta <no-responder@manifiesta.test>');
    try {
      await deliver(
        mailer,
        { to: 'a@example.mx', subject: 'Firma requerida', text: 'enlace', messageId: '<m@x>' },
        'x',
      );
      await outbox.waitFor(() => true);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, '1.eml')).mode & 0o777, 0o600);
    } finally {
      mailer.transport.close();
      await outbox.stop();
    }
    const logs = join(mkdtempSync(join(tmpdir(), 'registros-')), 'registros');
    const part = new ManagedProcess({
      name: 'eco',
      command: process.execPath,
      args: ['-e', 'console.log("listo"); setInterval(() => {}, 1000)'],
      logFile: join(logs, 'eco.log'),
      ready: async () => {},
    });
    await part.start();
    await part.stop();
    assert.equal(statSync(logs).mode & 0o777, 0o700);
    assert.equal(statSync(join(logs, 'eco.log')).mode & 0o777, 0o600);
  });

  it('the worker’s /readyz says `not ready` to a caller, and why to its log', async function () {
    const lines: string[] = [];
    const server = await startHealthServer(
      0,
      '127.0.0.1',
      {
        ready: async () =>
          Promise.reject(
            new Error('Temporal at temporal.interno:7233 refused the certificate of presidencia@example.mx'),
          ),
      },
      (line) => lines.push(line),
    );
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { status: 'not ready' });
      assert.equal(lines.length, 1);
      assert.match(
        lines[0]!,
        /^worker not ready: Temporal at temporal\.interno:7233 refused the certificate of <correo>$/,
      );
    } finally {
      server.close();
    }
  });

  it('`manifiesta reseal` moves every object to the current key; what it cannot vouch for stays as it was', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'resellar-'));
    const old = ring({ a }, 'a');
    const objects = new FolderObjectStore(dir);
    const { evidence, ledger } = openStores({ kind: 'folder', dir }, old);
    const letter = Buffer.from('%PDF-1.7 carta de intención');
    const letterSha = await evidence.put(letter);
    await ledger.record({ messageId: '<m1@x>', accepted: ['a@example.mx'], at: '2026-12-01T00:00:00.000Z' });
    // Evidence from before derived keys (MFS1, the master key itself) and from before sealing.
    const { createCipheriv } = await import('node:crypto');
    const legacyBytes = Buffer.from('firma antigua');
    const legacySha = sha256(legacyBytes);
    const legacyKey = `${legacySha.slice(0, 2)}/${legacySha}`;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(a, 'base64'), iv);
    cipher.setAAD(Buffer.concat([Buffer.from(legacyKey), Buffer.from('a')]));
    const body = Buffer.concat([cipher.update(legacyBytes), cipher.final()]);
    await objects.putOnce(
      legacyKey,
      Buffer.concat([Buffer.from('MFS1'), Buffer.from([1]), Buffer.from('a'), iv, body, cipher.getAuthTag()]),
    );
    const plainBytes = Buffer.from('reporte en claro, de antes del sellado');
    const plainSha = sha256(plainBytes);
    mkdirSync(join(dir, plainSha.slice(0, 2)), { recursive: true });
    writeFileSync(join(dir, plainSha.slice(0, 2), plainSha), plainBytes);
    // Evidence altered in the store: never re-sealed (that would bless the alteration).
    const altered = await evidence.put(Buffer.from('constancia'));
    const alteredPath = join(dir, altered.slice(0, 2), altered);
    const alteredBytes = readFileSync(alteredPath);
    alteredBytes[alteredBytes.length - 20]! ^= 1;
    writeFileSync(alteredPath, alteredBytes);

    const keys = JSON.stringify({ a, b });
    const env = { EVIDENCE_DIR: dir, PAYLOAD_KEYS: keys, PAYLOAD_KEY_ID: 'b', EVIDENCE_URL: '' };
    const dry = runCli(['reseal', '--dry-run', '--json'], env);
    assert.equal(dry.status, 1, dry.stderr);
    const drySummary = JSON.parse(dry.stdout) as { resealed: number; dryRun: boolean };
    assert.equal(drySummary.dryRun, true);
    assert.equal(
      sealInfo(readFileSync(join(dir, letterSha.slice(0, 2), letterSha))).keyId,
      'a',
      'a dry run changes nothing',
    );

    const run = runCli(['reseal', '--json'], env);
    assert.equal(run.status, 1, 'exit 1: one object could not be re-sealed');
    const summary = JSON.parse(run.stdout) as {
      examined: number;
      resealed: number;
      before: Record<string, number>;
      failures: { key: string; reason: string }[];
    };
    assert.equal(summary.examined, 5);
    assert.equal(summary.resealed, 4);
    assert.deepEqual(summary.before, { 'derived:a': 3, 'master:a': 1, plaintext: 1 });
    assert.equal(summary.failures.length, 1);
    assert.equal(summary.failures[0]!.key, `${altered.slice(0, 2)}/${altered}`);
    assert.deepEqual(readFileSync(alteredPath), alteredBytes, 'the altered object is left as it was');

    // The store now needs key b only.
    const onlyB = openStores({ kind: 'folder', dir }, ring({ b }, 'b'));
    assert.deepEqual(await onlyB.evidence.get(letterSha), letter);
    assert.deepEqual(await onlyB.evidence.get(legacySha), legacyBytes);
    assert.deepEqual(await onlyB.evidence.get(plainSha), plainBytes);
    assert.deepEqual((await onlyB.ledger.delivered('<m1@x>'))?.accepted, ['a@example.mx']);
    const again = runCli(['reseal', '--json'], env);
    assert.equal(
      (JSON.parse(again.stdout) as { resealed: number; current: number }).current,
      4,
      'run again: nothing to do',
    );
  });
});
