import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../../audit/audit-trail.service';
import { DatabaseService } from '../../../database/database.service';
import { assertNoProblems, notFound } from '../../../common/errors';
import { DefinitionService } from '../definitions/definition.service';
import { SensorRow, SensorStore } from '../../../stores/sensor.store';
import { TriggerStore } from '../../../stores/trigger.store';
import { jsonParam, Sql } from '../../../stores/sql';
import { iso } from '../../../common/iso';
import { sensorConfigProblems } from './sensor-config';
import { SensorDefinitionDto, SensorView } from './sensor.dto';

@Injectable()
export class SensorsService extends DefinitionService<SensorRow, SensorView, SensorDefinitionDto> {
  constructor(
    db: DatabaseService,
    audit: AuditTrail,
    sensors: SensorStore,
    private readonly triggers: TriggerStore,
  ) {
    super(db, audit, sensors);
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
