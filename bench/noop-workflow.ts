/** The baseline for update latency: a workflow whose update does nothing. */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const noopUpdate = defineUpdate<number, [number]>('noop');
export const finishUpdate = defineUpdate<void, []>('finish');

export async function benchNoop(): Promise<void> {
  let done = false;
  setHandler(noopUpdate, (n) => n);
  setHandler(finishUpdate, () => {
    done = true;
  });
  await condition(() => done);
}
