import { Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiController } from '../common/api-controller.decorator';
import { ApiErrorBody } from '../common/api-errors';
import { UuidPipe } from '../common/uuid';
import { EventListQueryDto, EventPage, EventView } from './event.dto';
import { EventsService } from './events.service';

@ApiController('events', 'events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOkResponse({ type: EventPage, description: 'Newest first' })
  list(@Query() query: EventListQueryDto) {
    return this.events.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: EventView })
  @ApiNotFoundResponse({ type: ApiErrorBody })
  get(@Param('id', UuidPipe) id: string) {
    return this.events.get(id);
  }
}
