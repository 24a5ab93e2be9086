/**
 * The archive of ended processes at campaign scale: 2,469 records (one per municipality of Mexico)
 * written to a folder store, then `manifiesta report` run against a dev server that no longer has
 * any of them, as a coordinator runs it once retention has passed. The record is a real one: the
 * final state of the completed process recorded in test/histories (decrypted with the tests'
 * payload key), copied per municipality. Prints the record's size, the time to write them all, and
 * the report's wall time (the CLI process, start to exit) and how many rows it printed.
 *
 *   npm run bench:archive [-- --processes 2469]
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { dataConverter } from '../src/codec/data-converter';
import { parseKeyring } from '../src/codec/keyring';
import { resolveTemporalBinary, startDevServer } from '../src/dev/temporal';
import type { ProcessState } from '../src/domain/process';
import { ProcessArchive } from '../src/evidence/process-archive';
import { FolderObjectStore } from '../src/storage';
import { forEachConcurrently } from '../src/lib/concurrency';

const { values } = parseArgs({ options: { processes: { type: 'string', default: '2469' } } });
const total = Number(values.processes);
const KEYS = join(__dirname, '..', 'test', 'support', 'payload-keys.json');
const HISTORY = join(__dirname, '..', 'test', 'histories', 'adhesion-process-v10-completed.json');

async function completedState(): Promise<ProcessState> {
  const keyring = parseKeyring(KEYS);
  const history = historyFromJSON(JSON.parse(readFileSync(HISTORY, 'utf8')));
  const completion = history.events!.find((e) => e.workflowExecutionCompletedEventAttributes)!;
  const payload = completion.workflowExecutionCompletedEventAttributes!.result!.payloads![0]!;
  const converter = dataConverter(keyring);
  let decoded = [payload];
  for (const codec of [...(converter.payloadCodecs ?? [])].reverse()) decoded = await codec.decode(decoded);
  return defaultPayloadConverter.fromPayload(decoded[0]!) as ProcessState;
}

async function main(): Promise<void> {
  const template = await completedState();
  const keyring = parseKeyring(KEYS);
  const dir = mkdtempSync(join(tmpdir(), 'manifiesta-bench-archive-'));
  const archive = new ProcessArchive(new FolderObjectStore(dir), keyring);
  const campaign = 'bench';
  let started = performance.now();
  const codes = Array.from({ length: total }, (_, i) => String(10_000 + i));
  await forEachConcurrently(codes, 16, async (inegiCode) => {
    const state: ProcessState = {
      ...template,
      workflowId: `adhesion-${campaign}-${inegiCode}`,
      runId: randomUUID(),
      input: { ...template.input, campaign, inegiCode, municipality: `Municipio ${inegiCode}` },
    };
    await archive.put(state, new Date());
  });
  const writeSeconds = (performance.now() - started) / 1000;
  const recordDir = join(dir, 'archive', campaign);
  const sizes = readdirSync(recordDir).flatMap((id) =>
    readdirSync(join(recordDir, id)).map((run) => statSync(join(recordDir, id, run)).size),
  );
  const average = sizes.reduce((a, b) => a + b, 0) / sizes.length;

  const server = await startDevServer({ binary: await resolveTemporalBinary() });
  try {
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      EVIDENCE_DIR: dir,
      PAYLOAD_KEYS: readFileSync(KEYS, 'utf8'),
    };
    const cli = join(__dirname, '..', 'bin', 'manifiesta.js');
    const runs: number[] = [];
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      started = performance.now();
      const report = spawnSync(process.execPath, [cli, 'report', '--campaign', campaign, '--format', 'csv'], {
        env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      runs.push((performance.now() - started) / 1000);
      if (report.status !== 0) throw new Error(`report failed: ${report.stderr}`);
      rows = report.stdout.trim().split('\n').length - 1;
    }
    console.log(`${total} archived processes (completed, from a recorded history), folder store ${dir}`);
    console.log(`record:  ${(average / 1024).toFixed(1)} KiB sealed on average (${sizes.length} records)`);
    console.log(
      `write:   ${writeSeconds.toFixed(1)} s for all (${((writeSeconds * 1000) / total).toFixed(2)} ms each, 16 at a time)`,
    );
    console.log(
      `report:  ${runs.map((s) => `${s.toFixed(1)} s`).join(', ')} (three runs of \`manifiesta report --format csv\`, process start to exit; ${rows} rows, none live in Temporal)`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
