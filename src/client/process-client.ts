/**
 * Talking to adhesion processes from outside (CLI, portal, tests): starting one, finding it by
 * clave INEGI or workflow ID, querying it and sending it updates, with every Temporal failure
 * mapped to one of our error codes in one place.
 */
import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { ERROR_CODES, isErrorCode } from '../domain/errors';
import { statusQuery } from '../domain/messages';
import { WORKFLOW_TYPE, workflowIdFor, type ProcessInput, type ProcessState } from '../domain/process';
import { inputProblems } from '../domain/start-input';
import { SearchAttributes } from '../domain/search-attributes';
import type { VerificationReport } from '../domain/verification-report';
import { CodedError } from '../domain/coded-error';
import type { ProcessArchive } from '../evidence/process-archive';

export class ProcessClient {
  /** Where ended processes are read from once Temporal no longer has them (see {@link withArchive}). */
  private archive: ProcessArchive | null = null;

  /**
   * @param callTimeoutMs when set, each call to Temporal gives up after this long with
   *   TEMPORAL_UNAVAILABLE (the CLI's `--timeout`), rather than waiting for a server that is down.
   */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    readonly callTimeoutMs?: number,
  ) {}

  /**
   * Reads ended processes from `archive` too: `status` of a process Temporal no longer has (past
   * the namespace's retention, or deleted) answers from its record, and `archived` lists a
   * campaign's records.
   */
  withArchive(archive: ProcessArchive): this {
    this.archive = archive;
    return this;
  }

  /** The newest archived record of each ended process of the campaign (none without an archive). */
  async archived(campaign: string): Promise<ProcessState[]> {
    return this.archive === null ? [] : (await this.archive.campaign(campaign)).map((r) => r.state);
  }

  /** Runs one call to Temporal within the call timeout, if any. */
  private bounded<T>(call: () => Promise<T>): Promise<T> {
    return this.callTimeoutMs === undefined
      ? call()
      : this.client.withDeadline(Date.now() + this.callTimeoutMs, call);
  }

  async start(input: ProcessInput): Promise<{ workflowId: string; runId: string }> {
    const problems = inputProblems(input);
    if (problems.length > 0) throw new CodedError('MALFORMED_INPUT', problems.join('; '));
    const workflowId = workflowIdFor(input.campaign, input.inegiCode);
    try {
      const handle = await this.bounded(() =>
        this.client.workflow.start(WORKFLOW_TYPE, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [input],
          staticSummary: `Adhesión de ${input.municipality} (clave INEGI ${input.inegiCode}) a Gobierno Abierto — campaña ${input.campaign}`,
          staticDetails: `Presidencia municipal: ${input.president.name} <${input.president.email}>\n\nComisionado(a): ${input.commissioner.name} <${input.commissioner.email}>\n\nCoordinación: ${input.coordinator.email}`,
          typedSearchAttributes: new TypedSearchAttributes([
            { key: SearchAttributes.municipality, value: input.municipality },
            { key: SearchAttributes.inegiCode, value: input.inegiCode },
            { key: SearchAttributes.campaign, value: input.campaign },
            { key: SearchAttributes.stage, value: 'AwaitingMunicipalSignature' },
          ]),
        }),
      );
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new CodedError(
          'PROCESS_ALREADY_RUNNING',
          `${ERROR_CODES.PROCESS_ALREADY_RUNNING.message} En curso: ${workflowId}`,
        );
      }
      throw mapFailure(error, workflowId);
    }
  }

  /** Resolves when the Temporal frontend answers for our namespace within `timeoutMs` (readiness). */
  async ready(timeoutMs = 2_000): Promise<void> {
    await this.client.withDeadline(Date.now() + timeoutMs, () =>
      this.client.workflowService.describeNamespace({ namespace: this.client.options.namespace }),
    );
  }

  handle(workflowId: string): WorkflowHandle {
    return this.client.workflow.getHandle(workflowId);
  }

  async status(workflowId: string): Promise<ProcessState> {
    try {
      return await this.bounded(() => this.handle(workflowId).query(statusQuery));
    } catch (error) {
      const mapped = mapFailure(error, workflowId);
      if (this.archive !== null && mapped instanceof CodedError) {
        const archived = await this.archive.get(workflowId).catch(() => null);
        // Gone from Temporal; or closed, with no worker to answer the query for it: the record of
        // that very run says the same.
        if (
          archived !== null &&
          (mapped.code === 'PROCESS_NOT_FOUND' || (await this.closedRun(workflowId)) === archived.state.runId)
        )
          return archived.state;
      }
      throw mapped;
    }
  }

  /** The first run ID of the execution the workflow ID names, when it is closed; null otherwise. */
  private async closedRun(workflowId: string): Promise<string | null> {
    try {
      const description = await this.bounded(() => this.handle(workflowId).describe());
      if (description.status.name === 'RUNNING') return null;
      return description.raw.workflowExecutionInfo?.firstRunId ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Sends an update to the process, or, with a `run` (a first run ID, as signing links carry),
   * only to that process: Temporal refuses it if the workflow ID now names a later one.
   */
  async update<Ret, Args extends [unknown]>(
    target: string | { readonly workflowId: string; readonly run: string },
    update: UpdateDefinition<Ret, Args>,
    ...args: Args
  ): Promise<Ret> {
    const workflowId = typeof target === 'string' ? target : target.workflowId;
    const handle =
      typeof target === 'string'
        ? this.handle(workflowId)
        : this.client.workflow.getHandle(workflowId, undefined, { firstExecutionRunId: target.run });
    try {
      return await this.bounded(() => handle.executeUpdate(update, { args }));
    } catch (error) {
      const mapped = mapFailure(error, workflowId);
      if (mapped instanceof CodedError && mapped.code === 'PROCESS_NOT_FOUND') {
        throw await this.endedOrMissing(workflowId, mapped, typeof target === 'string' ? null : target.run);
      }
      throw mapped;
    }
  }

  /**
   * Temporal answers "not found" to an update on a closed execution, or on a run that the workflow
   * ID no longer names: tell an ended process from a later one, and from a missing one.
   */
  private async endedOrMissing(
    workflowId: string,
    notFound: CodedError,
    run: string | null,
  ): Promise<CodedError> {
    try {
      const description = await this.handle(workflowId).describe();
      if (run !== null && description.raw.workflowExecutionInfo?.firstRunId !== run) {
        return new CodedError('LINK_SUPERSEDED', ERROR_CODES.LINK_SUPERSEDED.message);
      }
      const stage = description.typedSearchAttributes.get(SearchAttributes.stage) ?? description.status.name;
      return new CodedError(
        'WRONG_STAGE',
        `${ERROR_CODES.WRONG_STAGE.message} (el proceso ya terminó: ${stage})`,
      );
    } catch {
      return notFound;
    }
  }
}

/** Temporal failures to our codes: the one place that does it. */
export function mapFailure(error: unknown, workflowId: string): unknown {
  if (unavailable(error)) {
    return new CodedError(
      'TEMPORAL_UNAVAILABLE',
      `${ERROR_CODES.TEMPORAL_UNAVAILABLE.message} (Temporal no respondió: ${(error as Error).message})`,
    );
  }
  if (
    error instanceof WorkflowNotFoundError ||
    (error as { name?: string })?.name === 'WorkflowNotFoundError'
  ) {
    return new CodedError('PROCESS_NOT_FOUND', `${ERROR_CODES.PROCESS_NOT_FOUND.message} (${workflowId})`);
  }
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : error;
  if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
    const report = (cause.details?.[0] as VerificationReport | undefined) ?? undefined;
    return new CodedError(cause.type, cause.message, report);
  }
  return error;
}

/** gRPC status codes (a stable part of the gRPC specification). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_UNAVAILABLE = 14;

/**
 * Temporal down, unreachable, too slow or too busy for now, on the error or its cause: gRPC
 * UNAVAILABLE or DEADLINE_EXCEEDED; RESOURCE_EXHAUSTED (rate limits, a process's updates in flight);
 * and the run's limit on distinct updates, which lifts when the process continues as new.
 */
export function unavailable(error: unknown): boolean {
  for (let e = error as { code?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (!isGrpcServiceError(e)) continue;
    if (
      e.code === GRPC_UNAVAILABLE ||
      e.code === GRPC_DEADLINE_EXCEEDED ||
      e.code === GRPC_RESOURCE_EXHAUSTED
    )
      return true;
    if (
      e.code === GRPC_FAILED_PRECONDITION &&
      /limit on the total number of distinct updates/i.test(e.details)
    )
      return true;
  }
  return false;
}
