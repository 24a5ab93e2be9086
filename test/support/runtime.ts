/**
 * The Temporal SDK's runtime for a test run: its own logger at ERROR (core's warnings still reach
 * stderr). Installed once per process, by whichever test needs a worker or a connection first: a
 * second `Runtime.install` throws, and files run alone or together in any order.
 */
import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function installTestRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch (error) {
    // Already made by an earlier connection: that runtime stays.
    if (!(error instanceof IllegalStateError)) throw error;
  }
}
