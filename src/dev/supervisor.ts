/**
 * `npm start` keeps its parts running: when one stops without being asked (the dev server
 * crashes, the worker fails), it says so in one line and starts it again, with the same DATA_DIR,
 * at most a few times in a row; then it gives up and the whole of `npm start` exits non-zero with
 * the reason.
 */

export interface RunningPart {
  /** Settles when the part stops, with why. */
  readonly stopped: Promise<string>;
  stop(): Promise<void>;
}

export class Supervisor {
  private shuttingDown = false;
  private readonly parts: { name: string; current: RunningPart }[] = [];
  private failure: ((reason: string) => void) | null = null;
  /** Settles with the reason when a part could not be kept running. */
  readonly gaveUp: Promise<string> = new Promise((resolve) => (this.failure = resolve));

  constructor(
    private readonly log: (line: string) => void,
    /** Restarts allowed for a part before giving up (counted since its last stable minute). */
    private readonly maxRestarts = 3,
    /** The wait before trying again after a start that failed, times the restarts so far. */
    private readonly retryDelayMs = 1_000,
  ) {}

  /** Starts a part and keeps it running. */
  async keep(name: string, start: () => Promise<RunningPart>): Promise<void> {
    const entry = { name, current: await start() };
    this.parts.push(entry);
    let restarts = 0;
    let since = Date.now();
    const restart = async (why: string): Promise<void> => {
      if (this.shuttingDown) return;
      if (Date.now() - since > 60_000) restarts = 0; // a minute up: earlier crashes are forgiven
      if (restarts >= this.maxRestarts) {
        this.failure?.(`${name} stopped (${why}) ${restarts + 1} times in a row; giving up`);
        return;
      }
      restarts++;
      since = Date.now();
      this.log(`${name} stopped (${why}); starting it again (${restarts}/${this.maxRestarts})`);
      let started: RunningPart;
      try {
        started = await start();
      } catch (error) {
        // A part killed a moment ago may not start at once (its port, its database): wait a
        // little and try again, counted as one more stop.
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * restarts));
        await restart(`could not be started again: ${(error as Error).message}`);
        return;
      }
      entry.current = started;
      this.log(`${name} is running again`);
      void started.stopped.then(restart);
    };
    void entry.current.stopped.then(restart);
  }

  /** Stops every part, the last started first; none is restarted any more. */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    for (const { current } of this.parts.splice(0).reverse()) await current.stop().catch(() => {});
  }
}
