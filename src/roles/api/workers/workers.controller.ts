import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Requires } from '../../../auth/access.decorators';
import { ApiController } from '../../../http/api-controller.decorator';
import { WorkerListQueryDto, WorkerPage } from './worker.dto';
import { WorkersService } from './workers.service';

@ApiController('workers', 'workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @ApiOperation({
    summary: 'List workers',
    description: 'Registered workers with their capacity, load and last heartbeat.',
  })
  @Get()
  @Requires('workers:read')
  @ApiOkResponse({ type: WorkerPage, description: 'Newest registration first' })
  list(@Query() query: WorkerListQueryDto) {
    return this.workers.list(query);
  }
}
