import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import { DefinitionRow, DefinitionStore } from './definition.store';
import { Sql } from './sql';

export interface RuleRow extends DefinitionRow {
  description: string | null;
  trigger_ref: string;
  criteria: Record<string, unknown> | null;
  action_ref: string;
  parameters: Record<string, unknown> | null;
  enabled: boolean;
}

/** The rule table. */
@Injectable()
export class RuleStore extends DefinitionStore<RuleRow> {
  constructor(db: DatabaseService) {
    super(db, 'rule');
  }

  /** The enabled rules of a trigger, by ref (what every event of it is matched against). */
  enabledForTrigger(triggerRef: string): Promise<RuleRow[]> {
    return this.db.query<RuleRow>(
      `SELECT ref, trigger_ref, criteria, action_ref, parameters FROM rule
        WHERE trigger_ref = $1 AND enabled ORDER BY ref`,
      [triggerRef],
    );
  }

  /** Rules that run the action (in the caller's transaction, which locks the action). */
  async refsRunning(sql: Sql, actionRef: string): Promise<string[]> {
    const rows = await sql.rows<{ ref: string }>(
      'SELECT ref FROM rule WHERE action_ref = $1 ORDER BY ref',
      [actionRef],
    );
    return rows.map((row) => row.ref);
  }

  /** Rules on the trigger (in the caller's transaction, which locks the trigger). */
  async refsOnTrigger(sql: Sql, triggerRef: string): Promise<string[]> {
    const rows = await sql.rows<{ ref: string }>(
      'SELECT ref FROM rule WHERE trigger_ref = $1 ORDER BY ref',
      [triggerRef],
    );
    return rows.map((row) => row.ref);
  }
}
