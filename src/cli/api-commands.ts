import { setTimeout as delay } from 'node:timers/promises';
import { AttuneClient, createAttuneClient, describeError, Schemas } from '../client/attune-client';
import { CliError, Out, parseOptions } from './cli-support';

const TERMINAL = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];
const WAIT_POLL_MS = 500;

/**
 * Commands a user runs against a running instance's HTTP API, through the typed client:
 * ATTUNE_URL (default http://127.0.0.1:$PORT) and ATTUNE_API_KEY (or ATTUNE_ADMIN_KEY).
 */
export async function runApiCommand(
  env: NodeJS.ProcessEnv,
  argv: string[],
  out: Out,
): Promise<number> {
  const [group, command, ...rest] = argv;
  const { options, positional } = parseOptions(rest);
  const client = clientFrom(env);
  if (group === 'executions' && command === 'run') {
    const [action, ...assignments] = positional;
    if (!action) throw new CliError('usage: attune executions run <action> [name=value ...]');
    const accepted = answerOf(
      await client.POST('/api/v1/executions', {
        body: { action, parameters: parametersFrom(assignments) },
      }),
    );
    if (!options.has('wait')) {
      out(JSON.stringify(accepted));
      return 0;
    }
    const finished = await waitUntilFinished(client, accepted.id);
    out(JSON.stringify(finished, null, 2));
    return finished.status === 'succeeded' ? 0 : 1;
  }
  if (group === 'executions' && command === 'get') {
    const [id] = positional;
    if (!id) throw new CliError('usage: attune executions get <id>');
    out(JSON.stringify(await getExecution(client, id), null, 2));
    return 0;
  }
  if (group === 'inquiries' && command === 'respond') {
    const [id, answer] = positional;
    if (!id || answer === undefined) {
      throw new CliError('usage: attune inquiries respond <id> <JSON answer>');
    }
    const inquiry = answerOf(
      await client.POST('/api/v1/inquiries/{id}/respond', {
        params: { path: { id } },
        body: { response: jsonOrText(answer) as Schemas['RespondToInquiryDto']['response'] },
      }),
    );
    out(JSON.stringify(inquiry, null, 2));
    return 0;
  }
  throw new CliError(`unknown command: ${group} ${command}`);
}

function clientFrom(env: NodeJS.ProcessEnv): AttuneClient {
  const key = env.ATTUNE_API_KEY || env.ATTUNE_ADMIN_KEY;
  if (!key) throw new CliError('set ATTUNE_API_KEY to a key (attune keys create)');
  const baseUrl = env.ATTUNE_URL || `http://127.0.0.1:${env.PORT || 3000}`;
  return createAttuneClient({ baseUrl, key });
}

/** The answer's body, or a one-line error naming the API's message. */
function answerOf<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new CliError(describeError(result.response.status, result.error));
  }
  return result.data;
}

async function getExecution(client: AttuneClient, id: string): Promise<Schemas['ExecutionView']> {
  return answerOf(await client.GET('/api/v1/executions/{id}', { params: { path: { id } } }));
}

async function waitUntilFinished(
  client: AttuneClient,
  id: string,
): Promise<Schemas['ExecutionView']> {
  for (;;) {
    const execution = await getExecution(client, id);
    if (TERMINAL.includes(execution.status)) return execution;
    await delay(WAIT_POLL_MS);
  }
}

/** `name=value` pairs; a value that parses as JSON is that JSON (n=3 is a number). */
function parametersFrom(assignments: string[]): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new CliError(`expected name=value, got '${assignment}'`);
    parameters[assignment.slice(0, at)] = jsonOrText(assignment.slice(at + 1));
  }
  return parameters;
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
