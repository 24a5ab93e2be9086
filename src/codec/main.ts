/**
 * `npm run codec-server`: the codec server alone, configured by the environment: PAYLOAD_KEYS,
 * PAYLOAD_KEY_ID, CODEC_PORT (8234), CODEC_HOST (127.0.0.1), CODEC_AUTH, and TEMPORAL_UI_URL (the
 * Web UI's origin, the only one whose browsers may call it; comma-separated for several).
 */
import { codecConfig, ConfigError } from '../config';
import { buildCodecServer } from './server';

export async function runCodecServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = codecConfig(env, 'production');
  const app = await buildCodecServer(config);
  const stop = async (): Promise<void> => {
    await app.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await app.listen({ port: config.port, host: config.host });
  console.log(
    `manifiesta codec server: http://${config.host}:${config.port} (Web UI origins: ${config.allowedOrigins.join(', ')}${config.auth ? '; bearer token required' : ''})`,
  );
}

if (require.main === module) {
  runCodecServer().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
