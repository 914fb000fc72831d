import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  applyDecorators,
  BadRequestException,
  Controller,
  Get,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { EventStreamClient } from './event-stream-client';
import { LiveClientRegistry } from './live-client-registry';
import {
  FILTER_PARAMETERS,
  InvalidFilterError,
  NotificationFilter,
  parseNotificationFilter,
  permittedFor,
  QueryValue,
} from './notification-filter';
import { Caller, Requires } from '../../auth/access.decorators';
import { ApiErrorBody } from '../../common/errors';
import type { Principal } from '../../auth/principal';
import { NotificationHub, REPLAY_WINDOW } from './notification-hub';

/** How long EventSource waits before reconnecting after the stream ends. */
const RECONNECT_AFTER_MS = 2000;

const FilterQueries = applyDecorators(
  ...Object.entries(FILTER_PARAMETERS).map(([name, description]) =>
    ApiQuery({ name, description, required: false, type: String }),
  ),
);

/** Live notifications as Server-Sent Events (the notifier role; WebSocket is at /ws). */
@ApiTags('notifier')
@Controller('api/v1/stream')
export class NotificationStreamController {
  constructor(
    private readonly hub: NotificationHub,
    private readonly clients: LiveClientRegistry,
  ) {}

  @Get()
  @Requires('executions:read', { ticket: true })
  @ApiQuery({
    name: 'ticket',
    required: false,
    type: String,
    description:
      'A single-use ticket (POST /api/v1/stream/tickets) for clients that cannot send headers',
  })
  @ApiOperation({
    summary: 'Live notifications (Server-Sent Events); the same feed is on WebSocket /ws',
    description:
      'Each notification is an unnamed event whose data is `{ id, event_id, type, kind, execution_id, ' +
      'action, status, correlation_id, inquiry_id?, worker_id?, created_at, scheduled_at, ' +
      'started_at, finished_at, at }` and whose SSE id resumes the stream (Last-Event-ID) ' +
      `within the last ${REPLAY_WINDOW} notifications of this notifier. \`event: reset\` says ` +
      'the position could not be resumed (refetch state, live events follow); `event: error` ' +
      'says the client was dropped for reading too slowly. `: ping` comments keep idle ' +
      'streams open. The same filters and message shape apply to /ws, which resumes from ' +
      '`?last_event_id=<event_id>` and says it could not with a `{ type: "reset" }` frame.',
  })
  @FilterQueries
  @ApiQuery({
    name: 'last_event_id',
    required: false,
    type: String,
    description: 'Like Last-Event-ID, for clients that cannot set headers',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event' })
  @ApiOkResponse({
    description: 'An endless text/event-stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ type: ApiErrorBody, description: 'Invalid filter' })
  stream(
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
    @Query() query: Record<string, QueryValue>,
    @Caller() caller: Principal,
  ): void {
    const filter = { ...parseFilter(query), permitted: permittedFor(caller) };
    const lastEventId =
      firstValue(request.headers['last-event-id']) ?? firstValue(query.last_event_id);

    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    request.socket.setNoDelay(true);
    const client = new EventStreamClient(response, (sequence) => this.hub.eventId(sequence));
    client.open(RECONNECT_AFTER_MS);

    // Replay and subscribe in one synchronous step, so nothing falls between them.
    let backlog = undefined;
    if (lastEventId) {
      const resume = this.hub.resumeFrom(lastEventId);
      if (resume.found) backlog = resume.missed;
      else client.event('reset', { reason: resume.reason }, this.hub.lastId);
    }
    response.once('close', () => this.clients.remove(client));
    this.clients.add(client, filter, backlog);
  }
}

function parseFilter(query: Record<string, QueryValue>): NotificationFilter {
  try {
    return parseNotificationFilter((name) => query[name]);
  } catch (error) {
    if (!(error instanceof InvalidFilterError)) throw error;
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: error.message,
      problems: error.problems,
    });
  }
}

function firstValue(value: QueryValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
