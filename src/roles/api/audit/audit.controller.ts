import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AuditStore } from '../../../stores/audit.store';
import { Requires } from '../../../auth/access.decorators';
import { iso } from '../../../common/iso';
import { ApiController } from '../../../http/api-controller.decorator';
import { Page, toPage } from '../../../http/pagination.dto';
import { AuditEntryView, AuditListQueryDto, AuditPage } from './audit.dto';

@ApiController('audit', 'audit')
export class AuditController {
  constructor(private readonly audit: AuditStore) {}

  @ApiOperation({
    summary: 'List audit entries',
    description:
      'Who changed what and when (definitions, keys, roles, secrets, replays, runs), newest first.',
  })
  @Get()
  @Requires('audit:read')
  @ApiOkResponse({ type: AuditPage, description: 'Newest first' })
  async list(@Query() query: AuditListQueryDto): Promise<Page<AuditEntryView>> {
    return toPage(await this.audit.page(query), (row) => ({ ...row, at: iso(row.at) }));
  }
}
