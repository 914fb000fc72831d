import { Get, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { IdParam } from '../../../http/path-params';
import { ApiErrorBody } from '../../../common/errors';
import { EventListQueryDto, EventPage, EventView } from './event.dto';
import { EventsService } from './events.service';

@ApiController('events', 'events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @ApiOperation({
    summary: 'List events',
    description: 'Events received from webhooks and sensors, newest first.',
  })
  @Get()
  @Requires('events:read')
  @ApiOkResponse({ type: EventPage, description: 'Newest first' })
  list(@Query() query: EventListQueryDto, @Caller() caller: Principal) {
    return this.events.list(query, caller);
  }

  @ApiOperation({
    summary: 'Get an event',
    description: 'One event with its payload.',
  })
  @Get(':id')
  @Requires('events:read')
  @ApiOkResponse({ type: EventView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@IdParam() id: string, @Caller() caller: Principal) {
    return this.events.get(id, caller);
  }
}
