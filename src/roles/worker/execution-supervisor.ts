import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay, delay } from '../../common/backoff';
import type { RunnerName } from '../../domain/core-pack';
import type { MessageType, PayloadOf } from '../../domain/messages';
import { ExecutionLifecycle } from '../../executions/execution-lifecycle.service';
import { ExecutionStore, TransitionOutcome } from '../../stores/execution.store';
import { MessagePublisher } from '../../messaging/messaging.port';
import { UnprocessableMessageError } from '../../messaging/message-context';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { maskText, maskValues, revealedSecrets } from '../../secrets/secret-masker';
import { SecretResolver } from '../../secrets/secret-resolver.service';
import { createRunners, DestinationPolicy, RunOutcome, Runner } from './runners';
import { historyRowId } from '../../common/uuid';

/**
 * The signal pure runners get: they neither wait nor can be stopped, so one shared signal that
 * never aborts does (an AbortController per execution was measurable garbage at high rates).
 */
const NEVER_ABORTED = new AbortController().signal;

/** Why a running action was stopped early. */
export type StopReason = 'timeout' | 'canceled' | 'shutdown';

interface RunningExecution {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs actions on this worker: claims the execution in the database (only if it is still
 * scheduled here, so work moved to another worker never runs twice), reports `running`, runs
 * the action with its timeout, and reports the outcome (retrying the report until it lands).
 */
@Injectable()
export class ExecutionSupervisor {
  private readonly logger = new Logger('Worker');
  private readonly runners: ReturnType<typeof createRunners>;
  private readonly running = new Map<string, RunningExecution>();
  private workerId?: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: ExecutionStore,
    private readonly lifecycle: ExecutionLifecycle,
    private readonly publisher: MessagePublisher,
    private readonly secrets: SecretResolver,
  ) {
    this.runners = createRunners({ httpDeny: new DestinationPolicy(config.httpRunnerDeny) });
  }

  get supportedRunners(): RunnerName[] {
    return [...this.runners.keys()];
  }

  get inFlight(): number {
    return this.running.size;
  }

  setWorkerId(id: string): void {
    this.workerId = id;
  }

