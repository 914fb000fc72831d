import { Global, Module } from '@nestjs/common';
import { CorePackSeeder } from './core-pack.seeder';
import { DatabaseService } from './database.service';

@Global()
@Module({
  providers: [DatabaseService, CorePackSeeder],
  exports: [DatabaseService],
})
export class DatabaseModule {}
