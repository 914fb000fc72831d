import 'reflect-metadata';
import { HttpException, Logger } from '@nestjs/common';
import { AppConfig, InvalidConfigError, loadConfig } from '../config/app-config';
import { loadEnvFile } from '../config/env-file';
import { generateSecretKey, runAccessCommand } from './access-commands';
import { withDatabase } from './cli-database';
import { CliError } from './cli-support';
import { runApiCommand } from './api-commands';
import { runMessagingCommand } from './messaging-commands';
import { runPruneCommand } from './prune-command';

const USAGE = `usage: attune <command>
  topology apply            declare every exchange and queue (ROLES picks which; default all)
  topology verify           report healthy, missing and conflicting objects; exit 1 if any is wrong
  dlq list                  dead-letter queues and how many messages each holds
  dlq peek <queue> [n]      show up to n (default 10) messages without removing them
  dlq replay <queue> [n]    move up to n (default 100) messages back to the queue they failed on
  keys create --name <name> --role <role> [--expires-at <ISO date-time>]
                            make an API key and print it (this once only)
  keys list [--all]         keys (never the keys themselves); --all lists revoked ones too
  keys revoke <id|name>     revoke a key: every process refuses it within 2 s
  secrets generate-key      print a new random key for ATTUNE_SECRET_KEY
  secrets rotate-key        re-seal every secret under ATTUNE_SECRET_KEY, opening old values with
                            the keys in ATTUNE_SECRET_KEY_PREVIOUS
  openapi document          print the OpenAPI document of every role (needs no server)
  executions run <action> [name=value ...] [--wait]
                            run an action (a value that parses as JSON is JSON); --wait prints
                            the finished execution and exits 1 unless it succeeded
  executions get <id>       show an execution
  inquiries respond <id> <JSON answer>
                            answer an inquiry
  prune --older-than <age> [--audit-older-than <age>] [--dry-run]
                            delete finished executions (and their inquiries, enforcements, events)
                            older than <age> (7d, 12h, 30m); --dry-run prints what it would delete
executions and inquiries talk to a running instance's HTTP API: ATTUNE_URL (default
http://127.0.0.1:$PORT) with the key in ATTUNE_API_KEY (or ATTUNE_ADMIN_KEY).
Other commands take configuration from the same environment variables (and .env) as the app (DATABASE_URL,
AMQP_URL, MQ_PREFIX, ATTUNE_SECRET_KEY, …): use the app's values. Without DATABASE_URL, keys and
secrets use the embedded database in ATTUNE_DATA_DIR (the running app's, or one started for the
command).`;

const COMMANDS = [
  'topology apply',
  'topology verify',
  'dlq list',
  'dlq peek',
  'dlq replay',
  'keys create',
  'keys list',
  'keys revoke',
  'secrets generate-key',
  'secrets rotate-key',
  'openapi document',
  'executions run',
  'executions get',
  'inquiries respond',
];

export async function main(argv: string[]): Promise<void> {
  // A connection library's late error (an 'error' event nobody awaits) is still one line.
  process.on('uncaughtException', failWith);
  process.on('unhandledRejection', failWith);
  const [group, command] = argv;
  if (!COMMANDS.includes(`${group} ${command}`) && group !== 'prune') {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let exitCode: number;
  try {
    if (group === 'secrets' && command === 'generate-key') {
      exitCode = generateSecretKey(out);
    } else if (group === 'executions' || group === 'inquiries') {
      loadEnvFile();
      exitCode = await runApiCommand(process.env, argv, out);
    } else if (group === 'openapi') {
      // Loaded here only: it pulls in every module of the app, which other commands do not need.
      const { openApiDocumentOfEveryRole } = await import('./openapi-command');
      out(JSON.stringify(await openApiDocumentOfEveryRole(), null, 2));
      exitCode = 0;
    } else {
      const config = configFromEnvironment();
      // On the PostgreSQL transport the queues are in the database too.
      exitCode =
        group === 'prune'
          ? await withDatabase(config, (withUrl) => runPruneCommand(withUrl, argv.slice(1), out))
          : ['keys', 'secrets'].includes(group)
            ? await withDatabase(config, (withUrl) => runAccessCommand(withUrl, argv, out))
            : config.messaging.transport === 'postgres'
              ? await withDatabase(config, (withUrl) => runMessagingCommand(withUrl, argv, out))
              : await runMessagingCommand(config, argv, out);
    }
  } catch (error) {
    process.stderr.write(`attune: ${messageOf(error)}\n`);
    exitCode = 1;
  }
  process.exit(exitCode);
}

function failWith(error: unknown): never {
  process.stderr.write(`attune: ${messageOf(error)}\n`);
  process.exit(1);
}

function configFromEnvironment(): AppConfig {
  try {
    loadEnvFile();
    return loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof InvalidConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** One line: what went wrong, as the API would have said it (no stack traces). */
function messageOf(error: unknown): string {
  if (error instanceof HttpException) {
    const body = error.getResponse();
    return typeof body === 'string' ? body : String((body as { message?: unknown }).message);
  }
  // amqplib rejects with the server's close frame, not an Error.
  const frame = (error as { fields?: { replyText?: string } })?.fields?.replyText;
  const message = (error as Error)?.message ?? frame ?? String(error);
  // Some drivers put a multi-line detail in the message; a command says one line.
  return message.split('\n')[0];
}

// Keep Nest's own logger quiet unless something is wrong.
Logger.overrideLogger(['error']);
