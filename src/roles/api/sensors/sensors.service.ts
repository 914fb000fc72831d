import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { DatabaseService } from '../../../database/database.service';
import { assertNoProblems, notFound } from '../common/api-errors';
import { DefinitionResource } from '../common/definition-resource';
import { DefinitionRow, DefinitionTable } from '../common/definition-table';
import { jsonParam, Sql } from '../common/sql';
import { iso } from '../../../common/iso';
import { sensorConfigProblems } from './sensor-config';
import { SensorDefinitionDto, SensorView } from './sensor.dto';

interface SensorRow extends DefinitionRow {
  description: string | null;
  type: string;
  trigger_ref: string;
  config: Record<string, unknown>;
  enabled: boolean;
}

@Injectable()
export class SensorsService extends DefinitionResource<SensorRow, SensorView, SensorDefinitionDto> {
  private readonly triggers: DefinitionTable<DefinitionRow>;

  constructor(db: DatabaseService, audit: AuditTrail) {
    super(db, audit, 'sensor');
    this.triggers = new DefinitionTable(db, 'trigger');
  }

  protected async removeRow(ref: string): Promise<void> {
    await this.table.remove(ref);
  }

  protected toView(row: SensorRow): SensorView {
    return toView(row);
  }

  /** The trigger stays locked (FOR SHARE) until the sensor is written, as for rules. */
  protected async columns(dto: SensorDefinitionDto, sql: Sql) {
    assertNoProblems(sensorConfigProblems(dto.type, dto.config));
    if (!(await this.triggers.lock(dto.trigger, sql, 'SHARE'))) {
      throw notFound('trigger', dto.trigger);
    }
    return {
      description: dto.description ?? null,
      type: dto.type,
      trigger_ref: dto.trigger,
      config: jsonParam(dto.config),
      enabled: dto.enabled ?? true,
    };
  }
}

function toView(row: SensorRow): SensorView {
  return {
    id: row.id,
    ref: row.ref,
    description: row.description,
    type: row.type,
    trigger: row.trigger_ref,
    config: row.config,
    enabled: row.enabled,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}
