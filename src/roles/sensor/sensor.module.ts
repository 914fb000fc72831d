import { Module } from '@nestjs/common';
import { SensorScheduler } from './sensor-scheduler';

/** The sensor role: timer and http-poll sensors that turn the world into events. */
@Module({
  providers: [SensorScheduler],
})
export class SensorModule {}
