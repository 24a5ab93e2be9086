/**
 * The search attributes and Web UI details that follow a process's state. Processes before
 * version 5 write them at every change, as their histories hold; lean ones (version 5) mark the
 * change and write, once per workflow task, only the attributes whose value changed, none of those
 * the start already set.
 */
import * as wf from '@temporalio/workflow';
import type { ProcessInput, ProcessState } from '../../domain/process';
import { SearchAttributes } from '../../domain/search-attributes';
import { currentDetails } from './state';

/** What identifies a process in searches: written at its start, never changed. */
export function identityAttributes(input: ProcessInput) {
  return [
    { key: SearchAttributes.municipality, value: input.municipality },
    { key: SearchAttributes.inegiCode, value: input.inegiCode },
    { key: SearchAttributes.campaign, value: input.campaign },
  ];
}

/** What follows a process's state. */
function progressAttributes(state: ProcessState) {
  return [
    { key: SearchAttributes.stage, value: state.stage },
    { key: SearchAttributes.deadline, value: state.deadline ? new Date(state.deadline) : null },
  ];
}

export class Publisher {
  /** The search attributes as last written. */
  private readonly published = new Map<string, unknown>();
  private unpublished = false;

  constructor(private readonly lean: boolean) {
    if (lean)
      for (const pair of wf.workflowInfo().typedSearchAttributes.getAll())
        this.published.set(pair.key.name, comparable(pair.value));
  }

  /** The state changed: classic processes write now; lean ones at the next `flush`. */
  changed(state: ProcessState): void {
    if (this.lean) {
      this.unpublished = true;
      return;
    }
    wf.upsertSearchAttributes(progressAttributes(state));
    wf.setCurrentDetails(currentDetails(state));
  }

  /**
   * Lean processes: one upsert of the attributes that changed since they were last written, and
   * the Web UI details. A signature (new stage, new deadline) then costs one history event.
   */
  flush(state: ProcessState, input: ProcessInput): void {
    if (!this.lean || !this.unpublished) return;
    this.unpublished = false;
    const wanted = [...identityAttributes(input), ...progressAttributes(state)];
    const changed = wanted.filter((w) => (this.published.get(w.key.name) ?? null) !== comparable(w.value));
    if (changed.length > 0) {
      wf.upsertSearchAttributes(changed as Parameters<typeof wf.upsertSearchAttributes>[0]);
      for (const w of changed) this.published.set(w.key.name, comparable(w.value));
    }
    wf.setCurrentDetails(currentDetails(state));
  }
}

/** A search attribute's value in a form that compares by value (dates by their instant). */
function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.length === 1 ? comparable(value[0]) : JSON.stringify(value);
  return value ?? null;
}
