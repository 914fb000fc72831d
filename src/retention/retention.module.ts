import { Module } from '@nestjs/common';
import { HistoryPruner } from './history-pruner';

/** Retention of history (decision 019): the pruner the executor runs and `attune prune` uses. */
@Module({ providers: [HistoryPruner], exports: [HistoryPruner] })
export class RetentionModule {}
