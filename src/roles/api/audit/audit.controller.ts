import { Get, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { AuditStore } from '../../../stores/audit.store';
import { Requires } from '../../../auth/access.decorators';
import { iso } from '../../../common/iso';
import { ApiController } from '../../../http/api-controller.decorator';
import { Page, toPage } from '../../../http/pagination.dto';
import { AuditEntryView, AuditListQueryDto, AuditPage } from './audit.dto';

@ApiController('audit', 'audit')
export class AuditController {
  constructor(private readonly audit: AuditStore) {}

  @Get()
  @Requires('audit:read')
  @ApiOkResponse({ type: AuditPage, description: 'Newest first' })
  async list(@Query() query: AuditListQueryDto): Promise<Page<AuditEntryView>> {
    return toPage(await this.audit.page(query), (row) => ({ ...row, at: iso(row.at) }));
  }
}
