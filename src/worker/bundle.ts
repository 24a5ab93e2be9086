/**
 * The workflow code, bundled once at build time (`npm run build` writes
 * dist/workflow-bundle.js), as Temporal recommends for production: the worker then starts
 * without webpack, faster and without the bundler's memory. A worker without the file (tests run
 * from the sources) bundles at start as before.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './plugin';

/** Where the build writes the bundle: beside dist/src. */
export const WORKFLOW_BUNDLE = join(__dirname, '..', '..', 'workflow-bundle.js');

/** The `Worker.create` option for our workflows: the prebuilt bundle when there is one. */
export function workflowCode(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return __filename.endsWith('.js') && existsSync(WORKFLOW_BUNDLE)
    ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
    : { workflowsPath };
}

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: require.resolve('../codec/failure-converter'),
    logger: {
      log: () => {},
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: console.warn,
      error: console.error,
    },
  });
  writeFileSync(WORKFLOW_BUNDLE, code);
  console.log(`workflow bundle: ${WORKFLOW_BUNDLE} (${(code.length / 1024 / 1024).toFixed(2)} MiB)`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
