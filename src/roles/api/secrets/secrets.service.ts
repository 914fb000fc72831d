import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { actorOf, Principal } from '../../../auth/principal';
import { iso } from '../../../common/iso';
import { SecretCipher, SecretsDisabledError } from '../../../secrets/secret-cipher';
import { secretContext } from '../../../secrets/secret-resolver.service';
import { SecretRow, SecretStore } from '../../../stores/secret.store';
import { Page, PaginationQueryDto, toPage } from '../../../http/pagination.dto';
import { PutSecretDto, SecretView } from './secret.dto';

/** Write-only secrets: values go in sealed and never come out of the API. */
@Injectable()
export class SecretsService {
  constructor(
    private readonly cipher: SecretCipher,
    private readonly secrets: SecretStore,
    private readonly audit: AuditTrail,
  ) {}

  async list(query: PaginationQueryDto): Promise<Page<SecretView>> {
    this.assertEnabled();
    return toPage(await this.secrets.page(query), toView);
  }

  async put(
    name: string,
    dto: PutSecretDto,
    caller: Principal,
  ): Promise<{ view: SecretView; created: boolean }> {
    this.assertEnabled();
    const { row, created } = await this.secrets.put({
      name,
      description: dto.description ?? null,
      keyId: this.cipher.currentKeyId,
      sealedValue: this.cipher.seal(dto.value, secretContext(name)),
      updatedBy: actorOf(caller),
    });
    await this.audit.record(caller, created ? 'create' : 'update', 'secret', name);
    return { view: toView(row), created };
  }

  async remove(name: string, caller: Principal): Promise<void> {
    this.assertEnabled();
    if (!(await this.secrets.remove(name))) {
      throw new NotFoundException(`secret '${name}' does not exist`);
    }
    await this.audit.record(caller, 'delete', 'secret', name);
  }

  private assertEnabled(): void {
    if (!this.cipher.enabled) throw new SecretsDisabledError();
  }
}

function toView(row: SecretRow): SecretView {
  return {
    name: row.name,
    description: row.description,
    updated_by: row.updated_by,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
