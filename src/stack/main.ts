/**
 * `npm run stack:production`: the production topology on this machine (see production.ts).
 * Prints every URL and how to point the CLI at it (cli.env); Ctrl-C stops everything, the parts in
 * reverse order of starting.
 */
import { runMain, untilStopped } from '../wiring/main';
import { cliEnvUsage } from './cli-env';
import { startProductionStack } from './production';

const log = (line: string): void => console.log(`[stack] ${line}`);

async function main(): Promise<void> {
  const stack = await startProductionStack({ log });
  log('ready:');
  for (const [what, url] of Object.entries(stack.urls)) log(`  ${what.padEnd(20)} ${url}`);
  for (const line of cliEnvUsage(stack.cliEnvFile)) log(line);
  log('Ctrl-C stops everything');
  await untilStopped(async () => {
    log('stopping…');
    await stack.stop();
  });
}

runMain(module, main);
