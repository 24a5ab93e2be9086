/**
 * N adhesion processes started and driven to Completed through updates on a dev server, with the
 * worker in its own process (`npm run worker`'s entry point). Prints starts/s, completions/s,
 * p50/p95 update latency (all updates, and the signers' alone) next to a bare no-op update on the
 * same server, history events per completed process and per reminder, and the worker's peak RSS.
 * `--pades`: the signers sign inside the PDF (prepare, then submit; the submit is the signer's
 * update, the prepare is timed apart); `--tsa`: a local TSA (sigstore's timestamp-server, the
 * tests' TSA chain) time-stamps those signatures (version 8).
 *
 *   npm run bench:process [-- --processes 200 | --all] [--concurrency 32] [--pades [--tsa]] [--cpu-prof DIR]
 */
import { spawn } from 'node:child_process';
import { randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { dataConverter } from '../src/codec/data-converter';
import { parseKeyring } from '../src/codec/keyring';
import { Outbox } from '../src/stack/outbox';
import { resolveTemporalBinary, startDevServer } from '../src/dev/temporal';
import {
  prepareSignatureUpdate,
  recordInstallationUpdate,
  submitSignatureUpdate,
} from '../src/domain/messages';
import type { ProcessInput, ProcessState } from '../src/domain/process';
import { forEachConcurrently } from '../src/lib/concurrency';
import { ProcessClient } from '../src/client/process-client';
import { openStores } from '../src/storage';
import { TestPki } from '../test/support/pki';
import type * as TimestampTokens from '../test/support/timestamp-tokens';
import type * as TsaSupport from '../test/support/tsa';
import { WORKER_ENV, WORKER_HEAP_MB } from '../src/worker/heap';
import { finishUpdate, noopUpdate } from './noop-workflow';

const MUNICIPALITIES_OF_MEXICO = 2469;
const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '200' },
    all: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '32' },
    // Writes the worker's CPU profile (node --cpu-prof) into this folder when it exits.
    'cpu-prof': { type: 'string' },
    // The worker's V8 heap limit (MiB), as `npm run worker` sets it; 0 for V8's default.
    'worker-heap': { type: 'string', default: String(WORKER_HEAP_MB) },
    // Sign inside the PDF (PAdES): prepare with the certificate, sign `toBeSigned`, submit.
    pades: { type: 'boolean', default: false },
    // A local TSA for the worker (TSA_URL, TSA_TRUST_ANCHORS): version 8 time-stamps PAdES signatures.
    tsa: { type: 'boolean', default: false },
  },
});
const total = values.all ? MUNICIPALITIES_OF_MEXICO : Number(values.processes);
const concurrency = Number(values.concurrency);

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const pki = new TestPki(mkdtempSync(join(tmpdir(), 'manifiesta-bench-pki-')));
  const root = pki.issue('root', { name: 'AC Raiz Bench' }, null, { bits: 4096, ca: {} });
  const president = pki.issue('president', { name: 'PRESIDENCIA BENCH', rfc: 'PRBE700101AA1' }, root);
  const commissioner = pki.issue('commissioner', { name: 'COMISIONADO BENCH', rfc: 'COBE700101AA1' }, root);
  const tsa = values.tsa ? await startBenchTsa() : null;
  const server = await startDevServer({ binary: await resolveTemporalBinary() });
  const outbox = new Outbox();
  await outbox.start();
  const evidenceDir = mkdtempSync(join(tmpdir(), 'manifiesta-bench-evidence-'));
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  // Payloads encrypted as in production (docs/privacy.md).
  const payloadKeys = JSON.stringify({ bench: randomBytes(32).toString('base64') });
  const keyring = parseKeyring(payloadKeys);
  const profile = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  if (Number(values['worker-heap']) > 0) profile.push(`--max-old-space-size=${values['worker-heap']}`);
  const worker = spawn(
    process.execPath,
    [...profile, join(__dirname, '..', 'dist', 'src', 'worker', 'main.js')],
    {
      env: {
        ...process.env,
        ...WORKER_ENV,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        SMTP_URL: outbox.url,
        LINK_SECRET: randomBytes(32).toString('hex'),
        EVIDENCE_DIR: evidenceDir,
        TRUST_ANCHORS: root.certPath,
        // A revocation source, as production requires (REVOCATION_POLICY=required): the root's CRL.
        CRLS: pki.crl('bench-root', root, []),
        PORTAL_BASE_URL: 'http://127.0.0.1:9/portal',
        PAYLOAD_KEYS: payloadKeys,
        ...(tsa ? { TSA_URL: tsa.url, TSA_TRUST_ANCHORS: tsa.trustAnchors } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // Keep draining the worker's log (an unread pipe would stall it); wait for its ready line.
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('manifiesta worker:')) resolve();
    });
    // A worker that refuses its configuration exits: say so rather than wait for ever.
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
  });
  const memory = (): { rss: number; peak: number } => {
    try {
      const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
      const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
    } catch {
      return { rss: 0, peak: 0 }; // not on Linux: no figure
    }
  };
  const atReady = memory();
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
      peakRss = Math.max(peakRss, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // not on Linux: no figure
    }
  }, 200);

  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter: dataConverter(keyring) });
  const processes = new ProcessClient(client, taskQueue);
  const { evidence } = openStores({ kind: 'folder', dir: evidenceDir }, keyring);
  const campaign = `bench${randomBytes(2).toString('hex')}`;
  const inputs: ProcessInput[] = Array.from({ length: total }, (_, i) => {
    const code = `${String(1 + Math.floor(i / 999)).padStart(2, '0')}${String(1 + (i % 999)).padStart(3, '0')}`;
    return {
      campaign,
      inegiCode: code,
      municipality: `Municipio ${code}`,
      president: { name: 'PRESIDENCIA BENCH', email: `p${code}@example.mx`, rfc: 'PRBE700101AA1' },
      commissioner: { name: 'COMISIONADO BENCH', email: `c${code}@example.mx`, rfc: 'COBE700101AA1' },
      coordinator: { name: 'Coordinación', email: 'coordinacion@example.mx' },
      letterDate: '2022-07-08',
    };
  });

  console.log(
    `${total} processes, concurrency ${concurrency}, dev server ${server.address}; signatures ${values.pades ? 'in the PDF (PAdES)' : 'PKCS#1 beside the letter'}, ${tsa ? `TSA ${tsa.url}` : 'no TSA'}`,
  );
  let started = Date.now();
  await forEachConcurrently(inputs, concurrency, async (input) => {
    await processes.start(input);
  });
  const startSeconds = (Date.now() - started) / 1000;

  const latencies: number[] = [];
  const signerLatencies: number[] = [];
  // --pades: the preparation before each signature, apart from the signer's update (the submit).
  const prepareLatencies: number[] = [];
  const byRole = { municipal: [] as number[], institute: [] as number[] };
  const timed = async <T>(fn: () => Promise<T>, role?: 'municipal' | 'institute'): Promise<T> => {
    const t = performance.now();
    const result = await fn();
    latencies.push(performance.now() - t);
    if (role) {
      signerLatencies.push(performance.now() - t);
      byRole[role].push(performance.now() - t);
    }
    return result;
  };
  // Claim check: the minutes go to the evidence store once; each update carries the reference.
  const minutes = Buffer.from('%PDF-1.4\nActa\n');
  const minutesSha256 = await evidence.put(minutes);
  // Each signer acts on the emailed invitation, as people do (the portal then reads the process
  // once), rather than polling Temporal until the link exists.
  // How many messages each address has received; `invited(email, n)` waits for the n-th.
  const mailed = new Map<string, number>();
  const expecting = new Map<string, () => void>();
  const count = (to: string): void => void mailed.set(to, (mailed.get(to) ?? 0) + 1);
  for (const message of outbox.messages) message.envelopeTo.forEach(count);
  outbox.onMessage((message) => {
    for (const to of message.envelopeTo) {
      count(to);
      expecting.get(to)?.();
    }
  });
  const invited = (email: string, nth = 1): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if ((mailed.get(email) ?? 0) < nth) return;
        expecting.delete(email);
        resolve();
      };
      expecting.set(email, check);
      check();
    });
  let signatures = 0;
  let timestamped = 0;
  started = Date.now();
  await forEachConcurrently(inputs, concurrency, async (input) => {
    const workflowId = `adhesion-${campaign}-${input.inegiCode}`;
    await invited(input.president.email);
    const state = await processes.status(workflowId);
    const letter = values.pades ? null : (await evidence.get(state.document!.sha256))!;
    const signs = async (role: 'municipal' | 'institute', signer: typeof president) => {
      const link = { role, linkVersion: 1, run: state.runId };
      const certificate = signer.certDer.toString('base64');
      if (values.pades) {
        // As the signing page does: the certificate first, then the signer's own RSA operation (in
        // the browser, outside the timings), then the signature; the submit is the signer's update.
        const t = performance.now();
        const prepared = await processes.update(workflowId, prepareSignatureUpdate, { ...link, certificate });
        prepareLatencies.push(performance.now() - t);
        const signature = sign('sha256', Buffer.from(prepared.toBeSigned, 'base64'), signer.keyPem);
        return timed(
          () =>
            processes.update(workflowId, submitSignatureUpdate, {
              ...link,
              format: 'pades',
              signature: signature.toString('base64'),
              certificate,
            }),
          role,
        );
      }
      return timed(
        () =>
          processes.update(workflowId, submitSignatureUpdate, {
            role,
            linkVersion: 1,
            run: state.runId,
            format: 'pkcs1-sha256',
            signature: sign('sha256', letter!, signer.keyPem).toString('base64'),
            certificate,
          }),
        role,
      );
    };
    await signs('municipal', president);
    await invited(input.commissioner.email);
    await signs('institute', commissioner);
    // In the PDF, the installation waits for the mail saying the letter is signed (from version 8 it
    // follows the countersignature's time-stamp; a process completed sooner would stop stamping).
    if (values.pades) await invited(input.commissioner.email, 2);
    await timed(() =>
      processes.update(workflowId, recordInstallationUpdate, {
        date: '2026-11-20',
        members: [{ name: 'A', sector: 'gobierno', position: 'B' }],
        minutes: {
          sha256: minutesSha256,
          fileName: 'acta.pdf',
          mediaType: 'application/pdf',
          size: minutes.length,
        },
      }),
    );
    const final = (await client.workflow.getHandle(workflowId).result()) as ProcessState;
    for (const role of ['municipal', 'institute'] as const) {
      if (final.signatures[role]) signatures++;
      if (final.signatures[role]?.timestamp) timestamped++;
    }
  });
  const completeSeconds = (Date.now() - started) / 1000;

  // Twenty processes spread over the run (the first ones alone would show only its opening burst).
  const sample = Array.from(
    { length: Math.min(20, total) },
    (_, i) => inputs[Math.floor((i * total) / Math.min(20, total))]!,
  );
  const signerTasks: SignerTask[] = [];
  let events = 0;
  let historyBytes = 0;
  for (const input of sample) {
    const history = await client.workflow.getHandle(`adhesion-${campaign}-${input.inegiCode}`).fetchHistory();
    events += history.events?.length ?? 0;
    historyBytes += temporal.api.history.v1.History.encode(history).finish().length;
    signerTasks.push(...signerUpdateTasks(history));
  }

  // One reminder: the events it adds to a waiting process's history.
  const reminded: ProcessInput = {
    ...inputs[0]!,
    inegiCode: '99001',
    policy: { municipalSignature: { deadline: '8s', remindBefore: ['4s'], grace: '1 day' } },
  };
  const remindedId = (await processes.start(reminded)).workflowId;
  const eventsOf = async (): Promise<number> =>
    (await client.workflow.getHandle(remindedId).fetchHistory()).events?.length ?? 0;
  let waiting = await processes.status(remindedId);
  while (!waiting.links.municipal || waiting.audit.every((e) => e.type !== 'email-sent')) {
    await new Promise((r) => setTimeout(r, 100));
    waiting = await processes.status(remindedId);
  }
  const beforeReminder = await eventsOf();
  while (
    waiting.remindersSent.length === 0 ||
    !waiting.audit.some((e) => e.type === 'email-sent' && /recordatorio|reminder/.test(e.detail))
  ) {
    await new Promise((r) => setTimeout(r, 100));
    waiting = await processes.status(remindedId);
  }
  const reminderEvents = (await eventsOf()) - beforeReminder;
  await client.workflow.getHandle(remindedId).terminate('bench done');

  // Baseline: a no-op update on the same server, through an in-process worker.
  const noopQueue = `${taskQueue}-noop`;
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const noopWorker = await Worker.create({
    connection: nativeConnection,
    taskQueue: noopQueue,
    workflowsPath: require.resolve('./noop-workflow'),
  });
  const noopLatencies: number[] = [];
  // The bare baseline: no codec, nothing but Temporal's own round trips.
  const bareClient = new Client({ connection });
  await noopWorker.runUntil(async () => {
    const handles = await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        bareClient.workflow.start('benchNoop', { taskQueue: noopQueue, workflowId: `noop-${campaign}-${i}` }),
      ),
    );
    await forEachConcurrently(
      Array.from({ length: total * 3 }, (_, i) => i),
      concurrency,
      async (i) => {
        const t = performance.now();
        await handles[i % handles.length]!.executeUpdate(noopUpdate, { args: [i] });
        noopLatencies.push(performance.now() - t);
      },
    );
    await Promise.all(handles.map((h) => h.executeUpdate(finishUpdate)));
  });

  clearInterval(sampler);
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(
    `starts:        ${(total / startSeconds).toFixed(1)} /s (${total} in ${startSeconds.toFixed(1)} s)`,
  );
  console.log(
    `completions:   ${(total / completeSeconds).toFixed(1)} /s (${total} driven to Completed in ${completeSeconds.toFixed(1)} s, ${values.pades ? '5 updates each, two of them preparations' : '3 updates each'})`,
  );
  console.log(
    `update latency${values.pades ? ' (without the preparations)' : ''} p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}   (bare no-op update p50 ${ms(percentile(noopLatencies, 50))}, p95 ${ms(percentile(noopLatencies, 95))})`,
  );
  console.log(
    `signer's update p50 ${ms(percentile(signerLatencies, 50))}, p95 ${ms(percentile(signerLatencies, 95))}   (${(percentile(signerLatencies, 50) / percentile(noopLatencies, 50)).toFixed(2)}x and ${(percentile(signerLatencies, 95) / percentile(noopLatencies, 95)).toFixed(2)}x the bare no-op update)`,
  );
  for (const role of ['municipal', 'institute'] as const)
    console.log(
      `  ${role.padEnd(9)} signature p50 ${ms(percentile(byRole[role], 50))}, p95 ${ms(percentile(byRole[role], 95))}`,
    );
  if (values.pades)
    console.log(
      `  preparation (prepareSignature, not in the figures above) p50 ${ms(percentile(prepareLatencies, 50))}, p95 ${ms(percentile(prepareLatencies, 95))}`,
    );
  const median = (pick: (t: SignerTask) => number) => ms(percentile(signerTasks.map(pick), 50));
  console.log(
    `  in its workflow task (p50 of ${signerTasks.length}): waiting for the worker ${median((t) => t.queued)}, in the worker ${median((t) => t.worker)}`,
  );
  console.log(
    `history:       ${(events / sample.length).toFixed(0)} events per completed process (mean of ${sample.length})`,
  );
  console.log(`reminder:      ${reminderEvents} events added to the history by one reminder`);
  console.log(
    `history size:  ${(historyBytes / sample.length).toFixed(0)} bytes per completed process (protobuf, mean of ${sample.length})`,
  );
  console.log(`worker peak RSS: ${peakRss ? `${(peakRss / 1024 / 1024).toFixed(0)} MiB` : 'n/a'}`);
  console.log(
    `worker RSS when ready: ${(atReady.rss / 1024 / 1024).toFixed(0)} MiB (peak until then ${(atReady.peak / 1024 / 1024).toFixed(0)} MiB), at the end ${(memory().rss / 1024 / 1024).toFixed(0)} MiB`,
  );
  console.log(`emails received by the SMTP outbox: ${outbox.messages.length}`);
  console.log(
    `signatures:    ${values.pades ? 'in the PDF (PAdES)' : 'PKCS#1 beside the letter'}, ${tsa ? 'TSA used' : 'no TSA'}; ${timestamped} of ${signatures} ended with a time-stamp`,
  );

  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await nativeConnection.close();
  await connection.close();
  await outbox.stop();
  await server.stop();
  await tsa?.stop();
}

