import { DefinitionController } from '../definitions/definition.controller';
import { CreateActionDto, ReplaceActionDto, ActionPage, ActionView } from './action.dto';
import { ActionsService } from './actions.service';

export class ActionsController extends DefinitionController({
  path: 'actions',
  noun: 'action',
  service: ActionsService,
  create: CreateActionDto,
  replace: ReplaceActionDto,
  view: ActionView,
  page: ActionPage,
  removeConflict: 'Used by rules, or core',
}) {}
