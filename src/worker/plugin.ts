/**
 * The Temporal plugin (DESIGN §6): registers manifiesta's activities on any worker, so an existing
 * worker hosts the adhesion process by adding one entry to `plugins`. A TypeScript plugin cannot
 * add workflows to a host's own bundle: the host either takes {@link workflowsPath} or re-exports
 * `adhesionProcess` from its workflows module (README shows both).
 */
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type ActivityDeps } from '../activities';

/** Our workflows module, for `Worker.create({ workflowsPath })`. */
export const workflowsPath = require.resolve('../workflows');

export function manifiestaPlugin(deps: ActivityDeps): SimplePlugin {
  return new SimplePlugin({ name: 'manifiesta', activities: createActivities(deps) });
}
