/** Starting test processes and acting as their signers, through the same paths users take. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { dataConverter } from '../../src/codec/data-converter';
import { workflowsPath } from '../../src/worker/plugin';
import { WORKFLOW_CODE_VERSION } from '../../src/workflows/adhesion-process';
import { mexicoCityDate, WorkingCalendar, type DeclaredDay } from '../../src/domain/calendar';
import type { PolicyOverride, ProcessInput, ProcessState, Role } from '../../src/domain/process';
import type { OutboxMessage } from '../../src/stack/outbox';
import type { LinkClaims } from '../../src/links/tokens';
import type { ProcessEnv } from './process-env';
import {
  recordInstallationUpdate,
  submitSignatureUpdate,
  type FileReference,
  type SubmitSignatureInput,
} from '../../src/domain/messages';
import { signingFixtures } from './fixtures';
import { opensslCms, opensslPkcs1 } from './sign';

/** A campaign per test run keeps workflow IDs unique across runs against one server. */
export const CAMPAIGN = `t${randomBytes(3).toString('hex')}`;
let nextCode = 15001;

export function testInput(overrides: Partial<ProcessInput> & { policy?: PolicyOverride } = {}): ProcessInput {
  const f = signingFixtures();
  const inegiCode = String(nextCode++);
  return {
    campaign: CAMPAIGN,
    inegiCode,
    municipality: `Municipio de Prueba ${inegiCode}`,
    president: {
      name: f.president.identity.name,
      email: `presidencia-${inegiCode}@example.mx`,
      rfc: f.president.identity.rfc ?? null,
    },
    commissioner: {
      name: f.commissioner.identity.name,
      email: `comisionado-${inegiCode}@example.mx`,
      rfc: f.commissioner.identity.rfc ?? null,
    },
    coordinator: { name: 'Coordinación STL', email: `coordinacion-${inegiCode}@example.mx` },
    letterDate: '2022-07-08',
    ...overrides,
  };
}

export function linkIn(message: OutboxMessage): string {
  const match = /\/firmar\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(message.mail.text ?? '');
  assert.ok(match, `no signing link in "${message.mail.subject}"`);
  return match[1]!;
}

/** Waits for the signing request (or newer link) sent to `email`, and reads its token. */
export async function signingLink(
  env: ProcessEnv,
  email: string,
  minVersion = 1,
  run?: string,
  timeoutMs = 30_000,
): Promise<{ token: string; claims: LinkClaims; message: OutboxMessage }> {
  const message = await env.outbox.waitFor(
    (m) =>
      m.envelopeTo.includes(email) &&
      /\/firmar\//.test(m.mail.text ?? '') &&
      (readClaims(env, m)?.version ?? 0) >= minVersion &&
      (run === undefined || readClaims(env, m)?.run === run),
    timeoutMs,
    `a signing link v${minVersion}+ to ${email}${run ? ` from run ${run}` : ''}`,
  );
  const token = linkIn(message);
  const reading = env.links.read(token);
  assert.ok(reading.ok, 'the emailed token is valid');
  return { token, claims: reading.claims, message };
}

function readClaims(env: ProcessEnv, m: OutboxMessage): LinkClaims | null {
  try {
    const reading = env.links.read(linkIn(m));
    return reading.ok ? reading.claims : null;
  } catch {
    return null;
  }
}

export async function documentOf(env: ProcessEnv, state: ProcessState): Promise<Buffer> {
  assert.ok(state.document, 'the letter was rendered');
  const bytes = await env.evidence.get(state.document.sha256);
  assert.ok(bytes, 'the letter is stored under its SHA-256');
  return bytes;
}

