/**
 * The portal's shared reads (a unit test; the API tests see them through HTTP): reads at the same
 * time share one query, and nothing outlives it, so no read shows a state older than itself.
 */
import assert from 'node:assert/strict';
import type { ProcessState } from '../../src/domain/process';
import type { ProcessClient } from '../../src/client/process-client';
import { statusCache } from '../../src/portal/signing';

/** A process whose queries the test answers one by one. */
function fakeProcesses() {
  const pending: { workflowId: string; answer: (state: ProcessState) => void; fail: (e: Error) => void }[] =
    [];
  const processes = {
    status: (workflowId: string) =>
      new Promise<ProcessState>((answer, fail) => pending.push({ workflowId, answer, fail })),
  } as unknown as ProcessClient;
  return { processes, pending };
}

const state = (stage: string) => ({ stage }) as unknown as ProcessState;

describe('the portal’s shared reads of a process', function () {
  it('reads at the same time share one query; a read after it is answered asks again', async function () {
    const { processes, pending } = fakeProcesses();
    const cache = statusCache(processes);
    const reads = Array.from({ length: 100 }, () => cache.read('p-1'));
    const other = cache.read('p-2');
    assert.equal(pending.length, 2, 'one query per process');
    pending[0]!.answer(state('AwaitingMunicipalSignature'));
    pending[1]!.answer(state('Completed'));
    for (const read of reads) assert.equal((await read).stage, 'AwaitingMunicipalSignature');
    assert.equal((await other).stage, 'Completed');

    const later = cache.read('p-1');
    assert.equal(pending.length, 3, 'nothing kept once answered');
    pending[2]!.answer(state('Withdrawn'));
    assert.equal((await later).stage, 'Withdrawn');
  });

  it('a failed query is not shared with later reads; forget drops a query in flight', async function () {
    const { processes, pending } = fakeProcesses();
    const cache = statusCache(processes);
    const failing = cache.read('p-1');
    pending[0]!.fail(new Error('Temporal unreachable'));
    await assert.rejects(failing, /unreachable/);
    const again = cache.read('p-1');
    assert.equal(pending.length, 2);

    // A submission answered meanwhile: the reads after it do not join the query begun before it.
    cache.forget('p-1');
    const after = cache.read('p-1');
    assert.equal(pending.length, 3);
    // The older query, answered first, does not drop the newer one's place.
    pending[1]!.answer(state('AwaitingMunicipalSignature'));
    assert.equal((await again).stage, 'AwaitingMunicipalSignature');
    const joined = cache.read('p-1');
    assert.equal(pending.length, 3, 'joins the query begun after the submission');
    pending[2]!.answer(state('AwaitingInfoemSignature'));
    assert.equal((await after).stage, 'AwaitingInfoemSignature');
    assert.equal((await joined).stage, 'AwaitingInfoemSignature');
  });
});
