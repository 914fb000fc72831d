import { Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiController } from '../common/api-controller.decorator';
import { EnforcementListQueryDto, EnforcementPage } from './enforcement.dto';
import { EnforcementsService } from './enforcements.service';

@ApiController('enforcements', 'enforcements')
export class EnforcementsController {
  constructor(private readonly enforcements: EnforcementsService) {}

  @Get()
  @ApiOkResponse({ type: EnforcementPage, description: 'Newest first' })
  list(@Query() query: EnforcementListQueryDto) {
    return this.enforcements.list(query);
  }
}
