/** `npm run portal`: the signer portal alone, configured by the environment (DESIGN §3). */
import { EvidenceStore } from '../activities/evidence-store';
import { ConfigError, workerConfig } from '../config';
import { SigningLinks } from '../links/tokens';
import { ProcessClient } from '../process-client';
import { loadTrustStore, SignatureVerifier, TrustConfigurationError } from '../signatures';
import { connectClient } from '../temporal-connection';
import { buildPortal } from './server';

export async function runPortal(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = workerConfig(env);
  const port = Number(env.PORTAL_PORT || 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`PORTAL_PORT must be a port number (got "${env.PORTAL_PORT}")`);
  const client = await connectClient(config.temporal);
  const app = await buildPortal({
    processes: new ProcessClient(client, config.temporal.taskQueue),
    links: new SigningLinks(config.linkSecret, config.portalBaseUrl),
    evidence: new EvidenceStore(config.evidenceDir),
    verifier: new SignatureVerifier(loadTrustStore({ anchors: config.trustAnchors, crls: config.crls })),
    baseUrl: config.portalBaseUrl,
    logger: true,
  });
  const stop = async (): Promise<void> => {
    await app.close();
    await client.connection.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await app.listen({ port, host: env.PORTAL_HOST || '0.0.0.0' });
  console.log(`manifiesta portal: ${config.portalBaseUrl}`);
}

if (require.main === module) {
  runPortal().catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof TrustConfigurationError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}
