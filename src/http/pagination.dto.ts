import { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_LIMIT, EXACT_TOTAL_UP_TO, MAX_LIMIT, RowPage } from '../stores/list-page';

/** `?limit&offset` or `?limit&cursor` of every list endpoint. */
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

  @ApiPropertyOptional({
    description:
      'The next_cursor of the previous page: the page after it, as fast deep in a long ' +
      'history as at its start. Not with offset.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not one this list gave out' })
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Offset pages only: exact up to EXACT_TOTAL_UP_TO matching rows, estimated beyond. */
  total?: number;
  total_is_estimate?: boolean;
  limit: number;
  offset?: number;
  next_cursor: string | null;
}

/** An OpenAPI class for `{ items, total, limit, offset }` of `item`. */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiPropertyOptional({
      description:
        `Matching rows, on offset pages (not on cursor pages): exact up to ${EXACT_TOTAL_UP_TO}, ` +
        "PostgreSQL's estimate beyond (then total_is_estimate is true)",
    })
    total?: number;
    @ApiPropertyOptional() total_is_estimate?: boolean;
    @ApiProperty() limit!: number;
    @ApiPropertyOptional({ description: 'Offset pages only' }) offset?: number;
    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as ?cursor= for the next page; null on the last page',
    })
    next_cursor!: string | null;
  }
  Object.defineProperty(PageOfItems, 'name', { value: `${item.name}Page` });
  return PageOfItems;
}

/** Maps the rows of a page to their API view. */
export function toPage<Row, View>(page: RowPage<Row>, view: (row: Row) => View): Page<View> {
  const items = page.rows.map(view);
  if (page.total === undefined) return { items, limit: page.limit, next_cursor: page.nextCursor };
  return {
    items,
    total: page.total,
    total_is_estimate: page.totalIsEstimate ?? false,
    limit: page.limit,
    offset: page.offset ?? 0,
    next_cursor: page.nextCursor,
  };
}