/** sigstore's timestamp-server signing with the tests' TSA chain, and the root to trust it by. */
async function startBenchTsa(): Promise<{ url: string; trustAnchors: string; stop(): Promise<void> }> {
  // Loaded here, not imported: commits before the time-stamps (the bench's "before") lack them.
  /* eslint-disable @typescript-eslint/no-require-imports -- see above */
  const { startTsa } = require('../test/support/tsa') as typeof TsaSupport;
  const { testTsaParties } = require('../test/support/timestamp-tokens') as typeof TimestampTokens;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const parties = testTsaParties();
  const chainPath = join(parties.dir, 'tsa-chain.pem');
  writeFileSync(chainPath, parties.tsa.certPem + parties.root.certPem);
  const server = await startTsa({
    signer: { keyPath: parties.tsa.keyPath, chainPath },
    log: (line) => {
      if (/error|fatal|panic/i.test(line)) console.error(line);
    },
  });
  return { url: server.url, trustAnchors: parties.root.certPath, stop: () => server.stop() };
}

/** A signer's update as its history shows it: the workflow task that accepted it. */
interface SignerTask {
  /** From the task's scheduling (the update's arrival) to a worker picking it up. */
  readonly queued: number;
  /** From pickup to the task's completion (the update's answer). */
  readonly worker: number;
}

function signerUpdateTasks(history: temporal.api.history.v1.IHistory): SignerTask[] {
  const at = (e: temporal.api.history.v1.IHistoryEvent): number =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const tasks: SignerTask[] = [];
  let scheduled = 0;
  let started = 0;
  let completed = 0;
  const signatures = new Set<string>();
  for (const e of history.events ?? []) {
    if (e.workflowTaskScheduledEventAttributes) scheduled = at(e);
    else if (e.workflowTaskStartedEventAttributes) started = at(e);
    else if (e.workflowTaskCompletedEventAttributes) completed = at(e);
    else if (
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitSignature'
    )
      signatures.add(e.workflowExecutionUpdateAcceptedEventAttributes.protocolInstanceId ?? '');
    // The answer comes last, after what the task recorded (the verification's marker).
    else if (signatures.has(e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId ?? '-'))
      tasks.push({ queued: started - scheduled, worker: completed - started });
  }
  return tasks;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
