/** `manifiesta status <id>`: the process state, readable; `--json` prints the `status` query result. */
import { type Command } from 'commander';
import { resolveWorkflowId } from '../../domain/start-input';
import { withProcesses } from '../context';
import { describeProcess } from '../format';

export function registerStatus(program: Command): void {
  program
    .command('status <id>')
    .description('Muestra el estado de un proceso (clave INEGI o ID del workflow).')
    .option('--campaign <campaña>', 'campaña, cuando <id> es una clave INEGI', 'cga')
    .option('--json', 'imprime el resultado de la consulta status en JSON')
    .action(async (id: string, options: { campaign: string; json?: boolean }) => {
      await withProcesses(async ({ processes }) => {
        const state = await processes.status(resolveWorkflowId(id, options.campaign));
        process.stdout.write(options.json ? `${JSON.stringify(state, null, 2)}\n` : describeProcess(state));
      });
    });
}
