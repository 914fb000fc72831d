import type { TestDatabase } from './database';

/**
 * Fills the history tables with `count` finished executions, each with its event and
 * enforcement (ids derived from the row number, so they link), spread evenly from
 * `newestDaysAgo` back over `spanDays`; `actions` actions, triggers and rules share them out.
 */
export async function fillHistory(
  db: TestDatabase,
  options: {
    count: number;
    newestDaysAgo: number;
    spanDays: number;
    actions?: number;
    /** Tells the ids of one fill from another's. */
    seed?: string;
  },
): Promise<void> {
  const { count, newestDaysAgo, spanDays, actions = 10, seed = '' } = options;
  const at = `now() - make_interval(days => ${newestDaysAgo})
               - make_interval(secs => (${count} - g) * ${(spanDays * 86_400) / count})`;
  await db.query(
    `INSERT INTO event (id, trigger_ref, payload, source, correlation_id, created_at)
     SELECT md5('${seed}ev' || g)::uuid, 'hist.trigger_' || (g % ${actions}), '{"n": 1}', 'webhook',
            md5('${seed}co' || g)::uuid, ${at}
       FROM generate_series(1, ${count}) g`,
  );
  await db.query(
    `INSERT INTO enforcement (id, event_id, rule_ref, trigger_ref, action_ref, status,
                              correlation_id, created_at)
     SELECT md5('${seed}en' || g)::uuid, md5('${seed}ev' || g)::uuid, 'hist.rule_' || (g % ${actions}),
            'hist.trigger_' || (g % ${actions}), 'hist.action_' || (g % ${actions}), 'created',
            md5('${seed}co' || g)::uuid, ${at}
       FROM generate_series(1, ${count}) g`,
  );
  await db.query(
    `INSERT INTO execution (id, action_ref, status, parameters, result, correlation_id,
                            enforcement_id, created_by, created_at, scheduled_at, started_at,
                            finished_at, updated_at)
     SELECT md5('${seed}ex' || g)::uuid, 'hist.action_' || (g % ${actions}),
            CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'succeeded' END, '{"n": 1}', '{"ok": true}',
            md5('${seed}co' || g)::uuid, md5('${seed}en' || g)::uuid, 'rule:hist.rule_' || (g % ${actions}),
            ${at}, ${at}, ${at}, ${at} + interval '10 milliseconds', ${at}
       FROM generate_series(1, ${count}) g`,
  );
  // As autovacuum would have: the visibility map lets counts read the index only.
  await db.query('VACUUM (ANALYZE) event, enforcement, execution');
}
