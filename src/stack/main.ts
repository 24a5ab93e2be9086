/**
 * `npm run stack:production`: the production topology on this machine (see production.ts).
 * Prints every URL and how to point the CLI at it (cli.env); Ctrl-C stops everything, the parts in reverse order of starting.
 */
import { cliEnvUsage } from './cli-env';
import { startProductionStack } from './production';

const log = (line: string): void => console.log(`[stack] ${line}`);

async function main(): Promise<void> {
  const stack = await startProductionStack({ log });
  log('ready:');
  for (const [what, url] of Object.entries(stack.urls)) log(`  ${what.padEnd(20)} ${url}`);
  for (const line of cliEnvUsage(stack.cliEnvFile)) log(line);
  log('Ctrl-C stops everything');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log('stopping…');
      void stack.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
