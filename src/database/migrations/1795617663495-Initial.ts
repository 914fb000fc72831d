import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795617663495 implements MigrationInterface {
  name = 'Initial1795617663495';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "action" ("id" uuid NOT NULL, "ref" text NOT NULL, "description" text, "runner" text NOT NULL, "parameters_schema" jsonb, "defaults" jsonb, "timeout_ms" integer, "retry_on_worker_loss" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_6d48bebadba474b49d89c14294b" UNIQUE ("ref"), CONSTRAINT "PK_2d9db9cf5edfbbae74eb56e3a39" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "enforcement" ("id" uuid NOT NULL, "event_id" uuid NOT NULL, "rule_ref" text NOT NULL, "trigger_ref" text NOT NULL, "action_ref" text NOT NULL, "status" text NOT NULL, "error" text, "correlation_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "enforcement_event_rule_key" UNIQUE ("event_id", "rule_ref"), CONSTRAINT "PK_66955fd8225b9c11a5797428592" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "enforcement_created_idx" ON "enforcement"  ("created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "event" ("id" uuid NOT NULL, "trigger_ref" text NOT NULL, "payload" jsonb NOT NULL, "source" text NOT NULL, "correlation_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_30c2f3bbaf6d34a55f8ae6e4614" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "event_created_idx" ON "event"  ("created_at") `);
    await queryRunner.query(
      `CREATE INDEX "event_trigger_created_idx" ON "event"  ("trigger_ref", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "execution" ("id" uuid NOT NULL, "action_ref" text NOT NULL, "status" text NOT NULL, "parameters" jsonb NOT NULL, "result" jsonb, "error" text, "worker_id" uuid, "enforcement_id" uuid, "rerun_of" uuid, "correlation_id" uuid NOT NULL, "attempt" integer NOT NULL DEFAULT '1', "dispatch_attempts" integer NOT NULL DEFAULT '0', "dispatch_after" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "scheduled_at" TIMESTAMP WITH TIME ZONE, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_cc6684fedf29ec4c86db8448a2b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "execution_dispatch_idx" ON "execution"  ("dispatch_after") WHERE status = 'requested'`,
    );
    await queryRunner.query(
      `CREATE INDEX "execution_worker_active_idx" ON "execution"  ("worker_id") WHERE status IN ('scheduled', 'running')`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "execution_enforcement_key" ON "execution"  ("enforcement_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "execution_action_created_idx" ON "execution"  ("action_ref", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "execution_status_created_idx" ON "execution"  ("status", "created_at") `,
    );
    await queryRunner.query(`CREATE INDEX "execution_created_idx" ON "execution"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "inquiry" ("id" uuid NOT NULL, "execution_id" uuid NOT NULL, "prompt" text NOT NULL, "schema" jsonb, "status" text NOT NULL, "response" jsonb, "correlation_id" uuid NOT NULL, "timeout_at" TIMESTAMP WITH TIME ZONE NOT NULL, "responded_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3e226d0994e8bd24252dd65e1b6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "inquiry_execution_key" ON "inquiry"  ("execution_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "inquiry_status_created_idx" ON "inquiry"  ("status", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "inquiry_pending_timeout_idx" ON "inquiry" ("timeout_at") WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE TABLE "rule" ("id" uuid NOT NULL, "ref" text NOT NULL, "description" text, "trigger_ref" text NOT NULL, "criteria" jsonb, "action_ref" text NOT NULL, "parameters" jsonb, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_58906ed20f57f259b829ac42f07" UNIQUE ("ref"), CONSTRAINT "PK_a5577f464213af7ffbe866e3cb5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "rule_trigger_enabled_idx" ON "rule"  ("trigger_ref") WHERE enabled`,
    );
    await queryRunner.query(
      `CREATE TABLE "sensor" ("id" uuid NOT NULL, "ref" text NOT NULL, "description" text, "type" text NOT NULL, "trigger_ref" text NOT NULL, "config" jsonb NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "last_fired_at" TIMESTAMP WITH TIME ZONE, "state" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_1e0bd442caa00e2e044c05c26e3" UNIQUE ("ref"), CONSTRAINT "PK_ccc38b9aa8b3e198b6503d5eee9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "trigger" ("id" uuid NOT NULL, "ref" text NOT NULL, "description" text, "payload_schema" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_b55ae3c96630e5a8a3683d84b12" UNIQUE ("ref"), CONSTRAINT "PK_fc6b3cbbe199d89c002831e03e8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "worker" ("id" uuid NOT NULL, "name" text NOT NULL, "runners" text array NOT NULL, "capacity" integer NOT NULL, "status" text NOT NULL, "instance_id" text NOT NULL, "heartbeat_at" TIMESTAMP WITH TIME ZONE NOT NULL, "registered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_cf6ff49f77c39621f0cb4417202" UNIQUE ("name"), CONSTRAINT "PK_dc8175fa0e34ce7a39e4ec73b94" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "worker"`);
    await queryRunner.query(`DROP TABLE "trigger"`);
    await queryRunner.query(`DROP TABLE "sensor"`);
    await queryRunner.query(`DROP INDEX "public"."rule_trigger_enabled_idx"`);
    await queryRunner.query(`DROP TABLE "rule"`);
    await queryRunner.query(`DROP INDEX "public"."inquiry_pending_timeout_idx"`);
    await queryRunner.query(`DROP INDEX "public"."inquiry_status_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."inquiry_execution_key"`);
    await queryRunner.query(`DROP TABLE "inquiry"`);
    await queryRunner.query(`DROP INDEX "public"."execution_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."execution_status_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."execution_action_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."execution_enforcement_key"`);
    await queryRunner.query(`DROP INDEX "public"."execution_worker_active_idx"`);
    await queryRunner.query(`DROP INDEX "public"."execution_dispatch_idx"`);
    await queryRunner.query(`DROP TABLE "execution"`);
    await queryRunner.query(`DROP INDEX "public"."event_trigger_created_idx"`);
    await queryRunner.query(`DROP INDEX "public"."event_created_idx"`);
    await queryRunner.query(`DROP TABLE "event"`);
    await queryRunner.query(`DROP INDEX "public"."enforcement_created_idx"`);
    await queryRunner.query(`DROP TABLE "enforcement"`);
    await queryRunner.query(`DROP TABLE "action"`);
  }
}
