import { Initial1795617663495 } from './1795617663495-Initial';
import { AccessAndSecrets1796200000000 } from './1796200000000-AccessAndSecrets';
import { WaitingLine1796300000000 } from './1796300000000-WaitingLine';
import { MessageQueues1796400000000 } from './1796400000000-MessageQueues';
import { Workflows1796500000000 } from './1796500000000-Workflows';
import { HistoryAndPolicies1796600000000 } from './1796600000000-HistoryAndPolicies';

/** Every migration, in order; new ones are appended here. */
export const MIGRATIONS = [
  Initial1795617663495,
  AccessAndSecrets1796200000000,
  WaitingLine1796300000000,
  MessageQueues1796400000000,
  Workflows1796500000000,
  HistoryAndPolicies1796600000000,
];
