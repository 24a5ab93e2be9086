/** Temporal Schedules the CLI keeps (the weekly digest, the daily renewal of archive time-stamps). */
import {
  ScheduleAlreadyRunning,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';

/**
 * Creates the Schedule `id`, or gives the existing one this spec and action (a re-run with other
 * options changes it, never duplicates it). Resolves whether it was created and its next action time.
 */
export async function upsertSchedule(
  client: Client,
  id: string,
  spec: ScheduleSpec,
  action: ScheduleOptionsAction,
): Promise<{ readonly created: boolean; readonly next: Date | null }> {
  let created = true;
  try {
    await client.schedule.create({ scheduleId: id, spec, action });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(id).update((previous) => ({ ...previous, spec, action }));
    created = false;
  }
  const description = await client.schedule.getHandle(id).describe();
  return { created, next: description.info.nextActionTimes[0] ?? null };
}
