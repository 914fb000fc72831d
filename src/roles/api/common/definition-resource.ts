import { DatabaseService } from '../../../database/database.service';
import { DefinitionRow, DefinitionTable, DefinitionValues } from './definition-table';
import { Page, PaginationQueryDto, toPage } from './pagination';
import { assertPathRef } from './ref';
import { inTransaction, Sql } from './sql';

/**
 * List, read, create and replace for one definition resource (triggers, actions, rules,
 * sensors). Each resource says how a DTO becomes columns (its checks, and the rows it locks
 * in the same transaction) and how a row is shown; deleting differs too much to share.
 */
export abstract class DefinitionResource<Row extends DefinitionRow, View, Definition> {
  protected readonly table: DefinitionTable<Row>;

  protected constructor(
    protected readonly db: DatabaseService,
    table: DefinitionTable<Row>['table'],
    /** What caches these definitions, told after every change. */
    private readonly cache?: { invalidate(ref: string): void },
  ) {
    this.table = new DefinitionTable(db, table);
  }

  /** The DTO as columns; runs in the write's transaction, so it may lock what it depends on. */
  protected abstract columns(
    dto: Definition,
    sql: Sql,
  ): DefinitionValues | Promise<DefinitionValues>;

  protected abstract toView(row: Row): View;

  protected changed(ref: string): void {
    this.cache?.invalidate(ref);
  }

  async list(query: PaginationQueryDto): Promise<Page<View>> {
    return toPage(await this.table.page(query), (row) => this.toView(row));
  }

  async get(ref: string): Promise<View> {
    return this.toView(await this.table.get(ref));
  }

  async create(dto: Definition & { ref: string }): Promise<View> {
    this.table.assertWritable(dto.ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.insert({ ref: dto.ref, ...(await this.columns(dto, sql)) }, sql),
    );
    this.changed(dto.ref);
    return this.toView(row);
  }

  async replace(ref: string, dto: Definition & { ref?: string }): Promise<View> {
    assertPathRef(ref, dto.ref);
    this.table.assertWritable(ref);
    const row = await inTransaction(this.db, async (sql) =>
      this.table.replace(ref, await this.columns(dto, sql), sql),
    );
    this.changed(ref);
    return this.toView(row);
  }
}
