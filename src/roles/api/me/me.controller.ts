import { Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { AnyKey, Caller } from '../../../auth/access.decorators';
import type { Principal } from '../../../auth/principal';
import { ApiController } from '../../../http/api-controller.decorator';

class HeldPermission {
  @ApiProperty({ example: 'executions:run' }) permission!: string;
  @ApiProperty({ type: [String], example: ['demo.*'] }) refs!: string[];
}

export class MeView {
  @ApiProperty({ example: 'ci' }) key!: string;
  @ApiProperty({ example: 'operator' }) role!: string;
  @ApiProperty({ type: [HeldPermission] }) permissions!: HeldPermission[];
}

/** Who the key is and what it may do (a console shows only what the key may do). */
@ApiController('me', 'me')
export class MeController {
  @ApiOperation({
    summary: 'Who am I',
    description: 'The calling key: its name, role and permissions.',
  })
  @Get()
  @AnyKey()
  @ApiOkResponse({ type: MeView })
  me(@Caller() caller: Principal): MeView {
    return { key: caller.keyName, role: caller.role, permissions: caller.permissions.list() };
  }
}
