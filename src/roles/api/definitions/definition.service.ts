import { AuditTrail } from '../../../audit/audit-trail.service';
import type { Principal } from '../../../auth/principal';
import { refFilter } from '../../../auth/ref-scope';
import { DatabaseService } from '../../../database/database.service';
import { DefinitionRow, DefinitionStore, DefinitionValues } from '../../../stores/definition.store';
import { Page, PaginationQueryDto, toPage } from '../../../http/pagination.dto';
import { assertPathRef } from '../../../http/ref.pipe';
import { inTransaction, Sql } from '../../../stores/sql';

/** The resource of each definition table, as permissions and the API name it. */
const RESOURCE = {
  trigger: 'triggers',
  action: 'actions',
  rule: 'rules',
  sensor: 'sensors',
} as const;

/**
 * List, read, create, replace and delete for one definition resource (triggers, actions, rules,
 * sensors), each change written to the audit log. Each resource says how a DTO becomes columns
 * (its checks, and the rows it locks in the same transaction), how a row is shown and how it is
 * deleted (what may refuse it differs too much to share).
 */
export abstract class DefinitionService<Row extends DefinitionRow, View, Definition> {
  protected constructor(
    protected readonly db: DatabaseService,
    private readonly audit: AuditTrail,
    protected readonly table: DefinitionStore<Row>,
    /** What caches these definitions, told after every change. */
    private readonly cache?: { invalidate(ref: string): void },
  ) {}

  /** The DTO as columns; runs in the write's transaction, so it may lock what it depends on. */
  protected abstract columns(
    dto: Definition & { ref: string },
    sql: Sql,
    caller: Principal,
  ): DefinitionValues | Promise<DefinitionValues>;

  protected abstract toView(row: Row): View;

  /** Deletes the row of `ref` (404 when none), or refuses with why. */
  protected abstract removeRow(ref: string): Promise<void>;

  private changed(ref: string): void {
    this.cache?.invalidate(ref);
  }

  async list(query: PaginationQueryDto, caller: Principal): Promise<Page<View>> {
    const refs = refFilter(caller, `${RESOURCE[this.table.table]}:read`, 'ref');
    return toPage(await this.table.page(query, [refs]), (row) => this.toView(row));
  }

  async get(ref: string): Promise<View> {
    return this.toView(await this.table.get(ref));
  }

  async create(dto: Definition & { ref: string }, caller: Principal): Promise<View> {
    this.table.assertWritable(dto.ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.insert({ ref: dto.ref, ...(await this.columns(dto, sql, caller)) }, sql),
    );
    this.changed(dto.ref);
    await this.audit.record(caller, 'create', this.table.table, dto.ref);
    return this.toView(row);
  }

  async replace(ref: string, dto: Definition & { ref?: string }, caller: Principal): Promise<View> {
    assertPathRef(ref, dto.ref);
    this.table.assertWritable(ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.replace(ref, await this.columns({ ...dto, ref }, sql, caller), sql),
    );
    this.changed(ref);
    await this.audit.record(caller, 'update', this.table.table, ref);
    return this.toView(row);
  }

  async remove(ref: string, caller: Principal): Promise<void> {
    this.table.assertWritable(ref);
    await this.removeRow(ref);
    this.changed(ref);
    await this.audit.record(caller, 'delete', this.table.table, ref);
  }
}
