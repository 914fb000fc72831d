import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workflows: an action may carry a workflow definition; each task run is a child execution of
 * its workflow, keyed by (workflow, task, item, attempt) so a decision taken twice (a redelivered
 * completion, a conductor that died between steps) inserts nothing the second time. parent_id is
 * a foreign key, so retention keeps the children of a live workflow (it keeps what unfinished
 * executions refer to) and the workflow while it has children.
 */
export class Workflows1796500000000 implements MigrationInterface {
  name = 'Workflows1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "action" ADD "workflow" jsonb`);
    await queryRunner.query(
      `ALTER TABLE "execution" ADD "parent_id" uuid REFERENCES "execution" ("id"), ADD "task" text, ADD "task_item" integer,
         ADD "task_attempt" integer, ADD "timeout_ms" integer`,
    );
    // item -1 stands for "not a with_items run", so the key holds for plain tasks too.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "execution_task_run_key" ON "execution"
         ("parent_id", "task", (COALESCE("task_item", -1)), "task_attempt")
        WHERE parent_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."execution_task_run_key"`);
    await queryRunner.query(
      `ALTER TABLE "execution" DROP COLUMN "parent_id", DROP COLUMN "task",
         DROP COLUMN "task_item", DROP COLUMN "task_attempt", DROP COLUMN "timeout_ms"`,
    );
    await queryRunner.query(`ALTER TABLE "action" DROP COLUMN "workflow"`);
  }
}
