/**
 * The S3-compatible object store of the stack: versitygw, an S3 gateway over a folder (written
 * once is its own guarantee: it refuses a conditional put of an existing key with 412). Its root
 * credentials are generated once and kept in DATA_DIR; the bucket is created on first start.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ManagedProcess } from './managed-process';

export interface ObjectStoreServerOptions {
  readonly dir: string;
  readonly port: number;
  readonly binary: string;
  readonly bucket: string;
}

export class ObjectStoreServer {
  readonly process: ManagedProcess;
  readonly accessKey: string;
  readonly secretKey: string;

  constructor(private readonly options: ObjectStoreServerOptions) {
    mkdirSync(join(options.dir, 'objects'), { recursive: true });
    const credentials = join(options.dir, 'credentials.json');
    if (!existsSync(credentials)) {
      const generated = {
        accessKey: `mf${randomBytes(6).toString('hex')}`,
        secretKey: randomBytes(24).toString('base64url'),
      };
      writeFileSync(credentials, JSON.stringify(generated), { mode: 0o600 });
    }
    ({ accessKey: this.accessKey, secretKey: this.secretKey } = JSON.parse(
      readFileSync(credentials, 'utf8'),
    ) as {
      accessKey: string;
      secretKey: string;
    });
    this.process = new ManagedProcess({
      name: 'object store (versitygw)',
      command: options.binary,
      args: [
        '--port',
        `127.0.0.1:${options.port}`,
        '--region',
        'us-east-1',
        'posix',
        join(options.dir, 'objects'),
      ],
      env: { ROOT_ACCESS_KEY: this.accessKey, ROOT_SECRET_KEY: this.secretKey },
      logFile: join(options.dir, 'versitygw.log'),
      ready: () => this.client().send(new ListBucketsCommand({})),
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** The environment a worker, portal or CLI needs to use the store. */
  get env(): NodeJS.ProcessEnv {
    return {
      EVIDENCE_URL: `s3://${this.options.bucket}/evidencia`,
      S3_ENDPOINT: this.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: this.accessKey,
      AWS_SECRET_ACCESS_KEY: this.secretKey,
    };
  }

  private client(): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: this.accessKey, secretAccessKey: this.secretKey },
    });
  }

  async start(): Promise<void> {
    await this.process.start();
    try {
      await this.client().send(new CreateBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }
}
