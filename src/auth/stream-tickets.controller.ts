import { randomBytes } from 'node:crypto';
import { Controller, Module, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Caller, Requires } from './access.decorators';
import { hashApiKey } from './api-key';
import type { Principal } from './principal';
import { StreamTicketStore } from '../stores/stream-ticket.store';

/** How long a ticket may wait for its stream. */
export const STREAM_TICKET_TTL_MS = 60_000;

export class StreamTicket {
  @ApiProperty({ description: 'Pass as ?ticket= to /ws or /api/v1/stream; it works once' })
  ticket!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
}

/**
 * Browsers cannot send headers with EventSource or WebSocket, and keys never travel in URLs: a
 * client trades its key for a ticket that opens one stream, once, within 60 s. Served by the
 * api and notifier roles alike (tickets live in the database, valid on every notifier).
 */
@ApiTags('streams')
@Controller('api/v1/stream/tickets')
export class StreamTicketsController {
  constructor(private readonly tickets: StreamTicketStore) {}

  @ApiOperation({
    summary: 'Get a stream ticket',
    description:
      'A single-use ticket valid for 60 s that opens /ws or the SSE stream where a header cannot be sent (a browser).',
  })
  @Post()
  @Requires('executions:read')
  @ApiCreatedResponse({ type: StreamTicket })
  async create(@Caller() caller: Principal): Promise<StreamTicket> {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = await this.tickets.insert(
      hashApiKey(ticket),
      caller.keyHash,
      STREAM_TICKET_TTL_MS,
    );
    return { ticket, expires_at: expiresAt.toISOString() };
  }
}

/** Imported by both roles that serve streams' tickets; one controller when both run. */
@Module({ controllers: [StreamTicketsController] })
export class StreamTicketsModule {}
