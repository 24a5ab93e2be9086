/**
 * Who may do what in the evidence bucket: the workers (and the CLI) read, write and delete under
 * the evidence prefix; the portals only read it. versitygw (and S3) enforce it as a bucket policy
 * naming each account by its access key. The stack applies it at every start; docker-compose.yml's
 * first start runs `node dist/src/stack/object-store-policy.js` with the root account.
 */
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';

export interface BucketAccounts {
  readonly bucket: string;
  /** The evidence prefix (EVIDENCE_URL's path). */
  readonly prefix: string;
  /** Access keys: the writers' (workers, CLI) and the readers' (portals). */
  readonly writer: string;
  readonly reader: string;
}

export function bucketPolicy(accounts: BucketAccounts): string {
  const bucket = `arn:aws:s3:::${accounts.bucket}`;
  const objects = `${bucket}/${accounts.prefix}/*`;
  const statement = (sid: string, who: string, actions: string[], resource: string) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: [who] },
    Action: actions,
    Resource: [resource],
  });
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      statement('WorkersList', accounts.writer, ['s3:ListBucket'], bucket),
      statement(
        'WorkersEvidence',
        accounts.writer,
        ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        objects,
      ),
      statement('PortalsList', accounts.reader, ['s3:ListBucket'], bucket),
      statement('PortalsRead', accounts.reader, ['s3:GetObject'], objects),
    ],
  });
}

/** Creates the bucket (once) and puts the policy, as the root account `client` is. */
export async function applyBucketPolicy(client: S3Client, accounts: BucketAccounts): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: accounts.bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
  await client.send(new PutBucketPolicyCommand({ Bucket: accounts.bucket, Policy: bucketPolicy(accounts) }));
}

if (require.main === module) {
  // docker-compose.yml: S3_ENDPOINT, the root's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and the
  // two accounts' access keys.
  const env = process.env;
  const missing = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_WRITER_ACCESS_KEY', 'S3_READER_ACCESS_KEY'].filter(
    (n) => !env[n],
  );
  if (missing.length > 0) {
    console.error(`set ${missing.join(', ')}`);
    process.exit(2);
  }
  applyBucketPolicy(
    new S3Client({ endpoint: env.S3_ENDPOINT, region: env.AWS_REGION || 'us-east-1', forcePathStyle: true }),
    {
      bucket: env.S3_BUCKET!,
      prefix: env.S3_PREFIX || 'evidencia',
      writer: env.S3_WRITER_ACCESS_KEY!,
      reader: env.S3_READER_ACCESS_KEY!,
    },
  ).then(
    () =>
      console.log(
        `bucket ${env.S3_BUCKET}: writers ${env.S3_WRITER_ACCESS_KEY}, readers ${env.S3_READER_ACCESS_KEY}`,
      ),
    (error: unknown) => {
      console.error(`bucket policy not applied: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
