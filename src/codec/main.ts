/**
 * `npm run codec-server`: the codec server alone, configured by the environment: PAYLOAD_KEYS,
 * PAYLOAD_KEY_ID, CODEC_PORT (8234), CODEC_HOST (127.0.0.1), CODEC_AUTH and/or CODEC_OIDC_ISSUER
 * (+ CODEC_OIDC_AUDIENCE), CODEC_ALLOWED_HOSTS, CODEC_ENCODE, CODEC_ACCESS_LOG, and
 * TEMPORAL_UI_URL (the Web UI's origin, the only one whose browsers may call it).
 */
import { appendFileSync } from 'node:fs';
import { codecConfig } from '../config';
import { runMain, untilStopped } from '../wiring/main';
import { PRIVATE_FILE_MODE } from '../storage/private-files';
import { buildCodecServer, type CodecAccessRecord } from './server';

/**
 * @param local `--local`: serve this machine only, without a token (loopback Host and listening
 *   address enforced); what `npm run stack:production` runs for its Web UI without single sign-on.
 */
export async function runCodecServer(
  env: NodeJS.ProcessEnv = process.env,
  local = process.argv.includes('--local'),
): Promise<void> {
  const config = codecConfig(env, 'production', local);
  if (config.allowAnonymous)
    console.warn('manifiesta codec server: --local, no token required: anyone on this machine may decode');
  // The record of who read personal data: to a file of its own (the owner's only) or to stdout.
  const record = config.accessLog
    ? (entry: CodecAccessRecord) =>
        appendFileSync(config.accessLog!, `${JSON.stringify(entry)}\n`, { mode: PRIVATE_FILE_MODE })
    : undefined;
  const app = await buildCodecServer({ ...config, ...(record ? { record } : {}) });
  const stop = async (): Promise<void> => {
    await app.close();
  };
  void untilStopped(stop);
  await app.listen({ port: config.port, host: config.host });
  const who = [config.auth ? 'CODEC_AUTH' : null, config.oidc ? `SSO ${config.oidc.issuer}` : null].filter(
    Boolean,
  );
  console.log(
    `manifiesta codec server: http://${config.host}:${config.port} (Web UI origins: ${config.allowedOrigins.join(', ')}; hosts: ${config.allowedHosts.join(', ') || 'loopback'}; bearer: ${who.join(' or ')}; /encode ${config.encode ? 'enabled' : 'off'}; decodes recorded to ${config.accessLog ?? 'stdout'})`,
  );
}

runMain(module, () => runCodecServer(), { exitWhenDone: false });