  /** Returns once the execution is recorded as started (or skipped): then the delivery is acked. */
  async start(request: PayloadOf<'ExecutionRequested'>): Promise<void> {
    const runner = request.runner ? this.runners.get(request.runner as RunnerName) : undefined;
    if (!runner || !request.parameters || !request.timeout_ms) {
      throw new UnprocessableMessageError(
        `execution ${request.execution_id} reached worker without a known runner, parameters and timeout`,
      );
    }
    if (runner.pure) return this.runPure(runner, request);
    const claim = await this.store.transition(
      request.execution_id,
      'running',
      {},
      { attempt: request.attempt, workerId: this.workerId },
    );
    if (!claim.applied) return this.skip(request, claim);
    // Whoever writes a row announces it (decision 012): the claim is the record that it runs.
    this.lifecycle.notify(claim.row);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort('timeout' satisfies StopReason),
      request.timeout_ms,
    );
    this.track(
      request.execution_id,
      controller,
      this.run(runner, request, controller.signal).finally(() => clearTimeout(timer)),
    );
  }

  /**
   * The lean path of built-in actions without side effects (noop, echo): run first, then claim
   * and record the outcome in one statement. If the claim is refused the outcome is dropped,
   * which is harmless because running it changed nothing.
   */
  private async runPure(runner: Runner, request: PayloadOf<'ExecutionRequested'>): Promise<void> {
    const outcome = await this.outcomeOf(runner, request, NEVER_ABORTED);
    if (outcome.status === 'paused') {
      throw new UnprocessableMessageError(`runner ${runner.name} cannot pause`);
    }
    const finished = await this.store.claimFinished(
      request.execution_id,
      outcome.status,
      { result: outcome.result, error: outcome.error ?? null },
      { attempt: request.attempt, workerId: this.workerId! },
    );
    if (!finished.applied) return this.skip(request, finished);
    const row = finished.row;
    this.logger.debug?.(
      `execution ${request.execution_id} ${outcome.status} (claimed and finished)`,
    );
    // The row is final and nothing is left for the executor to apply: announce it from here
    // instead of sending a completion the executor would only relay (a message, a broker write
    // and a delivery fewer per execution).
    this.lifecycle.notify({ ...row, status: 'running', finished_at: null });
    this.lifecycle.notify(row);
  }

  private skip(request: PayloadOf<'ExecutionRequested'>, refused: TransitionOutcome): void {
    if (refused.applied) return;
    this.logger.log(
      `skipping execution ${request.execution_id}: ${refused.reason} (${refused.current ?? 'gone'})`,
    );
  }

  /** Known until done, so cancel can reach it and drain can wait for it. */
  private track(executionId: string, controller: AbortController, work: Promise<void>): void {
    const done = work.finally(() => this.running.delete(executionId));
    this.running.set(executionId, { controller, done });
  }

  /** Stops a running action (its process is killed); unknown ids are ignored. */
  cancel(executionId: string): boolean {
    const execution = this.running.get(executionId);
    if (!execution) return false;
    execution.controller.abort('canceled' satisfies StopReason);
    return true;
  }

  /** Waits for running actions up to `graceMs`, then stops the rest and reports them. */
  async drain(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`waiting up to ${graceMs} ms for ${this.running.size} running execution(s)`);
    const all = () => Promise.allSettled([...this.running.values()].map((r) => r.done));
    const finished = await Promise.race([all().then(() => true), delay(graceMs).then(() => false)]);
    if (!finished) {
      for (const execution of this.running.values())
        execution.controller.abort('shutdown' satisfies StopReason);
      await all();
    }
  }

  private async run(
    runner: Runner,
    request: PayloadOf<'ExecutionRequested'>,
    signal: AbortSignal,
  ): Promise<void> {
    const started = Date.now();
    const outcome = await this.outcomeOf(runner, request, signal);
    const base = {
      execution_id: request.execution_id,
      attempt: request.attempt,
      worker_id: this.workerId,
    };
    if (signal.aborted) {
      const reason = signal.reason as StopReason;
      const stopped = outcome.status === 'paused' ? null : outcome.result;
      await this.report('ExecutionCompleted', {
        ...base,
        status: reason === 'timeout' ? 'timeout' : reason === 'canceled' ? 'canceled' : 'failed',
        result: stopped ?? null,
        error:
          reason === 'timeout'
            ? `timed out after ${request.timeout_ms} ms`
            : reason === 'canceled'
              ? 'canceled'
              : 'worker stopped before the action finished (shutdown grace period exceeded)',
        at: new Date().toISOString(),
      });
      return;
    }
    if (outcome.status === 'paused') {
      await this.report('InquiryCreated', {
        inquiry_id: historyRowId(),
        execution_id: request.execution_id,
        attempt: request.attempt,
        prompt: outcome.inquiry.prompt,
        schema: outcome.inquiry.schema,
        timeout_at: new Date(Date.now() + outcome.inquiry.timeoutMs).toISOString(),
      });
      return;
    }
    this.logger.debug?.(
      `execution ${request.execution_id} ${outcome.status} in ${Date.now() - started} ms`,
    );
    await this.report('ExecutionCompleted', {
      ...base,
      status: outcome.status,
      result: outcome.result,
      ...(outcome.error ? { error: outcome.error } : {}),
      at: new Date().toISOString(),
    });
  }

  /**
   * What the runner says, or `failed` with the error it threw. Secrets the parameters reference
   * are put in just before it runs and masked in what comes back (and in log lines meanwhile).
   */
  private async outcomeOf(
    runner: Runner,
    request: PayloadOf<'ExecutionRequested'>,
    signal: AbortSignal,
  ): Promise<RunOutcome> {
    let revealed: string[] = [];
    try {
      const revealing = this.secrets.reveal(request.parameters!, runner.name);
      const opened = revealing instanceof Promise ? await revealing : revealing;
      revealed = opened.revealed;
      revealedSecrets.add(revealed);
      const outcome = await runner.run({
        executionId: request.execution_id,
        parameters: opened.parameters,
        signal,
        timeoutMs: request.timeout_ms!,
      });
      return maskOutcome(outcome, revealed);
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      return { status: 'failed', result: null, error: maskText(message, revealed) };
    } finally {
      revealedSecrets.remove(revealed);
    }
  }

  /** An outcome must not be lost to a broker blip: keep trying until it is confirmed. */
  private async report<T extends MessageType>(type: T, payload: PayloadOf<T>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.publisher.publish(type, payload);
        return;
      } catch (error) {
        this.logger.warn(`could not report ${type} (${(error as Error).message}); retrying`);
        await delay(backoffDelay(attempt));
      }
    }
  }
}

/** The outcome with revealed secret values replaced by *** wherever they ended up. */
function maskOutcome(outcome: RunOutcome, revealed: string[]): RunOutcome {
  if (revealed.length === 0) return outcome;
  if (outcome.status === 'paused') {
    return { ...outcome, inquiry: maskValues(outcome.inquiry, revealed) };
  }
  return {
    ...outcome,
    result: maskValues(outcome.result, revealed),
    ...(outcome.error === undefined ? {} : { error: maskText(outcome.error, revealed) }),
  };
}
