import assert from 'node:assert/strict';
import { Supervisor, type RunningPart } from '../../src/dev/supervisor';

/** A part that runs until `kill` is called, like a child process. */
function part(): RunningPart & { kill(why: string): void } {
  let kill: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (kill = resolve));
  return { stopped, stop: async () => kill('stopped'), kill: (why) => kill(why) };
}

const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start’s supervisor (fake parts)', function () {
  it('starts a part again when a restart fails once, counting the failure as a stop', async function () {
    const lines: string[] = [];
    const supervisor = new Supervisor((line) => lines.push(line), 3, 5);
    const parts: ReturnType<typeof part>[] = [];
    let attempts = 0;
    await supervisor.keep('the server', async () => {
      attempts++;
      if (attempts === 2) throw new Error('port in use');
      const p = part();
      parts.push(p);
      return p;
    });
    parts[0]!.kill('killed by SIGKILL');
    await tick(100);
    assert.equal(attempts, 3);
    assert.deepEqual(lines, [
      'the server stopped (killed by SIGKILL); starting it again (1/3)',
      'the server stopped (could not be started again: port in use); starting it again (2/3)',
      'the server is running again',
    ]);
    await supervisor.stopAll();
  });

  it('gives up with the reason when the part cannot be started again', async function () {
    const supervisor = new Supervisor(() => {}, 3, 5);
    let first = true;
    const initial = part();
    await supervisor.keep('the server', async () => {
      if (first) {
        first = false;
        return initial;
      }
      throw new Error('exited with 1');
    });
    initial.kill('killed by SIGKILL');
    assert.equal(
      await supervisor.gaveUp,
      'the server stopped (could not be started again: exited with 1) 4 times in a row; giving up',
    );
  });
});
