/**
 * A rendering thread of {@link RenderPool}: pdfkit draws the letter or the constancia here, at a
 * lower CPU priority than the worker's event loop and the verification threads.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { isMainThread, workerData } from 'node:worker_threads';
import type { RenderLetterInput } from '../domain/activities';
import type { ProcessState } from '../domain/process';
import { renderConstancia } from '../evidence/constancia';
import { renderLetterPdf } from './letter';

/** What a rendering thread draws. */
export type RenderTask =
  | { readonly kind: 'letter'; readonly input: RenderLetterInput }
  | { readonly kind: 'constancia'; readonly state: ProcessState; readonly commands: readonly string[] };

/** What the pool hands each thread. */
export interface RenderThreadData {
  /** The thread's nice value (see RENDER_NICE). */
  readonly nice: number;
}

function lowerPriority(nice: number): void {
  try {
    // This thread's ID, from Linux's own link; elsewhere there is none and the thread keeps the
    // process's priority.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // not Linux, or not permitted: rendered at the same priority as everything else
  }
}

// Only ever in a pool's thread: the same call on the main thread would slow the whole worker.
if (!isMainThread) lowerPriority((workerData as RenderThreadData).nice);

export default function render(task: RenderTask): Promise<Buffer> {
  return task.kind === 'letter' ? renderLetterPdf(task.input) : renderConstancia(task.state, task.commands);
}
