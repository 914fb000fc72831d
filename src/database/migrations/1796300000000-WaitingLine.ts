import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `requested` executions are the line of work waiting for a worker slot, taken oldest first
 * (decision 014): the index serves taking from its head and counting it.
 */
export class WaitingLine1796300000000 implements MigrationInterface {
  name = 'WaitingLine1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."execution_dispatch_idx"`);
    await queryRunner.query(
      `CREATE INDEX "execution_waiting_idx" ON "execution" ("created_at", "id")
        WHERE status = 'requested'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."execution_waiting_idx"`);
    await queryRunner.query(
      `CREATE INDEX "execution_dispatch_idx" ON "execution" ("dispatch_after") WHERE status = 'requested'`,
    );
  }
}
