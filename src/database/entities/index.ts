import { ActionEntity } from './action.entity';
import { EnforcementEntity } from './enforcement.entity';
import { EventEntity } from './event.entity';
import { ExecutionEntity } from './execution.entity';
import { InquiryEntity } from './inquiry.entity';
import { RuleEntity } from './rule.entity';
import { SensorEntity } from './sensor.entity';
import { TriggerEntity } from './trigger.entity';
import { WorkerEntity } from './worker.entity';

export {
  ActionEntity,
  EnforcementEntity,
  EventEntity,
  ExecutionEntity,
  InquiryEntity,
  RuleEntity,
  SensorEntity,
  TriggerEntity,
  WorkerEntity,
};

export const ENTITIES = [
  TriggerEntity,
  ActionEntity,
  RuleEntity,
  SensorEntity,
  EventEntity,
  EnforcementEntity,
  ExecutionEntity,
  WorkerEntity,
  InquiryEntity,
];
