/**
 * Processes run for months: code deployed later must replay the histories of processes started by
 * earlier code. Every history recorded in test/histories/ (one set per workflow code version) is
 * replayed against the current workflow code; a nondeterministic change fails here, and needs
 * `patched()` and a new WORKFLOW_CODE_VERSION (docs/versioning.md).
 *
 * A history proves its version: the process records the code version it started with, and the
 * file's name must say the same, so a history re-recorded by later code cannot pass for an older
 * one (and then leave that version's code paths unreplayed).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker/plugin';
import { WORKFLOW_CODE_VERSION } from '../../src/workflows/adhesion-process';
import { dataConverter } from '../../src/codec/data-converter';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyring } from '../../src/codec/keyring';
import { TEST_KEYRING_FILE } from '../support/process-env';
import { HISTORIES_DIR } from '../support/process-helpers';

interface JsonPayload {
  readonly metadata?: Record<string, string>;
  readonly data?: string;
}
interface JsonEvent {
  readonly eventType: string;
  readonly workflowExecutionCompletedEventAttributes?: {
    readonly result?: { readonly payloads?: JsonPayload[] };
  };
}

/**
 * Histories are recorded with the tests' fixed keyring (test/support/payload-keys.json), so their
 * payloads are encrypted; those recorded before encryption are plain, and the codec passes plain
 * payloads through: both replay with the same data converter.
 */
const keyring = parseKeyring(TEST_KEYRING_FILE);

/** The process state a history ends with (its workflow result), decrypted. */
async function finalState(json: { events: JsonEvent[] }): Promise<{ codeVersion?: number }> {
  const completed = json.events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  const payload = completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  assert.ok(payload?.data, 'the history ends with the process completing, with its state');
  const [plain] = await new EncryptionCodec(keyring).decode([
    {
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
      ),
      data: Buffer.from(payload.data, 'base64'),
    },
  ]);
  return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as { codeVersion?: number };
}

describe('replay of recorded histories', function () {
  this.timeout(120_000);
  const files = readdirSync(HISTORIES_DIR).filter((name) => name.endsWith('.json'));
  const versionOf = (file: string): number => {
    const match = /^adhesion-process-v(\d+)-[a-z0-9-]+\.json$/.exec(file);
    assert.ok(match, `${file} is named adhesion-process-v<version>-<scenario>.json`);
    return Number(match[1]);
  };

  it('has histories recorded by the current workflow code version', function () {
    assert.ok(
      files.some((file) => versionOf(file) === WORKFLOW_CODE_VERSION),
      `no history of version ${WORKFLOW_CODE_VERSION} in ${HISTORIES_DIR}: record them with npm run record-histories`,
    );
  });

  for (const file of files) {
    it(`replays ${file} deterministically, and it was recorded by the version it names`, async function () {
      const json = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as { events: JsonEvent[] };
      const named = versionOf(file);
      assert.ok(named <= WORKFLOW_CODE_VERSION, `${file} names a version newer than the code`);
      assert.equal(
        (await finalState(json)).codeVersion,
        named,
        `${file} was recorded by another code version`,
      );
      const history = historyFromJSON(json);
      assert.ok((history.events?.length ?? 0) > 10);
      await Worker.runReplayHistory(
        { workflowsPath, dataConverter: dataConverter(keyring) },
        history,
        file.replace(/\.json$/, ''),
      );
    });
  }
});
