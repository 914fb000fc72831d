import { DefinitionController } from '../definitions/definition.controller';
import { CreateSensorDto, ReplaceSensorDto, SensorPage, SensorView } from './sensor.dto';
import { SensorsService } from './sensors.service';

export class SensorsController extends DefinitionController({
  path: 'sensors',
  noun: 'sensor',
  service: SensorsService,
  create: CreateSensorDto,
  replace: ReplaceSensorDto,
  view: SensorView,
  page: SensorPage,
  unknownOnCreate: 'Unknown trigger',
  removeConflict: 'Core pack is read-only',
}) {}
