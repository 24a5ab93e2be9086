/**
 * Personal data stays private in Temporal (docs/privacy.md): what the server stores, as
 * `temporal workflow show -o json` prints it, holds no signer's name, e-mail, RFC, CURP or
 * certificate and no file bytes; the same history read through the codec server does. Keys
 * rotate without touching running processes; a worker without a key fails loudly and resumes
 * when it gets it; a scanned acta of 20 MiB goes by reference.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMailer } from '../../src/activities/email';
import { dataConverter } from '../../src/codec/data-converter';
import { parseKeyring, type Keyring } from '../../src/codec/keyring';
import { recordInstallationUpdate, submitSignatureUpdate } from '../../src/domain/messages';
import { ProcessClient } from '../../src/client/process-client';
import { manifiestaPlugin, workflowsPath } from '../../src/worker/plugin';
import { runCliAsync } from '../support/cli';
import { signingFixtures, testVerifier } from '../support/fixtures';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { documentOf, signBoth, signingLink, storedFile, testInput } from '../support/process-helpers';
import { opensslPkcs1 } from '../support/sign';

const execFileAsync = promisify(execFile);

/** Every string in a JSON value, and every base64 string decoded: what anyone reading it sees. */
function readable(json: string): string {
  const parts: string[] = [json];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.length >= 4 && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0)
        parts.push(Buffer.from(value, 'base64').toString('latin1'));
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(JSON.parse(json));
  return parts.join('\n');
}

const keyJson = (keys: Record<string, Buffer>): string =>
  JSON.stringify(Object.fromEntries(Object.entries(keys).map(([id, key]) => [id, key.toString('base64')])));

