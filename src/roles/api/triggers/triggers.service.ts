import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../../database/database.service';
import { assertNoProblems, conflict, notFound } from '../common/api-errors';
import { DefinitionRow, DefinitionTable } from '../common/definition-table';
import { Page, PaginationQueryDto, toPage } from '../common/pagination';
import { assertPathRef } from '../common/ref';
import { inTransaction, iso, jsonParam } from '../common/sql';
import { userSchemaProblem } from '../common/user-schema';
import {
  CreateTriggerDto,
  ReplaceTriggerDto,
  TriggerDefinitionDto,
  TriggerView,
} from './trigger.dto';
import { TriggerCatalog } from './trigger-catalog';

interface TriggerRow extends DefinitionRow {
  description: string | null;
  payload_schema: Record<string, unknown> | null;
}

@Injectable()
export class TriggersService {
  private readonly table: DefinitionTable<TriggerRow>;

  constructor(
    private readonly db: DatabaseService,
    private readonly catalog: TriggerCatalog,
  ) {
    this.table = new DefinitionTable(db, 'trigger');
  }

  async list(query: PaginationQueryDto): Promise<Page<TriggerView>> {
    return toPage(await this.table.page(query), toView);
  }

  async get(ref: string): Promise<TriggerView> {
    return toView(await this.table.get(ref));
  }

  async create(dto: CreateTriggerDto): Promise<TriggerView> {
    const row = await this.table.insert({ ref: dto.ref, ...columns(dto) });
    this.catalog.invalidate(dto.ref);
    return toView(row);
  }

  async replace(ref: string, dto: ReplaceTriggerDto): Promise<TriggerView> {
    assertPathRef(ref, dto.ref);
    const row = await this.table.replace(ref, columns(dto));
    this.catalog.invalidate(ref);
    return toView(row);
  }

  /** Refused while rules or sensors name the trigger; the row lock keeps new ones out meanwhile. */
  async remove(ref: string): Promise<void> {
    this.table.assertWritable(ref);
    await inTransaction(this.db, async (sql) => {
      if (!(await this.table.lock(ref, sql, 'UPDATE'))) throw notFound('trigger', ref);
      const users = await sql.rows<{ kind: string; ref: string }>(
        `SELECT 'rule' AS kind, ref FROM rule WHERE trigger_ref = $1
         UNION ALL SELECT 'sensor' AS kind, ref FROM sensor WHERE trigger_ref = $1
         ORDER BY kind, ref`,
        [ref],
      );
      if (users.length > 0) {
        const named = users.map((user) => `${user.kind} '${user.ref}'`).join(', ');
        throw conflict(`trigger '${ref}' is used by ${named}; delete or change those first`);
      }
      await this.table.remove(ref, sql);
    });
    this.catalog.invalidate(ref);
  }
}

function columns(dto: TriggerDefinitionDto) {
  const schema = dto.payload_schema ?? null;
  const problem = schema === null ? undefined : userSchemaProblem(schema, 'payload_schema');
  assertNoProblems(problem ? [problem] : []);
  return {
    description: dto.description ?? null,
    payload_schema: jsonParam(schema),
  };
}

function toView(row: TriggerRow): TriggerView {
  return {
    id: row.id,
    ref: row.ref,
    description: row.description,
    payload_schema: row.payload_schema,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}
