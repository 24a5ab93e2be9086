/**
 * A local SMTP server that keeps what it receives (DESIGN §4): the outbox people read in `npm start`
 * and tests assert on. It can be taken down and brought back on the same port to rehearse an
 * unreachable relay.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE_MODE, privateDir } from '../storage/private-files';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface OutboxMessage {
  readonly id: number;
  readonly receivedAt: string;
  readonly envelopeTo: readonly string[];
  readonly mail: ParsedMail;
  readonly raw: Buffer;
}

export class Outbox {
  readonly messages: OutboxMessage[] = [];
  private server: SMTPServer | null = null;
  private waiters: (() => void)[] = [];
  private readonly listeners = new Set<(message: OutboxMessage) => void>();
  port = 0;

  /** With `dir`, every message is also kept there as `<n>.eml` and read back by {@link load}. */
  constructor(private readonly dir?: string) {}

  /** Reads back the messages an earlier run kept in `dir`. */
  async load(): Promise<void> {
    if (!this.dir) return;
    // Each message holds live signing links: the owner's alone.
    privateDir(this.dir);
    const files = readdirSync(this.dir)
      .filter((name) => /^\d+\.eml$/.test(name))
      .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    for (const name of files) {
      const raw = readFileSync(join(this.dir, name));
      const mail = await simpleParser(raw);
      const to = [mail.to].flat().flatMap((a) => a?.value.map((v) => v.address ?? '') ?? []);
      this.messages.push({
        id: parseInt(name, 10),
        receivedAt: (mail.date ?? new Date()).toISOString(),
        envelopeTo: to,
        mail,
        raw,
      });
    }
  }

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 25 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (mail) => {
              const id = (this.messages.at(-1)?.id ?? 0) + 1;
              if (this.dir) writeFileSync(join(this.dir, `${id}.eml`), raw, { mode: PRIVATE_FILE_MODE });
              const message: OutboxMessage = {
                id,
                receivedAt: new Date().toISOString(),
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
                mail,
                raw,
              };
              this.messages.push(message);
              for (const listener of this.listeners) listener(message);
              for (const wake of this.waiters.splice(0)) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    // A client that vanishes mid-conversation (a worker killed while sending) is its own
    // problem, not the outbox's: without a listener the error would end the whole process.
    server.on('error', () => {});
    this.server = server;
    const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
    this.port = address.port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Settles when the SMTP server stops listening (asked to, or not). */
  closed(): Promise<string> {
    const server = (
      this.server as unknown as { server?: { once(event: 'close', fn: () => void): void } } | null
    )?.server;
    return new Promise((resolve) => server?.once('close', () => resolve('its SMTP server closed')));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Calls `listener` with each message received from now on; returns the function that stops it. */
  onMessage(listener: (message: OutboxMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first message (received so far or later) that matches, or rejects after `timeoutMs`. */
  async waitFor(
    predicate: (m: OutboxMessage) => boolean,
    timeoutMs = 30_000,
    what = 'a matching email',
  ): Promise<OutboxMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.messages.map((m) => `${m.envelopeTo.join(',')}: ${m.mail.subject}`).join('\n  ');
        throw new Error(`timed out waiting for ${what}; outbox has:\n  ${seen || '(nothing)'}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
