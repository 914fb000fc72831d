import { DefinitionController } from '../definitions/definition.controller';
import { CreateRuleDto, ReplaceRuleDto, RulePage, RuleView } from './rule.dto';
import { RulesService } from './rules.service';

export class RulesController extends DefinitionController({
  path: 'rules',
  noun: 'rule',
  service: RulesService,
  create: CreateRuleDto,
  replace: ReplaceRuleDto,
  view: RuleView,
  page: RulePage,
  unknownOnCreate: 'Unknown trigger or action',
  removeConflict: 'Core pack is read-only',
}) {}
