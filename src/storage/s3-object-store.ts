/**
 * The object store on S3 or any S3-compatible server (the tests use versitygw), with the AWS SDK
 * for JavaScript v3. Written once with a conditional put (`If-None-Match: *`): the server refuses
 * a second write of a key (412), which is how two workers storing the same evidence agree.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, StoreUnavailableError, type ObjectStore } from './object-store';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash (may be empty). */
  readonly prefix: string;
  /** A custom endpoint (an S3-compatible server); AWS's own when absent. */
  readonly endpoint?: string | undefined;
  readonly region: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle: boolean;
  /** Explicit credentials; the AWS SDK's usual chain (the environment, profiles, roles) when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  constructor(readonly s3: S3Location) {
    // Credentials from the SDK's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles,
    // instance roles). Fail fast: the callers (activities, the portal) decide about retrying.
    this.client = new S3Client({
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      maxAttempts: 2,
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      ...(s3.credentials ? { credentials: { ...s3.credentials } } : {}),
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
    });
  }

  get location(): string {
    return `s3://${this.s3.bucket}/${this.s3.prefix}`;
  }

  private keyOf(key: string): string {
    return this.s3.prefix ? `${this.s3.prefix}/${checkKey(key)}` : checkKey(key);
  }

  async putOnce(key: string, bytes: Uint8Array): Promise<'written' | 'exists'> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.s3.bucket, Key: this.keyOf(key), Body: bytes, IfNoneMatch: '*' }),
      );
      return 'written';
    } catch (error) {
      const status = (error as S3ServiceException).$metadata?.httpStatusCode;
      // 412: the key exists. 409: a concurrent conditional write of the same key (AWS) won.
      if (status === 412 || status === 409) return 'exists';
      throw unavailable(error, `storing ${key}`);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.s3.bucket, Key: this.keyOf(key) }),
      );
      return Buffer.from(await response.Body!.transformToByteArray());
    } catch (error) {
      if ((error as S3ServiceException).name === 'NoSuchKey') return null;
      throw unavailable(error, `reading ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: this.keyOf(key) }));
    } catch (error) {
      throw unavailable(error, `deleting ${key}`);
    }
  }

  async replace(key: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.s3.bucket, Key: this.keyOf(key), Body: bytes }),
      );
    } catch (error) {
      throw unavailable(error, `replacing ${key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const base = this.s3.prefix ? `${this.s3.prefix}/` : '';
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.s3.bucket,
            Prefix: `${base}${prefix}`,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        throw unavailable(error, `listing ${prefix || 'the store'}`);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key?.startsWith(base)) yield object.Key.slice(base.length);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async ready(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.s3.bucket }));
    } catch (error) {
      throw unavailable(error, `reaching bucket ${this.s3.bucket}`);
    }
  }
}

function unavailable(error: unknown, what: string): StoreUnavailableError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return new StoreUnavailableError(
    `the object store failed ${what}: ${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`,
  );
}
