import { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys, custom roles, the audit log, secrets and stream tickets; who created each execution. */
export class AccessAndSecrets1796200000000 implements MigrationInterface {
  name = 'AccessAndSecrets1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "access_role" ("name" text NOT NULL, "description" text, "grants" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "access_role_pkey" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_key" ("id" uuid NOT NULL, "name" text NOT NULL, "hint" text NOT NULL,
        "key_hash" text NOT NULL, "role" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE,
        "last_used_at" TIMESTAMP WITH TIME ZONE, "created_by" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "api_key_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "api_key_hash_key" UNIQUE ("key_hash"))`,
    );
    // Names identify keys to people (403 messages, audit): unique among keys still in use.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "api_key_active_name_key" ON "api_key" ("name") WHERE revoked_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" bigint GENERATED ALWAYS AS IDENTITY,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL,
        "action" text NOT NULL, "resource" text NOT NULL, "ref" text, "correlation_id" uuid,
        "details" jsonb, CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_log_at_idx" ON "audit_log" ("at", "id")`);
    await queryRunner.query(
      `CREATE TABLE "secret" ("name" text NOT NULL, "description" text, "key_id" text NOT NULL,
        "sealed_value" text NOT NULL, "updated_by" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "secret_pkey" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "stream_ticket" ("ticket_hash" text NOT NULL, "key_hash" text NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "stream_ticket_pkey" PRIMARY KEY ("ticket_hash"))`,
    );
    await queryRunner.query(`ALTER TABLE "execution" ADD "created_by" text`);
    await queryRunner.query(`ALTER TABLE "trigger" ADD "webhook_secret_sealed" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "trigger" DROP COLUMN "webhook_secret_sealed"`);
    await queryRunner.query(`ALTER TABLE "execution" DROP COLUMN "created_by"`);
    await queryRunner.query(`DROP TABLE "stream_ticket"`);
    await queryRunner.query(`DROP TABLE "secret"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "api_key"`);
    await queryRunner.query(`DROP TABLE "access_role"`);
  }
}
