/**
 * Processes run for months: code deployed later must replay the histories of processes started by
 * earlier code. Every history recorded in test/histories/ (one per workflow version that has run)
 * is replayed against the current workflow code; a nondeterministic change fails here, and needs
 * `patched()` (README "Changing workflow code").
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/plugin';

const DIR = join(__dirname, '..', 'histories');

describe('replay of recorded histories', function () {
  this.timeout(120_000);
  const files = readdirSync(DIR).filter((name) => name.endsWith('.json'));

  it('has recorded histories to replay', function () {
    assert.ok(files.length >= 2, `expected recorded histories in ${DIR}`);
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async function () {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10);
      await Worker.runReplayHistory({ workflowsPath }, history, file.replace(/\.json$/, ''));
    });
  }
});
