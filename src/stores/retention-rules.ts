import { TERMINAL_STATUSES } from '../domain/execution-status';
import { InboundForeignKey, PruneCursor, referencedThrough } from './prune-batch';

/**
 * What a prune pass keeps though it is older than the window (decision 019), as SQL over a row
 * alias; `$1` is the cutoff. The history tables carry no declared foreign keys between them
 * today; the links they have are written out here, and those migrations declare (a workflow's
 * `parent_id`) are read from the catalog into `ForeignKeysOf`.
 */
export interface ForeignKeysOf {
  execution: InboundForeignKey[];
  inquiry: InboundForeignKey[];
  enforcement: InboundForeignKey[];
  event: InboundForeignKey[];
}

/** One batch of a pass over one table. */
export interface PruneStep {
  cutoff: Date;
  after?: PruneCursor;
  batchSize: number;
  dryRun: boolean;
  foreignKeys: ForeignKeysOf;
}

const TERMINAL = `'{${TERMINAL_STATUSES.join(',')}}'::text[]`;

/** An execution that has not finished. */
export const liveExecution = (alias: string) => `NOT (${alias}.status = ANY(${TERMINAL}))`;

/**
 * An execution stays while it is not finished, finished inside the window, points through a
 * foreign key at an execution that is not finished (the child of a live workflow), or is
 * referenced in a way that refuses its deletion or by a live execution.
 */
export function keptExecution(alias: string, foreignKeys: ForeignKeysOf): string {
  const selfLinks = foreignKeys.execution.filter((fk) => fk.table === 'execution');
  const parentLive = selfLinks.map(
    (fk, i) =>
      `EXISTS (SELECT 1 FROM execution up${i} WHERE up${i}.id = ${alias}.${fk.column}
                 AND ${liveExecution(`up${i}`)})`,
  );
  return [
    liveExecution(alias),
    `${alias}.finished_at IS NULL`,
    `${alias}.finished_at >= $1`,
    ...parentLive,
    ...referencedThrough(foreignKeys.execution, alias, liveExecution),
  ].join(' OR ');
}

/**
 * An inquiry stays while its execution stays (a paused execution's inquiry with it). Pruned
 * before executions, so that one gone is the same as one to be pruned.
 */
export function keptInquiry(alias: string, foreignKeys: ForeignKeysOf): string {
  return [
    `EXISTS (SELECT 1 FROM execution x WHERE x.id = ${alias}.execution_id
               AND (${keptExecution('x', foreignKeys)}))`,
    ...referencedThrough(foreignKeys.inquiry, alias, liveExecution),
  ].join(' OR ');
}

/**
 * An enforcement stays while an execution it made is there (pruned after executions; a dry run,
 * which deletes nothing, asks instead whether that execution would stay).
 */
export function keptEnforcement(alias: string, step: Pick<PruneStep, 'dryRun' | 'foreignKeys'>) {
  const stays = step.dryRun ? ` AND (${keptExecution('x', step.foreignKeys)})` : '';
  return [
    `EXISTS (SELECT 1 FROM execution x WHERE x.enforcement_id = ${alias}.id${stays})`,
    ...referencedThrough(step.foreignKeys.enforcement, alias, liveExecution),
  ].join(' OR ');
}

/** An event stays while one of its enforcements does (pruned after enforcements). */
export function keptEvent(alias: string, step: Pick<PruneStep, 'dryRun' | 'foreignKeys'>) {
  const stays = step.dryRun ? ` AND (${keptEnforcement('en', step)})` : '';
  return [
    `EXISTS (SELECT 1 FROM enforcement en WHERE en.event_id = ${alias}.id${stays})`,
    ...referencedThrough(step.foreignKeys.event, alias, liveExecution),
  ].join(' OR ');
}
