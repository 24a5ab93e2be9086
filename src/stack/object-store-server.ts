/**
 * The S3-compatible object store of the stack: versitygw, an S3 gateway over a folder (written
 * once is its own guarantee: it refuses a conditional put of an existing key with 412). Its root
 * credentials are generated once and kept in DATA_DIR; the bucket is created on first start.
 *
 * No part uses the root account. The workers (and the CLI) get an account that may read, write and
 * delete under the evidence prefix; the portals one that may only read: a portal broken into
 * cannot alter or remove evidence. Temporal's server gets one that may read and write (not delete)
 * under its own prefix, where it archives the histories of closed workflows (history archival,
 * see temporal-server.ts). versitygw keeps the accounts in its IAM folder (`--iam-dir`) and
 * enforces a bucket policy naming them (its `user` accounts may do nothing without one).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { applyBucketPolicy, bucketPolicy, type BucketAccounts } from './object-store-policy';
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

/**
 * The accounts: root (the stack's own setup), one for writers and one for readers, and Temporal's
 * server's (its history archive).
 */
interface Accounts {
  readonly root: Account;
  readonly writer: Account;
  readonly reader: Account;
  readonly temporal: Account;
}

/** Where the parts keep evidence in the bucket (EVIDENCE_URL's prefix). */
const PREFIX = 'evidencia';

/**
 * Where Temporal's server archives histories: beside the evidence, never under its prefix (whose
 * every object is sealed evidence or a record: `manifiesta reseal` reads them all).
 */
const HISTORY_PREFIX = 'temporal-history';

const REGION = 'us-east-1';

/** Where and as whom Temporal's server archives the histories of closed workflows. */
export interface HistoryArchive {
  /** The namespace's history archival URI (`s3://bucket/prefix`). */
  readonly uri: string;
  readonly endpoint: string;
  readonly region: string;
  /** The server's environment for the AWS SDK: its own account. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The evidence accounts' policy, and Temporal's server's: list the bucket (the archiver checks it
 * exists, and finds an archived run's versions, with ListObjectsV2), read and write its histories.
 * It may not delete: an archived history is kept.
 */
function stackBucketPolicy(accounts: BucketAccounts, temporal: string): string {
  const policy = JSON.parse(bucketPolicy(accounts)) as { Statement: object[] };
  const bucket = `arn:aws:s3:::${accounts.bucket}`;
  policy.Statement.push(
    {
      Sid: 'TemporalList',
      Effect: 'Allow',
      Principal: { AWS: [temporal] },
      Action: ['s3:ListBucket'],
      Resource: [bucket],
    },
    {
      Sid: 'TemporalHistoryArchive',
      Effect: 'Allow',
      Principal: { AWS: [temporal] },
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [`${bucket}/${HISTORY_PREFIX}/*`],
    },
  );
  return JSON.stringify(policy);
}

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
      temporal: stored?.temporal ?? account('mft'),
    };
    writeFileSync(file, JSON.stringify(this.accounts), { mode: PRIVATE_FILE_MODE });
    this.process = new ManagedProcess({
      name: 'object store (versitygw)',
      command: options.binary,
      args: [
        '--port',
        `127.0.0.1:${options.port}`,
        '--region',
        REGION,
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
      AWS_REGION: REGION,
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

  /** Where Temporal's server archives histories, with its account (read and write there only). */
  get historyArchive(): HistoryArchive {
    return {
      uri: `s3://${this.options.bucket}/${HISTORY_PREFIX}`,
      endpoint: this.endpoint,
      region: REGION,
      env: {
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: this.accounts.temporal.accessKey,
        AWS_SECRET_ACCESS_KEY: this.accounts.temporal.secretKey,
        // Nothing of the stack's own environment's: a session token would go with these keys, and
        // a profile would be taken instead of them.
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_DEFAULT_PROFILE: '',
      },
    };
  }

  private client(account: Account): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: REGION,
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
    this.createUser(this.accounts.temporal);
    const root = this.client(this.accounts.root);
    const accounts: BucketAccounts = {
      bucket: this.options.bucket,
      prefix: PREFIX,
      writer: this.accounts.writer.accessKey,
      reader: this.accounts.reader.accessKey,
    };
    // The bucket (once) and the evidence accounts' policy, as docker-compose.yml applies it; then
    // the whole policy, with Temporal's server's statements (a bucket has one policy document).
    await applyBucketPolicy(root, accounts);
    await root.send(
      new PutBucketPolicyCommand({
        Bucket: this.options.bucket,
        Policy: stackBucketPolicy(accounts, this.accounts.temporal.accessKey),
      }),
    );
  }
}
