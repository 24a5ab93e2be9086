/**
 * How every long-running entry point (the worker, the portal, the codec server, `npm start`, the
 * production stack) starts and ends, in one place: run `main`, stop cleanly on SIGINT or SIGTERM,
 * and exit 2 for a configuration error (said as such), 1 for anything else. The CLI, which answers
 * coordinators in Spanish with its own exit codes, has its own (src/cli/main.ts).
 */
import { ConfigError } from '../config';
import { TrustConfigurationError } from '../signatures';

export const EXIT_CONFIGURATION = 2;

/** Resolves on the first SIGINT or SIGTERM, after `stop` (if given) has run. */
export function untilStopped(stop?: () => Promise<void> | void): Promise<void> {
  return new Promise((resolve) => {
    const once = (): void => {
      process.off('SIGINT', once);
      process.off('SIGTERM', once);
      void Promise.resolve(stop?.()).then(() => resolve());
    };
    process.once('SIGINT', once);
    process.once('SIGTERM', once);
  });
}

/**
 * Runs an entry point's `main` when its module is the one Node started (`module` is the caller's).
 * @param exitWhenDone exit with 0 once `main` resolves (servers that keep the loop alive say false).
 * @param showStack print an unexpected failure whole, stack included (the worker's and the portal's
 *   operators), rather than its message alone (the local stacks and the codec server).
 */
export function runMain(
  module: NodeJS.Module,
  main: () => Promise<void>,
  { exitWhenDone = true, showStack = false }: { exitWhenDone?: boolean; showStack?: boolean } = {},
): void {
  if (require.main !== module) return;
  main().then(
    () => {
      if (exitWhenDone) process.exit(0);
    },
    (error: unknown) => {
      if (error instanceof ConfigError || error instanceof TrustConfigurationError) {
        console.error(`error de configuración: ${error.message}`);
        process.exit(EXIT_CONFIGURATION);
      }
      console.error(error instanceof Error && !showStack ? error.message : error);
      process.exit(1);
    },
  );
}
