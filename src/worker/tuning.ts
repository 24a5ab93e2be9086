/**
 * How a worker shares its two kinds of work: a signer waiting for the answer to a click, and work
 * nobody waits for (letters and dossiers to render, mail to deliver). bench/process.ts measured
 * each choice; bench/README.md#process-benchmark has the figures.
 *
 * - Two workflow threads. Every workflow task of every process goes through them; with one, a
 *   burst of starts (each a new process to set up) queues whole seconds ahead of a signature.
 * - `WORKER_ACTIVITY_SLOTS` normal activities at once (default: the machine's cores). From
 *   version 6 the process runs as normal activities only work nobody waits on: dossiers and the
 *   mail an update sends after answering it. A signature's verification is a local activity and
 *   takes no slot. A hundred dossiers at once would only queue their I/O ahead of the signers'.
 * - PDFs are drawn on a thread of lower CPU priority (activities/render-pool.ts).
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { WorkerConfig } from '../config';

export const WORKFLOW_THREADS = 2;

export function workerTuning(
  config: Pick<WorkerConfig, 'cachedProcesses' | 'activitySlots'>,
): Pick<
  WorkerOptions,
  'maxCachedWorkflows' | 'workflowThreadPoolSize' | 'maxConcurrentActivityTaskExecutions'
> {
  return {
    maxCachedWorkflows: config.cachedProcesses,
    workflowThreadPoolSize: WORKFLOW_THREADS,
    maxConcurrentActivityTaskExecutions: config.activitySlots,
  };
}
