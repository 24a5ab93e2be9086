/**
 * One server of the stack as a child process: started and waited for until it answers, stopped
 * gracefully (SIGTERM, then SIGKILL after a grace period), killed outright for fault tests, and
 * started again with the same arguments. Its output goes to a log file, never to the console.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { PRIVATE_FILE_MODE, privateDir } from '../storage/private-files';
import { dirname } from 'node:path';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where its stdout and stderr go (appended). */
  readonly logFile: string;
  /** Resolves once it answers; retried until `readyTimeoutMs`. */
  readonly ready: () => Promise<unknown>;
  readonly readyTimeoutMs?: number;
  /** How long the stop signal may take before SIGKILL. */
  readonly stopGraceMs?: number;
  /** The graceful stop signal (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  readonly stopSignal?: NodeJS.Signals;
  /** Run as this user and group (a root parent starting PostgreSQL, which refuses root). */
  readonly uid?: number;
  readonly gid?: number;
}

export class ManagedProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Called when the process exits without having been asked to (a crash). */
  onUnexpectedExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | null = null;
  private expectingExit = false;

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    // A part's log may quote what it handled: the owner's alone (0600 in a 0700 folder).
    privateDir(dirname(this.spec.logFile));
    // Opened now, not when the stream gets round to it: the file exists, with its mode, before
    // the part runs (a part that starts and stops at once still leaves its log).
    this.log ??= createWriteStream(this.spec.logFile, {
      fd: openSync(this.spec.logFile, 'a', PRIVATE_FILE_MODE),
    });
    this.expectingExit = false;
    const child = spawn(this.spec.command, [...this.spec.args], {
      env: { ...process.env, ...this.spec.env },
      cwd: this.spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.spec.uid !== undefined ? { uid: this.spec.uid, gid: this.spec.gid } : {}),
    });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.expectingExit) this.onUnexpectedExit?.(code, signal);
        resolve();
      }),
    );
    const deadline = Date.now() + (this.spec.readyTimeoutMs ?? 120_000);
    let last: unknown;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up (see ${this.spec.logFile})`);
      try {
        await this.spec.ready();
        return;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} did not become ready: ${String(last)} (see ${this.spec.logFile})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill(this.spec.stopSignal ?? 'SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), this.spec.stopGraceMs ?? 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL, as a crash would: nothing is flushed or drained. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.expectingExit = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Closes the log (after the last stop). */
  close(): void {
    this.log?.end();
    this.log = null;
  }
}
