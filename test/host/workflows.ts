/**
 * A host application's own workflows module, as docs/hosting.md shows: its workflows, plus manifiesta's
 * re-exported so that its one worker hosts both.
 */
export { adhesionProcess } from '../../src/workflows';

export async function hostGreeting(name: string): Promise<string> {
  return `hola, ${name}`;
}
