import {
  ArgumentMetadata,
  Body,
  Get,
  HttpCode,
  Injectable,
  PipeTransform,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { ApiErrorBody, InvalidInputException } from '../../../common/errors';
import { PathParam } from '../../../http/path-params';
import {
  DeadLetterMessageList,
  DeadLetterQueueList,
  PeekQueryDto,
  ReplayDto,
  ReplayResult,
} from './dlq.dto';
import { DlqService } from './dlq.service';

/** AMQP queue names are at most 255 bytes; the same bound holds on the PostgreSQL transport. */
@Injectable()
class DeadLetterQueueNamePipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value) > 255) {
      throw new InvalidInputException([`${metadata.data ?? 'queue'} must be 1 to 255 bytes`]);
    }
    return value;
  }
}

/** A dead-letter queue by its full name, as GET /api/v1/dlq lists them. */
const DeadLetterQueueParam = () =>
  PathParam(
    'queue',
    DeadLetterQueueNamePipe,
    { type: 'string', minLength: 1, maxLength: 255, example: 'attune.executions.dlq' },
    'A dead-letter queue, as GET /api/v1/dlq names it',
  );

@ApiController('dlq', 'dead letters')
export class DlqController {
  constructor(private readonly dlq: DlqService) {}

  @ApiOperation({
    summary: 'List dead-letter queues',
    description: 'Every dead-letter queue of this prefix with how many messages it holds.',
  })
  @Get()
  @Requires('dlq:read')
  @ApiOkResponse({ type: DeadLetterQueueList, description: 'Every dead-letter queue and count' })
  list() {
    return this.dlq.list();
  }

  @ApiOperation({
    summary: 'Peek at dead letters',
    description:
      'Up to `limit` messages of a dead-letter queue with the reason each failed; nothing is removed.',
  })
  @Get(':queue/messages')
  @Requires('dlq:read')
  @ApiOkResponse({ type: DeadLetterMessageList, description: 'Read without removing them' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown dead-letter queue' })
  peek(@DeadLetterQueueParam() queue: string, @Query() query: PeekQueryDto) {
    return this.dlq.peek(queue, query.limit ?? 10);
  }

  @ApiOperation({
    summary: 'Replay dead letters',
    description: 'Moves up to `limit` messages back to the queue they failed on, oldest first.',
  })
  @Post(':queue/replay')
  @Requires('dlq:replay')
  @HttpCode(200)
  @ApiOkResponse({ type: ReplayResult, description: 'Sent back to the queue they failed on' })
  @ApiNotFoundResponse({ type: ApiErrorBody, description: 'Unknown dead-letter queue' })
  @ApiConflictResponse({ type: ApiErrorBody, description: 'Not replayable' })
  replay(
    @DeadLetterQueueParam() queue: string,
    @Body() dto: ReplayDto,
    @Caller() caller: Principal,
  ) {
    return this.dlq.replay(queue, dto.limit ?? 100, caller);
  }
}
