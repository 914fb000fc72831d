import { DefinitionController } from '../definitions/definition.controller';
import { CreateTriggerDto, ReplaceTriggerDto, TriggerPage, TriggerView } from './trigger.dto';
import { TriggersService } from './triggers.service';

export class TriggersController extends DefinitionController({
  path: 'triggers',
  noun: 'trigger',
  service: TriggersService,
  create: CreateTriggerDto,
  replace: ReplaceTriggerDto,
  view: TriggerView,
  page: TriggerPage,
  removeConflict: 'Used by rules or sensors, or core',
}) {}
