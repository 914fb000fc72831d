import { Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody } from '../../../common/errors';
import { UuidPipe } from '../../../http/uuid.pipe';
import { EventListQueryDto, EventPage, EventView } from './event.dto';
import { EventsService } from './events.service';

@ApiController('events', 'events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @Requires('events:read')
  @ApiOkResponse({ type: EventPage, description: 'Newest first' })
  list(@Query() query: EventListQueryDto, @Caller() caller: Principal) {
    return this.events.list(query, caller);
  }

  @Get(':id')
  @Requires('events:read')
  @ApiOkResponse({ type: EventView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', UuidPipe) id: string, @Caller() caller: Principal) {
    return this.events.get(id, caller);
  }
}
