import { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Sql } from './sql';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** `?limit&offset` of every list endpoint. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** An OpenAPI class for `{ items, total, limit, offset }` of `item`. */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty() total!: number;
    @ApiProperty() limit!: number;
    @ApiProperty() offset!: number;
  }
  Object.defineProperty(PageOfItems, 'name', { value: `${item.name}Page` });
  return PageOfItems;
}

export interface ListSpec {
  /** Table (or join) to read. */
  from: string;
  columns: string;
  /** Filters whose value is undefined are left out; `?` stands for the value. */
  filters?: Array<{ sql: string; value: unknown }>;
  orderBy: string;
}

/** One page of rows and the total that match, newest first as `orderBy` says. */
export async function listPage<Row>(
  sql: Sql,
  spec: ListSpec,
  query: PaginationQueryDto,
): Promise<{ rows: Row[]; total: number; limit: number; offset: number }> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const offset = query.offset ?? 0;
  const params: unknown[] = [];
  const conditions = (spec.filters ?? [])
    .filter((filter) => filter.value !== undefined)
    .map((filter) => {
      params.push(filter.value);
      return filter.sql.replace('?', `$${params.length}`);
    });
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const [rows, counted] = await Promise.all([
    sql.rows<Row>(
      `SELECT ${spec.columns} FROM ${spec.from} ${where} ORDER BY ${spec.orderBy}
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    ),
    sql.rows<{ total: number }>(`SELECT count(*)::int AS total FROM ${spec.from} ${where}`, params),
  ]);
  return { rows, total: counted[0]?.total ?? 0, limit, offset };
}

/** Maps the rows of a page to their API view. */
export function toPage<Row, View>(
  page: { rows: Row[]; total: number; limit: number; offset: number },
  view: (row: Row) => View,
): Page<View> {
  return { items: page.rows.map(view), total: page.total, limit: page.limit, offset: page.offset };
}
