import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Caller, Requires } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';
import { EnforcementListQueryDto, EnforcementPage } from './enforcement.dto';
import { EnforcementsService } from './enforcements.service';

@ApiController('enforcements', 'enforcements')
export class EnforcementsController {
  constructor(private readonly enforcements: EnforcementsService) {}

  @ApiOperation({
    summary: 'List enforcements',
    description: 'Each rule that matched an event and the execution it requested, newest first.',
  })
  @Get()
  @Requires('enforcements:read')
  @ApiOkResponse({ type: EnforcementPage, description: 'Newest first' })
  list(@Query() query: EnforcementListQueryDto, @Caller() caller: Principal) {
    return this.enforcements.list(query, caller);
  }
}