describe('personal data stays private in Temporal', function () {
  this.timeout(240_000);
  let env: ProcessEnv;
  const f = signingFixtures();

  before(async function () {
    env = await processEnv();
  });

  // Asynchronous: with --codec-endpoint the CLI calls the codec server this very process runs.
  const show = async (workflowId: string, ...extra: string[]): Promise<string> =>
    (
      await execFileAsync(
        env.temporalBinary,
        [
          'workflow',
          'show',
          '--workflow-id',
          workflowId,
          '--address',
          env.server.address,
          '--namespace',
          env.server.namespace,
          '--output',
          'json',
          ...extra,
        ],
        { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      )
    ).stdout;

  it('a completed process’s raw history holds no name, e-mail, RFC, CURP, certificate or file; through the codec server it does', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await signBoth(env, workflowId, {
      municipal: input.president.email,
      institute: input.commissioner.email,
    });
    const minutes = Buffer.concat([Buffer.from('%PDF-1.4\nActa única '), randomBytes(4096)]);
    await env.processes.update(workflowId, recordInstallationUpdate, {
      date: '2026-11-20',
      members: [{ name: 'Integrante Privada Uno', sector: 'sociedad-civil', position: 'Vocal' }],
      minutes: await storedFile(env, minutes),
    });
    await env.client.workflow.getHandle(workflowId).result();
    const state = await env.processes.status(workflowId);
    const letter = await documentOf(env, state);

    const personal: [string, string | Buffer][] = [
      ['president name', 'ROMINA CONTRERAS CARRASCO'],
      ['commissioner name', 'MARTÍNEZ VILCHIS'],
      ['member name', 'Integrante Privada Uno'],
      ['president e-mail', input.president.email],
      ['commissioner e-mail', input.commissioner.email],
      ['coordinator e-mail', input.coordinator.email],
      ['president RFC', 'COCR800101AB1'],
      ['commissioner RFC', 'MAVJ650101CD2'],
      ['president CURP', 'COCR800101MMCNRM09'],
      ['commissioner certificate', f.commissioner.certDer.subarray(200, 264)],
      ['president certificate', f.president.certDer.subarray(200, 264)],
      ['minutes bytes', minutes.subarray(minutes.length - 64)],
      ['letter bytes', letter.subarray(letter.length - 200, letter.length - 136)],
    ];
    const raw = readable(await show(workflowId));
    for (const [what, value] of personal) {
      const needle =
        typeof value === 'string' ? Buffer.from(value).toString('latin1') : value.toString('latin1');
      assert.ok(!raw.includes(needle), `the raw history shows the ${what}`);
    }
    // Public facts stay readable for the Web UI's filters: search attributes are not encrypted.
    assert.ok(raw.includes(input.municipality) && raw.includes(input.inegiCode));

    const decoded = readable(await show(workflowId, '--codec-endpoint', env.codecUrl));
    for (const [what, value] of personal.filter(([, v]) => typeof v === 'string')) {
      assert.ok(
        decoded.includes(Buffer.from(value as string).toString('latin1')),
        `decoded, it shows the ${what}`,
      );
    }
  });

  describe('keys', function () {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    let mailer: ReturnType<typeof createMailer>;
    before(() => {
      mailer = createMailer(env.outbox.url, 'manifiesta <no-responder@manifiesta.test>');
    });
    after(() => mailer?.transport.close());

    async function workerWith(keyring: Keyring, taskQueue: string): Promise<{ stop: () => Promise<void> }> {
      const connection = await NativeConnection.connect({ address: env.server.address });
      const worker = await Worker.create({
        connection,
        namespace: env.server.namespace,
        taskQueue,
        workflowsPath,
        plugins: [
          manifiestaPlugin(
            {
              evidence: env.evidence,
              preparations: env.preparations,
              mailer,
              links: env.links,
              verifier: testVerifier(),
            },
            { keyring },
          ),
        ],
      });
      const running = worker.run();
      return {
        stop: async () => {
          worker.shutdown();
          await running;
          await connection.close();
        },
      };
    }
    const processesWith = (keyring: Keyring, taskQueue: string): ProcessClient =>
      new ProcessClient(
        new Client({ connection: env.client.connection, dataConverter: dataConverter(keyring) }),
        taskQueue,
      );

    it('rotation: a process started under key A completes after the worker encrypts with key B, A kept to decrypt', async function () {
      const taskQueue = `rotation-${randomBytes(3).toString('hex')}`;
      const onlyA = parseKeyring(keyJson({ 'clave-a': keyA }));
      const bEncrypts = parseKeyring(keyJson({ 'clave-a': keyA, 'clave-b': keyB }), 'clave-b');
      const input = testInput();

      const first = await workerWith(onlyA, taskQueue);
      const { workflowId } = await processesWith(onlyA, taskQueue).start(input);
      await signingLink(env, input.president.email);
      await first.stop();

      const second = await workerWith(bEncrypts, taskQueue);
      try {
        const processes = processesWith(bEncrypts, taskQueue);
        const municipal = await signingLink(env, input.president.email);
        const letter = await documentOf(env, await processes.status(workflowId));
        for (const [role, party, email] of [
          ['municipal', f.president, input.president.email],
          ['institute', f.commissioner, input.commissioner.email],
        ] as const) {
          const link = role === 'municipal' ? municipal : await signingLink(env, email);
          await processes.update(workflowId, submitSignatureUpdate, {
            role,
            linkVersion: link.claims.version,
            run: link.claims.run,
            format: 'pkcs1-sha256',
            signature: opensslPkcs1(letter, party).toString('base64'),
            certificate: party.certDer.toString('base64'),
          });
        }
        const done = await processes.update(workflowId, recordInstallationUpdate, {
          date: '2026-11-20',
          members: [{ name: 'A', sector: 'gobierno', position: 'B' }],
          minutes: await storedFile(env, Buffer.from('%PDF-1.4\nActa\n')),
        });
        assert.equal(done.stage, 'Completed');
      } finally {
        await second.stop();
      }
      const raw = await show(workflowId);
      const keyIds = new Set(
        [...raw.matchAll(/"encryption-key-id": "([^"]+)"/g)].map((m) =>
          Buffer.from(m[1]!, 'base64').toString(),
        ),
      );
      assert.deepEqual([...keyIds].sort(), ['clave-a', 'clave-b'], 'payloads of both keys in one history');
    });

    it('a worker without the key fails loudly, naming it; the process resumes once the key is given', async function () {
      const taskQueue = `sin-clave-${randomBytes(3).toString('hex')}`;
      const onlyA = keyJson({ 'clave-a': keyA });
      const input = testInput();
      const { workflowId } = await processesWith(parseKeyring(onlyA), taskQueue).start(input);

      const worker = (keys: string, current: string): { child: ChildProcess; output: () => string } => {
        const child = spawn(
          process.execPath,
          [join(__dirname, '..', '..', 'dist', 'src', 'worker', 'main.js')],
          {
            env: {
              ...process.env,
              ...env.childEnv,
              TEMPORAL_TASK_QUEUE: taskQueue,
              PAYLOAD_KEYS: keys,
              PAYLOAD_KEY_ID: current,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
        return { child, output: () => output };
      };
      const stop = async (child: ChildProcess): Promise<void> => {
        child.kill('SIGTERM');
        if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      };

      const keyless = worker(keyJson({ 'clave-b': keyB }), 'clave-b');
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no loud failure: ${keyless.output()}`)), 60_000);
          const poll = setInterval(() => {
            if (/clave-a/.test(keyless.output()) && /PAYLOAD_KEYS/.test(keyless.output())) {
              clearTimeout(timer);
              clearInterval(poll);
              resolve();
            }
          }, 100);
        });
      } finally {
        await stop(keyless.child);
      }
      const { raw } = await env.client.workflow.getHandle(workflowId).describe();
      assert.equal(raw.workflowExecutionInfo?.status, 1, 'still running');

      const keyed = worker(keyJson({ 'clave-a': keyA, 'clave-b': keyB }), 'clave-b');
      try {
        // The signing request goes out: the process went on where it stopped (once the failed
        // workflow task is retried: Temporal waits out its task timeout).
        await signingLink(env, input.president.email, 1, undefined, 90_000).catch((error: Error) => {
          throw new Error(`${error.message}\nworker: ${keyed.output()}`);
        });
        const both = parseKeyring(keyJson({ 'clave-a': keyA, 'clave-b': keyB }), 'clave-b');
        // The mail (a local activity) goes out inside the workflow task that asked for it: the
        // task may still be completing, and until it does the server answers no query.
        const state = await eventually(() => processesWith(both, taskQueue).status(workflowId));
        assert.equal(state.stage, 'AwaitingMunicipalSignature');
        assert.equal(state.links.municipal?.version, 1);
      } finally {
        await stop(keyed.child);
      }
    });
  });

  it('a 20 MiB scanned acta is recorded by reference; one over 25 MiB is refused before anything is stored', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await signBoth(env, workflowId, {
      municipal: input.president.email,
      institute: input.commissioner.email,
    });
    const dir = mkdtempSync(join(tmpdir(), 'acta-'));
    const big = join(dir, 'acta-escaneada.pdf');
    writeFileSync(big, Buffer.concat([Buffer.from('%PDF-1.5\n'), randomBytes(20 * 1024 * 1024)]));
    const huge = join(dir, 'acta-enorme.pdf');
    writeFileSync(huge, Buffer.concat([Buffer.from('%PDF-1.5\n'), randomBytes(26 * 1024 * 1024)]));

    const hugeSha256 = createHash('sha256').update(readFileSync(huge)).digest('hex');
    const refused = await runCliAsync(
      [
        'record-installation',
        workflowId,
        '--date',
        '2026-11-20',
        '--minutes',
        huge,
        '--member',
        'A|gobierno|B',
      ],
      env.childEnv,
    );
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^PAYLOAD_TOO_LARGE:/m);
    assert.equal(await env.evidence.get(hugeSha256), null, 'nothing stored');

    const recorded = await runCliAsync(
      [
        'record-installation',
        workflowId,
        '--date',
        '2026-11-20',
        '--minutes',
        big,
        '--member',
        'A|gobierno|B',
      ],
      env.childEnv,
    );
    assert.equal(recorded.status, 0, recorded.stderr);
    const state = await env.processes.status(workflowId);
    assert.equal(state.stage, 'Completed');
    assert.equal(state.installation?.minutes.size, 20 * 1024 * 1024 + 9);
    assert.equal(state.installation?.minutes.fileName, 'acta-escaneada.pdf');
    assert.ok((await show(workflowId)).length < 2 * 1024 * 1024, 'the history does not carry the file');
  });

  it('a reference to a file the store does not hold is refused with EVIDENCE_MISSING and changes nothing', async function () {
    const input = testInput();
    const { workflowId } = await env.processes.start(input);
    await signBoth(env, workflowId, {
      municipal: input.president.email,
      institute: input.commissioner.email,
    });
    await assert.rejects(
      env.processes.update(workflowId, recordInstallationUpdate, {
        date: '2026-11-20',
        members: [{ name: 'A', sector: 'gobierno', position: 'B' }],
        minutes: { sha256: 'ab'.repeat(32), fileName: 'acta.pdf', mediaType: 'application/pdf', size: 1000 },
      }),
      (error: { code?: string }) => error.code === 'EVIDENCE_MISSING',
    );
    assert.equal((await env.processes.status(workflowId)).stage, 'AwaitingSecretariatInstallation');
  });
});

/** `read`'s answer, retried for up to 20 s while it throws. */
async function eventually<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
