import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A 400 that lists every problem found, so a client can fix them all in one go. */
export class InvalidInputException extends BadRequestException {
  constructor(readonly problems: string[]) {
    super({ statusCode: 400, error: 'Bad Request', message: problems.join('; '), problems });
  }
}

export function notFound(kind: string, ref: string): NotFoundException {
  return new NotFoundException(`${kind} '${ref}' does not exist`);
}

export function conflict(message: string): ConflictException {
  return new ConflictException(message);
}

/** Throws a 400 when `problems` is not empty. */
export function assertNoProblems(problems: string[]): void {
  if (problems.length > 0) throw new InvalidInputException(problems);
}

/** The body of every error the API answers (documented once for OpenAPI). */
export class ApiErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'ref must look like pack.name' }) message!: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Each problem found, when a 400 has several to fix',
    example: ['ref must look like pack.name'],
  })
  details?: string[];
}
