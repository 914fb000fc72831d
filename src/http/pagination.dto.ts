import { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_LIMIT, MAX_LIMIT, RowPage } from '../stores/list-page';

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

/** Maps the rows of a page to their API view. */
export function toPage<Row, View>(page: RowPage<Row>, view: (row: Row) => View): Page<View> {
  return { items: page.rows.map(view), total: page.total, limit: page.limit, offset: page.offset };
}
