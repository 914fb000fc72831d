import { Global, Module } from '@nestjs/common';
import { AuditTrail } from './audit-trail.service';
import { AuditStore } from './audit.store';

@Global()
@Module({ providers: [AuditStore, AuditTrail], exports: [AuditStore, AuditTrail] })
export class AuditModule {}