/** Polls the status query until `predicate` holds. */
export async function waitForState(
  env: ProcessEnv,
  workflowId: string,
  predicate: (s: ProcessState) => boolean,
  timeoutMs = 30_000,
): Promise<ProcessState> {
  const deadline = Date.now() + timeoutMs;
  let last: ProcessState | undefined;
  while (Date.now() < deadline) {
    try {
      last = await env.processes.status(workflowId);
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out; last state: ${last?.stage} ${JSON.stringify(last?.audit.at(-1))}`);
}

export async function historyLength(env: ProcessEnv, workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

/** The local activities a history records, one marker each: the activity's type and attempt. */
function localActivityMarkers(
  history: temporal.api.history.v1.IHistory,
): { type?: string; attempt?: number }[] {
  return (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data =
      marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : null;
    if (!data) return [];
    const record = JSON.parse(Buffer.from(data).toString('utf8')) as {
      activity_type?: string;
      attempt?: number;
    };
    return [{ type: record.activity_type, attempt: record.attempt }];
  });
}

/**
 * How many times a process called activity `type`: normal activities (scheduled events) and
 * local activities (the marker core records for each, whose data names the activity).
 */
export function activityCalls(history: temporal.api.history.v1.IHistory, type: string): number {
  const scheduled = (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type,
  ).length;
  return scheduled + localActivityMarkers(history).filter((m) => m.type === type).length;
}

/**
 * The latest failed attempt of local activity `type` that history records: core writes a marker
 * with its attempt and backoff when it leaves the retries to a durable timer.
 */
export function localActivityAttempts(history: temporal.api.history.v1.IHistory, type: string): number {
  return Math.max(
    0,
    ...localActivityMarkers(history)
      .filter((m) => m.type === type)
      .map((m) => m.attempt ?? 0),
  );
}

/**
 * `count` working days declared inhábiles (a vacation), from the `skip`-th working day after
 * `from` (today in Mexico City): ahead of a process started now, whatever day the test runs.
 */
export function declaredAhead(count: number, skip = 1, from = mexicoCityDate(Date.now())): DeclaredDay[] {
  const calendar = new WorkingCalendar();
  const declared: DeclaredDay[] = [];
  for (
    let day = calendar.addWorkingDays(from, skip);
    declared.length < count;
    day = calendar.addWorkingDays(day, 1)
  )
    declared.push({ date: day, reason: 'Periodo vacacional', acuerdo: 'ACUERDO DE PRUEBA' });
  return declared;
}

export const ROLE_EMAIL = (input: ProcessInput, role: Role): string =>
  role === 'municipal' ? input.president.email : input.commissioner.email;

/**
 * Replays a finished process's history against the current workflow code (a nondeterminism error
 * fails the test). With MANIFIESTA_RECORD_HISTORIES=1 (`npm run record-histories`) it also records
 * it as `test/histories/adhesion-process-v<WORKFLOW_CODE_VERSION>-<scenario>.json`, once: a
 * history that exists is never overwritten, since it stands for processes that ran that code.
 */
export async function replayAndRecord(env: ProcessEnv, workflowId: string, scenario: string): Promise<void> {
  // Exported the way operators export histories: `temporal workflow show --output json`.
  const json = execFileSync(
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
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  await Worker.runReplayHistory(
    { workflowsPath, dataConverter: dataConverter(env.keyring) },
    historyFromJSON(JSON.parse(json)),
    workflowId,
  );
  if (process.env.MANIFIESTA_RECORD_HISTORIES === '1') {
    const file = join(HISTORIES_DIR, `adhesion-process-v${WORKFLOW_CODE_VERSION}-${scenario}.json`);
    if (existsSync(file)) {
      throw new Error(
        `${file} exists: a recorded history is never re-recorded. Changed workflow code gets a new WORKFLOW_CODE_VERSION and new histories.`,
      );
    }
    writeFileSync(file, json, { flag: 'wx' });
  }
}

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

/**
 * Both signatures, as the signers make them: the president's CMS (openssl cms, chain carried),
 * then the commissioner's PKCS#1 with the certificate. Returns the signed letter.
 */
/**
 * The municipal president's CMS signature of `letter` (carrying the intermediate CA), as
 * `submitSignature` takes it from a link's version and run.
 */
export function presidentSignature(
  letter: Buffer,
  link: { readonly version: number; readonly run: string },
): SubmitSignatureInput {
  const f = signingFixtures();
  return {
    role: 'municipal',
    linkVersion: link.version,
    run: link.run,
    signature: opensslCms(letter, f.president, { carry: [f.intermediate] }).toString('base64'),
  };
}

export async function signBoth(
  env: ProcessEnv,
  workflowId: string,
  emails: { municipal: string; institute: string },
): Promise<Buffer> {
  const f = signingFixtures();
  const municipal = await signingLink(env, emails.municipal);
  const letter = await documentOf(env, await waitForState(env, workflowId, (s) => s.document !== null));
  await env.processes.update(workflowId, submitSignatureUpdate, presidentSignature(letter, municipal.claims));
  const institute = await signingLink(env, emails.institute);
  await env.processes.update(workflowId, submitSignatureUpdate, {
    role: 'institute',
    linkVersion: institute.claims.version,
    run: institute.claims.run,
    format: 'pkcs1-sha256',
    signature: opensslPkcs1(letter, f.commissioner).toString('base64'),
    certificate: f.commissioner.certDer.toString('base64'),
  });
  return letter;
}

/** A process taken to Completed: both signatures, then the installation with its minutes. */
export async function completeProcess(env: ProcessEnv, input: ProcessInput): Promise<string> {
  const { workflowId } = await env.processes.start(input);
  await signBoth(env, workflowId, { municipal: input.president.email, institute: input.commissioner.email });
  await env.processes.update(workflowId, recordInstallationUpdate, {
    date: '2026-11-20',
    members: [{ name: 'Romina Contreras', sector: 'gobierno', position: 'Presidenta Municipal' }],
    minutes: await storedFile(env, Buffer.from('%PDF-1.4\nActa\n')),
  });
  return workflowId;
}

/** A file put into the run's evidence store, as the CLI does before it records an installation. */
export async function storedFile(
  env: ProcessEnv,
  bytes: Buffer,
  fileName = 'acta.pdf',
  mediaType = 'application/pdf',
): Promise<FileReference> {
  return { sha256: await env.evidence.put(bytes), fileName, mediaType, size: bytes.length };
}
