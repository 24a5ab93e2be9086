/**
 * A PostgreSQL cluster of the stack's own (Debian's PostgreSQL 15 here): initialised once in
 * DATA_DIR, listening on loopback only, with a `temporal` role whose password is generated once
 * and kept beside it. PostgreSQL refuses to run as root, so a root parent runs it as the
 * `postgres` user.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { TemporalSetupError } from './binaries';
import { ManagedProcess } from './managed-process';

export interface PostgresOptions {
  readonly dir: string;
  readonly port: number;
  readonly log: (line: string) => void;
}

/** The directory of initdb, postgres, pg_isready and psql: PG_BIN_DIR, PATH, or Debian's newest. */
function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  // Where initdb really lives (PATH may hold a link to it, without pg_isready and psql beside).
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return dirname(realpathSync(onPath));
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest && existsSync(join(debian, newest, 'bin', 'initdb'))) return join(debian, newest, 'bin');
  throw new TemporalSetupError(
    'PostgreSQL not found: install it (apt-get install postgresql) or set PG_BIN_DIR',
  );
}

/** As root, the `postgres` account's uid and gid; otherwise nothing (run as ourselves). */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0)
    throw new TemporalSetupError(
      'running as root, PostgreSQL needs the `postgres` user (apt-get install postgresql)',
    );
  return { uid, gid: id('-g') };
}

export class Postgres {
  readonly process: ManagedProcess;
  readonly password: string;
  private readonly bin = binDir();
  private readonly account = runAs();

  constructor(private readonly options: PostgresOptions) {
    const data = join(options.dir, 'data');
    this.password = this.ensureCluster(data);
    this.process = new ManagedProcess({
      name: 'PostgreSQL',
      command: join(this.bin, 'postgres'),
      args: ['-D', data, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-k', options.dir],
      logFile: join(options.dir, 'postgres.log'),
      ready: () => this.isReady(),
      stopSignal: 'SIGINT', // fast shutdown: SIGTERM would wait for every client to leave
      ...(this.account ?? {}),
    });
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  private run(command: string, args: readonly string[]): string {
    const result = spawnSync(join(this.bin, command), args, {
      encoding: 'utf8',
      ...(this.account ?? {}),
    });
    if (result.status !== 0)
      throw new TemporalSetupError(`${command} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
  }

  private async isReady(): Promise<void> {
    const result = spawnSync(join(this.bin, 'pg_isready'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.options.port),
    ]);
    if (result.status !== 0) throw new Error('not accepting connections yet');
  }

  /** initdb once (then reused); the `temporal` role's password, generated once. */
  private ensureCluster(data: string): string {
    mkdirSync(this.options.dir, { recursive: true });
    const passwordFile = join(this.options.dir, 'temporal-password');
    if (!existsSync(passwordFile))
      writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    if (this.account) {
      // PostgreSQL's own account must own its directory (and reach it: DATA_DIR is made traversable).
      chownSync(this.options.dir, this.account.uid, this.account.gid);
      chmodSync(this.options.dir, 0o700);
    }
    if (!existsSync(join(data, 'PG_VERSION'))) {
      this.options.log('initialising PostgreSQL (once)…');
      const superPassword = join(this.options.dir, 'superuser-password');
      writeFileSync(superPassword, randomBytes(18).toString('base64url'), { mode: 0o600 });
      if (this.account) chownSync(superPassword, this.account.uid, this.account.gid);
      this.run('initdb', [
        '-D',
        data,
        '-U',
        'postgres',
        `--pwfile=${superPassword}`,
        '-A',
        'scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ]);
    }
    return readFileSync(passwordFile, 'utf8').trim();
  }

  /** Starts it and makes sure the `temporal` role exists (it creates Temporal's databases). */
  async start(): Promise<void> {
    await this.process.start();
    const exists = this.psql(`SELECT 1 FROM pg_roles WHERE rolname = 'temporal'`).trim() === '1';
    if (!exists) this.psql(`CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${this.password}'`);
  }

  private psql(sql: string): string {
    return this.run('psql', [
      '-h',
      this.options.dir,
      '-p',
      String(this.options.port),
      '-U',
      'postgres',
      '-tAc',
      sql,
    ]);
  }
}
