import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PostgreSQL transport's tables (MQ_TRANSPORT=postgres, decision 016): exchanges, queues and
 * bindings as rows, and one table of messages. A message is ready when `visible_at` has passed:
 * taking it pushes `visible_at` a lease ahead, acking deletes it, a retry sets it to the end of
 * the backoff. Created whatever the transport, so switching needs no migration.
 */
export class MessageQueues1796400000000 implements MigrationInterface {
  name = 'MessageQueues1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mq_exchange" ("name" text PRIMARY KEY, "type" text NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE TABLE "mq_queue" (
         "name" text PRIMARY KEY,
         "durable" boolean NOT NULL,
         "exclusive" boolean NOT NULL,
         "auto_delete" boolean NOT NULL,
         "arguments" jsonb NOT NULL DEFAULT '{}',
         "last_used_at" timestamptz NOT NULL DEFAULT now())`,
    );
    // `pattern`: a regular expression for topic bindings with wildcards; NULL means the routing
    // key must be equal (direct, and topic keys without wildcards); fanout binds with '^'.
    await queryRunner.query(
      `CREATE TABLE "mq_binding" (
         "exchange" text NOT NULL,
         "routing_key" text NOT NULL,
         "queue" text NOT NULL REFERENCES "mq_queue" ("name") ON DELETE CASCADE,
         "pattern" text,
         PRIMARY KEY ("exchange", "routing_key", "queue"))`,
    );
    // Updated in place on every take and retry: room on each page keeps those updates HOT.
    await queryRunner.query(
      `CREATE TABLE "mq_message" (
         "id" bigserial PRIMARY KEY,
         "queue" text NOT NULL,
         "exchange" text NOT NULL,
         "routing_key" text NOT NULL,
         "body" bytea NOT NULL,
         "properties" jsonb NOT NULL,
         "visible_at" timestamptz NOT NULL DEFAULT now(),
         "expires_at" timestamptz,
         "deliveries" integer NOT NULL DEFAULT 0,
         "created_at" timestamptz NOT NULL DEFAULT now()
       ) WITH (fillfactor = 70)`,
    );
    await queryRunner.query(`CREATE INDEX "mq_message_queue_idx" ON "mq_message" ("queue", "id")`);
    await queryRunner.query(
      `CREATE INDEX "mq_message_expiry_idx" ON "mq_message" ("expires_at")
        WHERE "expires_at" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mq_message"`);
    await queryRunner.query(`DROP TABLE "mq_binding"`);
    await queryRunner.query(`DROP TABLE "mq_queue"`);
    await queryRunner.query(`DROP TABLE "mq_exchange"`);
  }
}
