import { Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiController } from '../common/api-controller.decorator';
import { WorkerListQueryDto, WorkerPage } from './worker.dto';
import { WorkersService } from './workers.service';

@ApiController('workers', 'workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get()
  @ApiOkResponse({ type: WorkerPage, description: 'Newest registration first' })
  list(@Query() query: WorkerListQueryDto) {
    return this.workers.list(query);
  }
}
