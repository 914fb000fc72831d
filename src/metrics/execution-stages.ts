/** The timestamps of an execution row that the stage histogram reads. */
export interface ExecutionStageTimes {
  status: string;
  created_at: Date | string;
  scheduled_at?: Date | string | null;
  started_at?: Date | string | null;
  finished_at?: Date | string | null;
}

/** The stages of an execution's life, each between two of its timestamps. */
export const EXECUTION_STAGES = {
  /** requested → scheduled: waiting in the line for a worker slot (last offer, if offered twice). */
  queued: ['created_at', 'scheduled_at'],
  /** scheduled → running: the offer travelling to the worker until it claims it. */
  dispatch: ['scheduled_at', 'started_at'],
  /** running → finished: the action itself. */
  run: ['started_at', 'finished_at'],
  /** requested → finished: what the client waited. */
  total: ['created_at', 'finished_at'],
} as const satisfies Record<string, [keyof ExecutionStageTimes, keyof ExecutionStageTimes]>;

export type ExecutionStage = keyof typeof EXECUTION_STAGES;

/**
 * The stages a finished execution went through, in seconds. A stage it skipped (canceled while
 * still requested, say) has no duration and is left out.
 */
export function executionStageDurations(row: ExecutionStageTimes): Array<[ExecutionStage, number]> {
  const stages: Array<[ExecutionStage, number]> = [];
  for (const [stage, [from, to]] of Object.entries(EXECUTION_STAGES)) {
    const start = row[from];
    const end = row[to];
    if (!start || !end) continue;
    const seconds = (new Date(end).getTime() - new Date(start).getTime()) / 1000;
    stages.push([stage as ExecutionStage, Math.max(0, seconds)]);
  }
  return stages;
}
