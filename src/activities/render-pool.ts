/**
 * PDF rendering off the event loop. pdfkit spends milliseconds of CPU per page on the thread that
 * runs it; in the worker, that thread also carries every workflow task and every local activity,
 * so a burst of starts (each renders a letter) or of completions (each renders a constancia)
 * would queue ahead of a signer's verification. Here the PDFs are drawn by a few threads of lower
 * CPU priority (render-thread.ts): signers are answered first, and rendering takes the CPU they
 * leave.
 */
import { Piscina } from 'piscina';
import { threadScript } from '../lib/thread-script';
import type { RenderLetterInput } from '../domain/activities';
import type { ProcessState } from '../domain/process';
import { renderConstancia } from '../evidence/constancia';
import { renderLetterPdf } from './letter';
import type { RenderTask, RenderThreadData } from './render-thread';

/** What the activities need to draw their PDFs. */
export interface Renderer {
  letter(input: RenderLetterInput): Promise<Buffer>;
  constancia(state: ProcessState, commands: readonly string[]): Promise<Buffer>;
}

/** On the caller's thread: the CLI, tests, and anyone without a pool. */
export const inlineRenderer: Renderer = { letter: renderLetterPdf, constancia: renderConstancia };

/**
 * The nice value of a rendering thread. Linux schedules threads, so raising one thread's nice value
 * leaves the rest of the process as it was; 10 gives it about a tenth of a core that others also
 * want, and every idle cycle.
 */
export const RENDER_NICE = 10;

/** A letter or a constancia takes a few MiB of pdfkit's fonts and buffers. */
const THREAD_HEAP_MB = 128;

export class RenderPool implements Renderer {
  private readonly pool: Piscina;
  private closed = false;

  /**
   * @param threads default 1: rendering is background work, and each thread holds its own copy of
   *   pdfkit and its fonts.
   */
  constructor(threads = 1) {
    this.pool = new Piscina({
      ...threadScript(__dirname, 'render-thread'),
      workerData: { nice: RENDER_NICE } satisfies RenderThreadData,
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
  }

  letter(input: RenderLetterInput): Promise<Buffer> {
    return this.run({ kind: 'letter', input });
  }

  constancia(state: ProcessState, commands: readonly string[]): Promise<Buffer> {
    return this.run({ kind: 'constancia', state, commands });
  }

  private async run(task: RenderTask): Promise<Buffer> {
    if (this.closed) throw new Error('the rendering threads are closed');
    // Structured cloning hands back a Uint8Array over the thread's bytes.
    const bytes = (await this.pool.run(task)) as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}
