import { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes that serve a list page by keyset: (filter column, sort key, id). */
const LIST_INDEXES: Array<{ name: string; table: string; columns: string; replaces?: string }> = [
  {
    name: 'execution_list_idx',
    table: 'execution',
    columns: 'created_at, id',
    replaces: 'execution_created_idx',
  },
  {
    name: 'execution_status_list_idx',
    table: 'execution',
    columns: 'status, created_at, id',
    replaces: 'execution_status_created_idx',
  },
  {
    name: 'execution_action_list_idx',
    table: 'execution',
    columns: 'action_ref, created_at, id',
    replaces: 'execution_action_created_idx',
  },
  {
    name: 'event_list_idx',
    table: 'event',
    columns: 'created_at, id',
    replaces: 'event_created_idx',
  },
  {
    name: 'event_trigger_list_idx',
    table: 'event',
    columns: 'trigger_ref, created_at, id',
    replaces: 'event_trigger_created_idx',
  },
  {
    name: 'enforcement_list_idx',
    table: 'enforcement',
    columns: 'created_at, id',
    replaces: 'enforcement_created_idx',
  },
  { name: 'enforcement_rule_list_idx', table: 'enforcement', columns: 'rule_ref, created_at, id' },
  { name: 'inquiry_list_idx', table: 'inquiry', columns: 'created_at, id' },
  {
    name: 'inquiry_status_list_idx',
    table: 'inquiry',
    columns: 'status, created_at, id',
    replaces: 'inquiry_status_created_idx',
  },
  { name: 'audit_log_actor_list_idx', table: 'audit_log', columns: 'actor, at, id' },
  { name: 'audit_log_resource_list_idx', table: 'audit_log', columns: 'resource, at, id' },
];

/**
 * Months of history: list indexes for keyset paging, and concurrency policies on actions
 * (decision 018): `action.policy`, the key an execution is counted under, the `delayed` line.
 */
export class HistoryAndPolicies1796600000000 implements MigrationInterface {
  name = 'HistoryAndPolicies1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const index of LIST_INDEXES) {
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS "${index.name}" ON "${index.table}" (${index.columns})`,
      );
      if (index.replaces) await queryRunner.query(`DROP INDEX IF EXISTS "${index.replaces}"`);
    }
    await queryRunner.query(`ALTER TABLE "action" ADD "policy" jsonb`);
    await queryRunner.query(`ALTER TABLE "execution" ADD "concurrency_key" text`);
    // The line is `requested` and `delayed` rows, oldest first.
    await queryRunner.query(`DROP INDEX IF EXISTS "execution_waiting_idx"`);
    await queryRunner.query(
      `CREATE INDEX "execution_waiting_idx" ON "execution" ("created_at", "id")
        WHERE status IN ('requested', 'delayed')`,
    );
    // What a policy counts: its executions scheduled or running, per action and key.
    await queryRunner.query(
      `CREATE INDEX "execution_policy_active_idx" ON "execution" ("action_ref", "concurrency_key")
        WHERE status IN ('scheduled', 'running') AND concurrency_key IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "execution_policy_active_idx"`);
    await queryRunner.query(`DROP INDEX "execution_waiting_idx"`);
    await queryRunner.query(
      `CREATE INDEX "execution_waiting_idx" ON "execution" ("created_at", "id")
        WHERE status = 'requested'`,
    );
    await queryRunner.query(`ALTER TABLE "execution" DROP COLUMN "concurrency_key"`);
    await queryRunner.query(`ALTER TABLE "action" DROP COLUMN "policy"`);
    for (const index of [...LIST_INDEXES].reverse()) {
      if (index.replaces) {
        const columns = index.columns.replace(/, id$/, '');
        await queryRunner.query(
          `CREATE INDEX "${index.replaces}" ON "${index.table}" (${columns})`,
        );
      }
      await queryRunner.query(`DROP INDEX "${index.name}"`);
    }
  }
}
