/**
 * The S3-compatible object store of the stack: versitygw, an S3 gateway over a folder (written
 * once is its own guarantee: it refuses a conditional put of an existing key with 412). Its root
 * credentials are generated once and kept in DATA_DIR; the bucket is created on first start.
 *
 * No part uses the root account. The workers (and the CLI) get an account that may read, write and
 * delete under the evidence prefix; the portals one that may only read: a portal broken into
 * cannot alter or remove evidence. versitygw keeps the accounts in its IAM folder (`--iam-dir`)
 * and enforces a bucket policy naming them (its `user` accounts may do nothing without one).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { applyBucketPolicy } from './object-store-policy';
import { PRIVATE_FILE_MODE, privateDir } from '../storage/private-files';
import { ManagedProcess } from './managed-process';

export interface ObjectStoreServerOptions {
  readonly dir: string;
  readonly port: number;
  readonly binary: string;
  readonly bucket: string;
}

interface Account {
  readonly accessKey: string;
  readonly secretKey: string;
}

/** The accounts: root (the stack's own setup), and one for writers and one for readers. */
interface Accounts {
  readonly root: Account;
  readonly writer: Account;
  readonly reader: Account;
}

/** Where the parts keep evidence in the bucket (EVIDENCE_URL's prefix). */
const PREFIX = 'evidencia';

export class ObjectStoreServer {
  readonly process: ManagedProcess;
  private readonly accounts: Accounts;

  constructor(private readonly options: ObjectStoreServerOptions) {
    privateDir(join(options.dir, 'objects'));
    privateDir(join(options.dir, 'iam'));
    const file = join(options.dir, 'credentials.json');
    const account = (prefix: string): Account => ({
      accessKey: `${prefix}${randomBytes(6).toString('hex')}`,
      secretKey: randomBytes(24).toString('base64url'),
    });
    const stored = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Accounts> & Account)
      : null;
    // Stacks made before the accounts existed kept the root's keys at the top level.
    this.accounts = {
      root:
        stored?.root ??
        (stored?.accessKey ? { accessKey: stored.accessKey, secretKey: stored.secretKey } : account('mf')),
      writer: stored?.writer ?? account('mfw'),
      reader: stored?.reader ?? account('mfr'),
    };
    writeFileSync(file, JSON.stringify(this.accounts), { mode: PRIVATE_FILE_MODE });
    this.process = new ManagedProcess({
      name: 'object store (versitygw)',
      command: options.binary,
      args: [
        '--port',
        `127.0.0.1:${options.port}`,
        '--region',
        'us-east-1',
        // The accounts live here, beside (never inside) the objects' folder.
        '--iam-dir',
        join(options.dir, 'iam'),
        'posix',
        join(options.dir, 'objects'),
      ],
      env: { ROOT_ACCESS_KEY: this.accounts.root.accessKey, ROOT_SECRET_KEY: this.accounts.root.secretKey },
      logFile: join(options.dir, 'versitygw.log'),
      ready: () => this.client(this.accounts.root).send(new ListBucketsCommand({})),
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  private envOf(account: Account): NodeJS.ProcessEnv {
    return {
      EVIDENCE_URL: `s3://${this.options.bucket}/${PREFIX}`,
      S3_ENDPOINT: this.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: account.accessKey,
      AWS_SECRET_ACCESS_KEY: account.secretKey,
    };
  }

  /** What a worker or the CLI needs to use the store: read, write and delete under the prefix. */
  get env(): NodeJS.ProcessEnv {
    return this.envOf(this.accounts.writer);
  }

  /** What a portal needs: read only. */
  get readOnlyEnv(): NodeJS.ProcessEnv {
    return this.envOf(this.accounts.reader);
  }

  private client(account: Account): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: account.accessKey, secretAccessKey: account.secretKey },
    });
  }

  /** `versitygw admin create-user`, tolerating an account made by an earlier start. */
  private createUser(account: Account): void {
    const result = spawnSync(
      this.options.binary,
      [
        'admin',
        '--access',
        this.accounts.root.accessKey,
        '--secret',
        this.accounts.root.secretKey,
        '--endpoint-url',
        this.endpoint,
        'create-user',
        '--access',
        account.accessKey,
        '--secret',
        account.secretKey,
        '--role',
        'user',
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0 && !/exist/i.test(`${result.stdout}${result.stderr}`))
      throw new Error(
        `versitygw admin create-user failed: ${(result.stderr || result.stdout).slice(0, 300)}`,
      );
  }

  async start(): Promise<void> {
    await this.process.start();
    // The accounts exist before the policy names them (versitygw refuses a policy naming strangers).
    this.createUser(this.accounts.writer);
    this.createUser(this.accounts.reader);
    await applyBucketPolicy(this.client(this.accounts.root), {
      bucket: this.options.bucket,
      prefix: PREFIX,
      writer: this.accounts.writer.accessKey,
      reader: this.accounts.reader.accessKey,
    });
  }
}
