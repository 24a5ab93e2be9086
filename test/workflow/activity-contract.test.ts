/**
 * What the workflow relies on from its real activities, and what the fakes of
 * test/workflow/adhesion-process.test.ts assume: each activity run as a worker runs it
 * (`MockActivityEnvironment`), over a real evidence folder and a verifier stub.
 *
 * - a file the store lacks is EVIDENCE_MISSING, not retryable: the workflow refuses the update
 *   with it instead of retrying an activity that cannot succeed;
 * - a verification that could not be made is a retryable VERIFICATION_TIMEOUT, never a verdict;
 * - a refused signature is a report, and leaves nothing in the store; an accepted one is kept;
 * - the letter is stored under the digest the process records, with both signature fields.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities';
import { createMailer } from '../../src/activities/email';
import { parseKeyring } from '../../src/codec/keyring';
import type { SubmittedSignature } from '../../src/domain/activities';
import type { VerificationErrorCode } from '../../src/domain/errors';
import { SIGNATURE_FIELD } from '../../src/domain/process';
import { SigningLinks } from '../../src/links/tokens';
import type { Verifier } from '../../src/signatures';
import { unfinishedReport } from '../../src/signatures/report-builder';
import { openStores, type EvidenceStore } from '../../src/storage';
import { fakeReport } from '../support/fake-activities';
import { HUIXQUILUCAN } from '../support/letters';
import { TEST_KEYRING_FILE } from '../support/process-env';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir`, however the store nests them. */
const filesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

/** A verifier that answers `code`'s refusal, VERIFICATION_TIMEOUT's unfinished report, or valid. */
function verifierAnswering(answer: VerificationErrorCode | null): Verifier {
  return {
    async verify(input) {
      if (answer === 'VERIFICATION_TIMEOUT')
        return unfinishedReport(input, 'VERIFICATION_TIMEOUT', 'verification stopped after 10000 ms');
      const submitted: SubmittedSignature = {
        signatureBase64: Buffer.from(input.signature).toString('base64'),
        expectedSigner: { rfc: 'COCR800101AB1', curp: null, name: 'ROMINA', acceptAnySigner: false },
        at: new Date().toISOString(),
      };
      return fakeReport(submitted, sha256(input.document), answer);
    },
    verifyCertificate: () => Promise.reject(new Error('not used')),
    chainOf: () => [],
    revocationDataOf: () => [],
  };
}

describe('the activities, as the workflow relies on them', function () {
  this.timeout(60_000);
  const keyring = parseKeyring(TEST_KEYRING_FILE);
  let dir: string;
  let evidence: EvidenceStore;
  let activitiesWith: (verifier: Verifier) => Activities;
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(fn, ...args);

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'manifiesta-contrato-'));
    const stores = openStores({ kind: 'folder', dir }, keyring);
    evidence = stores.evidence;
    activitiesWith = (verifier) =>
      createActivities({
        ...stores,
        // Never reached: none of these activities sends mail.
        mailer: createMailer(
          'smtp://127.0.0.1:9',
          'manifiesta <no-responder@manifiesta.test>',
          stores.ledger,
        ),
        links: new SigningLinks('secreto-de-pruebas'.repeat(4), 'http://127.0.0.1:9/portal'),
        verifier,
      });
  });

  it('renderLetter stores the letter under the digest it returns, with both signature fields', async function () {
    const record = await run(activitiesWith(verifierAnswering(null)).renderLetter, HUIXQUILUCAN);
    const stored = await evidence.get(record.sha256);
    assert.ok(stored, 'stored under its SHA-256');
    assert.equal(sha256(stored), record.sha256);
    assert.equal(record.size, stored.length);
    assert.equal(stored.subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(record.signatureFields, [SIGNATURE_FIELD.municipal, SIGNATURE_FIELD.institute]);
  });

  it('checkEvidence: a file the store lacks, or of another size, is EVIDENCE_MISSING and not retryable', async function () {
    const { checkEvidence } = activitiesWith(verifierAnswering(null));
    const minutes = Buffer.from('%PDF-1.7\nActa de instalación\n');
    const reference = {
      sha256: sha256(minutes),
      fileName: 'acta.pdf',
      mediaType: 'application/pdf',
      size: minutes.length,
    };
    const missing = (error: unknown): boolean =>
      error instanceof ApplicationFailure && error.type === 'EVIDENCE_MISSING' && error.nonRetryable === true;

    await assert.rejects(run(checkEvidence, reference), missing);
    await evidence.put(minutes);
    assert.deepEqual(await run(checkEvidence, reference), reference);
    await assert.rejects(run(checkEvidence, { ...reference, size: reference.size + 1 }), missing);
  });

  it('verifySignature: a refusal is a report and keeps nothing; an acceptance keeps the signature; no verdict is a retryable VERIFICATION_TIMEOUT', async function () {
    const letter = await evidence.put(Buffer.from('%PDF-1.7\nCarta\n'));
    const before = filesIn(dir);
    const input = {
      documentSha256: letter,
      signatureBase64: Buffer.from('una firma').toString('base64'),
      expectedSigner: { rfc: 'COCR800101AB1', curp: null, name: 'ROMINA', acceptAnySigner: false },
      at: new Date().toISOString(),
    };

    const refused = await run(activitiesWith(verifierAnswering('SIGNER_MISMATCH')).verifySignature, input);
    assert.equal(refused.report.valid, false);
    assert.equal(refused.report.code, 'SIGNER_MISMATCH');
    assert.deepEqual(filesIn(dir), before, 'a refused signature leaves nothing behind');

    await assert.rejects(
      run(activitiesWith(verifierAnswering('VERIFICATION_TIMEOUT')).verifySignature, input),
      (error: unknown) =>
        error instanceof ApplicationFailure && error.type === 'VERIFICATION_TIMEOUT' && !error.nonRetryable,
    );
    assert.deepEqual(filesIn(dir), before, 'nor does one nobody judged');

    const accepted = await run(activitiesWith(verifierAnswering(null)).verifySignature, input);
    assert.equal(accepted.report.valid, true);
    assert.deepEqual(await evidence.get(accepted.signatureSha256), Buffer.from('una firma'));
  });
});
