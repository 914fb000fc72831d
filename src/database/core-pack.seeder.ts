import { Injectable } from '@nestjs/common';
import { CORE_ACTIONS, CORE_TRIGGERS } from '../domain/core-pack';
import { ActionStore } from '../stores/action.store';
import { DatabaseService } from './database.service';
import { Sql } from '../stores/sql';
import { TriggerStore } from '../stores/trigger.store';

/**
 * Registers the built-in core pack while the database connects, before it counts as ready;
 * re-running it updates the definitions in place.
 */
@Injectable()
export class CorePackSeeder {
  constructor(db: DatabaseService) {
    db.addStartupStep((sql) => this.seed(sql));
  }

  async seed(sql: Sql): Promise<void> {
    await TriggerStore.upsertCore(sql, CORE_TRIGGERS);
    await ActionStore.upsertCore(sql, CORE_ACTIONS);
  }
}
