/**
 * The Temporal plugin (DESIGN §6): registers manifiesta's activities on any worker, so an existing
 * worker hosts the adhesion process by adding one entry to `plugins`. A TypeScript plugin cannot
 * add workflows to a host's own bundle: the host either takes {@link workflowsPath} or re-exports
 * `adhesionProcess` from its workflows module (docs/hosting.md shows both).
 */
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverter } from '../codec/data-converter';
import type { Keyring } from '../codec/keyring';

/** Our workflows module, for `Worker.create({ workflowsPath })`. */
export const workflowsPath = require.resolve('../workflows');

/**
 * The activities, and the data converter that encrypts payloads with `keyring` (docs/privacy.md):
 * the worker's and those of clients configured with the plugin. A host that passes no
 * keyring must set our data converter itself, or personal data reaches Temporal in plaintext.
 */
export function manifiestaPlugin(deps: ActivityDeps, options: { keyring?: Keyring } = {}): SimplePlugin {
  return new SimplePlugin({
    name: 'manifiesta',
    activities: createActivities(deps),
    ...(options.keyring ? { dataConverter: dataConverter(options.keyring) } : {}),
  });
}
