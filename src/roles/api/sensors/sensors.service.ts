import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../../database/database.service';
import { assertNoProblems, notFound } from '../common/api-errors';
import { DefinitionRow, DefinitionTable } from '../common/definition-table';
import { Page, PaginationQueryDto, toPage } from '../common/pagination';
import { assertPathRef } from '../common/ref';
import { inTransaction, iso, jsonParam, Sql } from '../common/sql';
import { sensorConfigProblems } from './sensor-config';
import { CreateSensorDto, ReplaceSensorDto, SensorDefinitionDto, SensorView } from './sensor.dto';

interface SensorRow extends DefinitionRow {
  description: string | null;
  type: string;
  trigger_ref: string;
  config: Record<string, unknown>;
  enabled: boolean;
}

@Injectable()
export class SensorsService {
  private readonly table: DefinitionTable<SensorRow>;
  private readonly triggers: DefinitionTable<DefinitionRow>;

  constructor(private readonly db: DatabaseService) {
    this.table = new DefinitionTable(db, 'sensor');
    this.triggers = new DefinitionTable(db, 'trigger');
  }

  async list(query: PaginationQueryDto): Promise<Page<SensorView>> {
    return toPage(await this.table.page(query), toView);
  }

  async get(ref: string): Promise<SensorView> {
    return toView(await this.table.get(ref));
  }

  async create(dto: CreateSensorDto): Promise<SensorView> {
    this.table.assertWritable(dto.ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.insert({ ref: dto.ref, ...(await this.columns(dto, sql)) }, sql),
    );
    return toView(row);
  }

  async replace(ref: string, dto: ReplaceSensorDto): Promise<SensorView> {
    assertPathRef(ref, dto.ref);
    this.table.assertWritable(ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.replace(ref, await this.columns(dto, sql), sql),
    );
    return toView(row);
  }

  async remove(ref: string): Promise<void> {
    await this.table.remove(ref);
  }

  /** The trigger stays locked (FOR SHARE) until the sensor is written, as for rules. */
  private async columns(dto: SensorDefinitionDto, sql: Sql) {
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
