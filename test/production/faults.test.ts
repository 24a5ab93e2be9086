/**
 * The production topology under faults (docs/operations.md#operations): the real Temporal server on
 * PostgreSQL, the S3-compatible store, two workers and two portals as separate processes, all on
 * loopback. Each fault is made for real (SIGKILL, a stopped server) during real work, and each
 * test asserts what a coordinator would check: every process in its right stage, every signature
 * once, no mail lost and none sent twice. Each prints its figures (processes affected, time to
 * recover, duplicates, lost).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, type Connection } from '@temporalio/client';
import { parse } from 'csv-parse/sync';
import forge from 'node-forge';
import { dataConverter } from '../../src/codec/data-converter';
import { parseKeyring } from '../../src/codec/keyring';
import type { OutboxMessage } from '../../src/stack/outbox';
import type { ProcessState } from '../../src/domain/process';
import { SigningLinks } from '../../src/links/tokens';
import { forEachConcurrently } from '../../src/lib/concurrency';
import { ProcessClient } from '../../src/client/process-client';
import { storeLocation, temporalConfig } from '../../src/config';
import { connect } from '../../src/client/connection';
import { openStores } from '../../src/storage';
import { runCliAsync } from '../support/cli';
import { signingFixtures } from '../support/fixtures';
import type { Party } from '../support/pki';
import { TEST_KEYRING_FILE } from '../support/process-env';
import { productionStack, type TestStack } from '../support/production-stack';

const MUNICIPALITIES = join(__dirname, '..', '..', '..', 'shared', 'data', 'municipios-estado-de-mexico.csv');
const BIN = join(__dirname, '..', '..', 'bin', 'manifiesta.js');

describe('the production topology under faults', function () {
  this.timeout(600_000);
  const f = signingFixtures();
  const campaign = `f${randomBytes(3).toString('hex')}`;
  let t: TestStack;
  let processes: ProcessClient;
  let connection: Connection;
  let links: SigningLinks;
  const rows = parse(readFileSync(MUNICIPALITIES), { columns: true, bom: true }) as { clave_inegi: string }[];
  const ids = rows.map((r) => `adhesion-${campaign}-${r.clave_inegi}`);
  const figures: string[] = [];

  before(async function () {
    t = await productionStack();
    // Over the frontend's mutual TLS, with the CLI's client certificate (as the stack's env has it).
    connection = await connect(temporalConfig(t.stack.env, 'cli'));
    processes = new ProcessClient(
      new Client({ connection, dataConverter: dataConverter(parseKeyring(TEST_KEYRING_FILE)) }),
      'manifiesta',
      20_000,
    );
    links = new SigningLinks(t.linkSecret, t.portalUrls[0]!);
  });
  after(async function () {
    await connection?.close();
    for (const line of figures) console.log(`      [fault] ${line}`);
  });

  const cli = (args: string[]) => runCliAsync(args, t.stack.env);
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

  /** This campaign's messages of one kind (e.g. `signature-request-municipal-v1`), by Message-ID. */
  const mails = (kind: string): OutboxMessage[] =>
    t.outbox.messages.filter(
      (m) => m.mail.messageId?.startsWith(`<adhesion-${campaign}-`) && m.mail.messageId.includes(`.${kind}@`),
    );
  const duplicates = (messages: readonly OutboxMessage[]): number =>
    messages.length - new Set(messages.map((m) => m.mail.messageId)).size;
  /** Only the messages of these processes. */
  const of = (workflowIds: readonly string[], messages: readonly OutboxMessage[]): OutboxMessage[] =>
    messages.filter((m) => workflowIds.some((id) => m.mail.messageId!.startsWith(`<${id}.`)));
  async function untilMails(kind: string, count: number, ms = 180_000): Promise<OutboxMessage[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = mails(kind);
      if (new Set(found.map((m) => m.mail.messageId)).size >= count) return found;
      if (Date.now() > deadline) throw new Error(`${kind}: ${found.length} of ${count} after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The signing token a message carries. */
  const tokenIn = (message: OutboxMessage): string =>
    /\/firmar\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(message.mail.text ?? '')![1]!;
  const tokenFor = (workflowId: string, kind: string): string => {
    const message = mails(kind).find((m) => m.mail.messageId!.startsWith(`<${workflowId}.`));
    assert.ok(message, `a ${kind} for ${workflowId}`);
    const token = tokenIn(message);
    assert.ok(links.read(token).ok);
    return token;
  };

  /**
   * Each signer is a client of their own behind the reverse proxy (TRUST_PROXY): the address the
   * proxy would name, derived from the link.
   */
  const clientOf = (token: string): Record<string, string> => {
    const n = [...token].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    return { 'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
  };

  /** A signer at a portal: reads the letter, signs it in the browser's way (PKCS#1), sends it. */
  async function sign(
    portal: string,
    token: string,
    party: Party,
  ): Promise<{ status: number; code?: string }> {
    const document = await fetch(`${portal}/api/v1/signing/${token}/document`, { headers: clientOf(token) });
    if (!document.ok)
      return {
        status: document.status,
        code: ((await document.json()) as { error: { code: string } }).error.code,
      };
    const md = forge.md.sha256.create();
    md.update(Buffer.from(await document.arrayBuffer()).toString('binary'));
    const response = await fetch(`${portal}/api/v1/signing/${token}/signature`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...clientOf(token) },
      body: JSON.stringify({
        format: 'pkcs1-sha256',
        signature: Buffer.from(party.forgeKey.sign(md), 'binary').toString('base64'),
        certificate: party.certDer.toString('base64'),
      }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, ...(body.error ? { code: body.error.code } : {}) };
  }

  /** Signs until accepted (the signer retries a 503, or another portal when one is down); refusals end it. */
  async function signPersistently(token: string, party: Party, portals = t.portalUrls): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const portal = portals[attempt % portals.length]!;
      const answer = await sign(portal, token, party).catch(() => ({ status: 0, code: 'CONNECTION' }));
      if (answer.status === 200 || answer.code === 'ALREADY_SIGNED') return answer.status;
      if (attempt > 200) throw new Error(`signature not accepted: ${JSON.stringify(answer)}`);
      assert.ok(
        [0, 503].includes(answer.status),
        `only unavailability may be retried, not ${answer.status} ${answer.code}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  const states = (workflowIds: readonly string[]): Promise<ProcessState[]> => {
    const out: ProcessState[] = [];
    return forEachConcurrently(workflowIds, 8, async (id) => {
      out.push(await processes.status(id));
    }).then(() => out);
  };

  it('a 125-row bulk-start survives the Temporal server killed and restarted: every process started once, one request each', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'campana-'));
    const csv = join(dir, 'municipios.csv');
    writeFileSync(
      csv,
      [
        'clave_inegi,municipio,presidente_nombre,presidente_email,presidente_rfc',
        ...(
          parse(readFileSync(MUNICIPALITIES), { columns: true, bom: true }) as {
            clave_inegi: string;
            municipio: string;
          }[]
        ).map(
          (r) =>
            `${r.clave_inegi},"${r.municipio}",ROMINA CONTRERAS CARRASCO,presidencia-${r.clave_inegi}@${campaign}.test,COCR800101AB1`,
        ),
      ].join('\n'),
    );
    const args = [
      'bulk-start',
      csv,
      '--campaign',
      campaign,
      '--commissioner-name',
      'JOSÉ MARTÍNEZ VILCHIS',
      '--commissioner-email',
      `comisionado@${campaign}.test`,
      '--commissioner-rfc',
      'MAVJ650101CD2',
      '--json',
      '--timeout',
      '120',
    ];
    const run = (): { child: ChildProcess; done: Promise<{ status: number | null; stdout: string }> } => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...t.stack.env } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      return {
        child,
        done: new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout }))),
      };
    };
    const first = run();
    await untilMails('signature-request-municipal-v1', 20);
    await t.stack.temporal.process.kill();
    const killedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await t.stack.temporal.process.start();
    const restartedIn = seconds(killedAt);
    let result = await first.done;
    if (result.status !== 0) result = await run().done; // what a coordinator does: run it again
    assert.equal(result.status, 0, result.stdout);

    const requests = await untilMails('signature-request-municipal-v1', 125);
    const recovered = seconds(killedAt);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a late duplicate would show now
    const all = await states(ids);
    assert.equal(all.length, 125);
    assert.ok(all.every((s) => s.stage === 'AwaitingMunicipalSignature' && s.links.municipal?.version === 1));
    const perPresident = new Map<string, number>();
    for (const m of mails('signature-request-municipal-v1'))
      for (const to of m.envelopeTo) perPresident.set(to, (perPresident.get(to) ?? 0) + 1);
    assert.equal(perPresident.size, 125, 'every president got the request');
    assert.deepEqual([...new Set(perPresident.values())], [1], 'and only once');
    assert.equal(duplicates(requests), 0);
    figures.push(
      `Temporal server SIGKILLed during a 125-row bulk-start: 125 processes, server back in ${restartedIn} s, all requests out ${recovered} s after the kill, duplicates ${duplicates(mails('signature-request-municipal-v1'))}, lost 0`,
    );
  });

  it('a worker SIGKILLed mid-campaign: the other finishes; every signature once, every countersignature request once', async function () {
    const batch = ids.slice(0, 60);
    let signed = 0;
    const started = Date.now();
    let killedAt = 0;
    await forEachConcurrently(batch, 8, async (id) => {
      await signPersistently(tokenFor(id, 'signature-request-municipal-v1'), f.president);
      if (++signed === 15) {
        killedAt = Date.now();
        await t.stack.workers[0]!.kill();
      }
    });
    const requests = await untilMails('signature-request-institute-v1', batch.length);
    const recovered = seconds(killedAt);
    const all = await states(batch);
    assert.ok(
      all.every((s) => s.stage === 'AwaitingInstituteCountersignature'),
      'every one signed',
    );
    assert.ok(all.every((s) => s.signatures.municipal && !s.signatures.institute));
    assert.ok(
      all.every((s) => s.audit.filter((e) => e.type === 'signature-accepted').length === 1),
      'each signature accepted once',
    );
    // The mail ledger leaves one window (docs/operations.md#no-duplicate-mail): a worker killed between the
    // relay's 250 and its record. A copy may come only from a delivery in flight at the kill, and
    // carries the same Message-ID; none is lost.
    const twice = of(batch, requests);
    assert.equal(new Set(twice.map((m) => m.mail.messageId)).size, batch.length, 'none lost');
    for (const id of new Set(twice.map((m) => m.mail.messageId))) {
      const copies = twice.filter((m) => m.mail.messageId === id);
      if (copies.length > 1) {
        assert.equal(copies.length, 2, `${id} at most twice`);
        const first = Date.parse(copies[0]!.receivedAt);
        assert.ok(Math.abs(first - killedAt) < 2_000, `${id}: its first copy was in flight at the kill`);
      }
    }
    await t.stack.workers[0]!.start();
    figures.push(
      `a worker SIGKILLed after 15 of 60 signatures: 60 processes, all signed ${recovered} s after the kill (${seconds(started)} s in all), duplicates ${duplicates(twice)} (in flight at the kill), lost 0`,
    );
  });

  it('the Temporal server SIGKILLed during signing: the signers’ retries are accepted once', async function () {
    const batch = ids.slice(60, 80);
    const tokens = batch.map((id) => tokenFor(id, 'signature-request-municipal-v1'));
    const signing = forEachConcurrently(tokens, 4, async (token) => {
      await signPersistently(token, f.president);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await t.stack.temporal.process.kill();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await t.stack.temporal.process.start();
    await signing;
    await untilMails('signature-request-institute-v1', 80);
    const recovered = seconds(killedAt);
    const all = await states(batch);
    assert.ok(all.every((s) => s.stage === 'AwaitingInstituteCountersignature'));
    assert.ok(all.every((s) => s.audit.filter((e) => e.type === 'signature-accepted').length === 1));
    assert.equal(duplicates(of(batch, mails('signature-request-institute-v1'))), 0);
    figures.push(
      `Temporal server SIGKILLed during 20 signatures: 20 processes, all accepted ${recovered} s after the kill, duplicates 0, lost 0`,
    );
  });

  it('PostgreSQL restarted under load: the processes go on, nothing twice, nothing lost', async function () {
    const batch = ids.slice(80, 95);
    const tokens = batch.map((id) => tokenFor(id, 'signature-request-municipal-v1'));
    const signing = forEachConcurrently(tokens, 4, async (token) => {
      await signPersistently(token, f.president);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedAt = Date.now();
    await t.stack.postgres.process.stop();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await t.stack.postgres.process.start();
    await signing;
    await untilMails('signature-request-institute-v1', 95);
    const recovered = seconds(stoppedAt);
    const all = await states(batch);
    assert.ok(all.every((s) => s.stage === 'AwaitingInstituteCountersignature'));
    assert.ok(all.every((s) => s.audit.filter((e) => e.type === 'signature-accepted').length === 1));
    assert.equal(duplicates(of(batch, mails('signature-request-institute-v1'))), 0);
    figures.push(
      `PostgreSQL stopped for 3 s during 15 signatures: 15 processes, all accepted ${recovered} s after the stop, duplicates 0, lost 0`,
    );
  });

  it('the object store away for a minute: the portal says so in Spanish (503), activities retry, nothing is lost', async function () {
    const token = tokenFor(ids[95]!, 'signature-request-municipal-v1');
    await t.stack.objectStore.process.stop();
    const stoppedAt = Date.now();
    try {
      const document = await fetch(`${t.portalUrls[1]}/api/v1/signing/${token}/document`, {
        headers: clientOf(token),
      });
      assert.equal(document.status, 503);
      const body = (await document.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'EVIDENCE_UNAVAILABLE');
      assert.match(body.error.message, /no está disponible en este momento\. Intente de nuevo/);
      // A process started meanwhile: its letter cannot be stored yet; the activity retries.
      const started = await cli([
        'start',
        '--campaign',
        campaign,
        '--inegi',
        '15999',
        '--municipality',
        'Municipio durante la caída',
        '--president-name',
        'ROMINA CONTRERAS CARRASCO',
        '--president-email',
        `presidencia-15999@${campaign}.test`,
        '--president-rfc',
        'COCR800101AB1',
        '--commissioner-name',
        'JOSÉ MARTÍNEZ VILCHIS',
        '--commissioner-email',
        `comisionado@${campaign}.test`,
      ]);
      assert.equal(started.status, 0, started.stderr);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - stoppedAt))));
      const during = await processes.status(`adhesion-${campaign}-15999`);
      assert.equal(during.document, null, 'no letter while the store is away');
    } finally {
      await t.stack.objectStore.process.start();
    }
    await signPersistently(token, f.president);
    const fresh = await untilMails('signature-request-municipal-v1', 126);
    const recovered = seconds(stoppedAt);
    const late = await processes.status(`adhesion-${campaign}-15999`);
    assert.ok(late.document, 'the letter was stored once the store came back');
    assert.equal((await processes.status(ids[95]!)).stage, 'AwaitingInstituteCountersignature');
    assert.equal(duplicates(fresh), 0);
    figures.push(
      `object store stopped for 60 s: 2 processes (a signature, a start), both done ${recovered} s after the stop (the outage included), duplicates 0, lost 0`,
    );
  });

  it('a portal SIGKILLed with a signature in flight: the retry on the other portal is accepted once or ALREADY_SIGNED', async function () {
    const outcomes: string[] = [];
    for (const id of ids.slice(96, 100)) {
      const token = tokenFor(id, 'signature-request-municipal-v1');
      const document = Buffer.from(
        await (await fetch(`${t.portalUrls[0]}/api/v1/signing/${token}/document`)).arrayBuffer(),
      );
      const md = forge.md.sha256.create();
      md.update(document.toString('binary'));
      const inFlight = fetch(`${t.portalUrls[0]}/api/v1/signing/${token}/signature`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...clientOf(token) },
        body: JSON.stringify({
          format: 'pkcs1-sha256',
          signature: Buffer.from(f.president.forgeKey.sign(md), 'binary').toString('base64'),
          certificate: f.president.certDer.toString('base64'),
        }),
      }).then(
        (r) => `${r.status}`,
        () => 'cut',
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      await t.stack.portals[0]!.kill();
      const first = await inFlight;
      const retry = await sign(t.portalUrls[1]!, token, f.president);
      assert.ok(retry.status === 200 || retry.code === 'ALREADY_SIGNED', JSON.stringify(retry));
      outcomes.push(`${first} then ${retry.code ?? retry.status}`);
      const state = await processes.status(id);
      assert.equal(state.audit.filter((e) => e.type === 'signature-accepted').length, 1, 'signed once');
      await t.stack.portals[0]!.start();
    }
    await untilMails('signature-request-institute-v1', 100);
    assert.equal(duplicates(of(ids.slice(96, 100), mails('signature-request-institute-v1'))), 0);
    figures.push(
      `a portal SIGKILLed with a signature in flight, 4 times (${outcomes.join(', ')}): 4 processes, each signed once, duplicates 0, lost 0`,
    );
  });

  it('the mail ledger’s window: the one object write between the relay’s 250 and its record', async function () {
    // The S3 client takes its credentials from the environment, as in production.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: t.stack.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: t.stack.env.AWS_SECRET_ACCESS_KEY,
    });
    const { ledger } = openStores(storeLocation(t.stack.env), parseKeyring(TEST_KEYRING_FILE));
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await ledger.record({
        messageId: `<ventana-${campaign}-${i}@prueba>`,
        accepted: ['a@b.mx'],
        at: new Date().toISOString(),
      });
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    assert.ok((await ledger.delivered(`<ventana-${campaign}-7@prueba>`))?.accepted.includes('a@b.mx'));
    figures.push(
      `mail ledger window (a record written to the S3 store after the relay's 250), 50 writes: p50 ${times[25]!.toFixed(1)} ms, p95 ${times[47]!.toFixed(1)} ms, max ${times[49]!.toFixed(1)} ms`,
    );
  });
});
