import {
  DynamicModule,
  Global,
  INestApplication,
  Injectable,
  Module,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MESSAGING_NEEDS, MessagingNeeds } from './consumer-components';
import { ConsumerDriver } from './consumer-runtime/consumer-driver';
import { MessageDispatcher } from './consumer-runtime/message-dispatcher';
import { DeclaredTopology, TopologyDeclarer } from './declared-topology';
import {
  ConsumerControl,
  DeadLetterAdmin,
  MessagePublisher,
  QueueDepths,
  TopologyAdmin,
  TransportConnection,
} from './messaging.port';
import { PgConnection } from './postgres/pg-connection';
import { PgConsumers } from './postgres/pg-consumers';
import { PgDeadLetterAdmin } from './postgres/pg-dead-letter-admin';
import { PgPublisher } from './postgres/pg-publisher';
import { PgQueueDepths } from './postgres/pg-queue-depths';
import { PgQueueMaintenance } from './postgres/pg-queue-maintenance';
import { PgTopologyDeclarer } from './postgres/pg-topology';
import { BrokerConnection } from './rabbitmq/broker-connection';
import { RabbitConsumers } from './rabbitmq/rabbit-consumers';
import { RabbitDeadLetterAdmin } from './rabbitmq/rabbit-dead-letter-admin';
import { RabbitFailureRouter } from './rabbitmq/rabbit-failure-router';
import { RabbitPublisher } from './rabbitmq/rabbit-publisher';
import { RabbitQueueDepths } from './rabbitmq/rabbit-queue-depths';
import { TopologyManager } from './rabbitmq/topology-manager';
import { Topology } from './topology';
import { AttuneTransportServer } from './transport.server';

/** Starts connecting at module init, without blocking start-up. */
@Injectable()
class MessagingStarter implements OnModuleInit {
  constructor(private readonly connection: TransportConnection) {}

  async onModuleInit(): Promise<void> {
    await this.connection.start();
  }
}

/** The classes behind each port, per transport (MQ_TRANSPORT). */
const TRANSPORTS: Record<AppConfig['messaging']['transport'], Provider[]> = {
  rabbitmq: [
    BrokerConnection,
    TopologyManager,
    RabbitPublisher,
    RabbitDeadLetterAdmin,
    RabbitQueueDepths,
    RabbitFailureRouter,
    RabbitConsumers,
    { provide: TransportConnection, useExisting: BrokerConnection },
    { provide: TopologyDeclarer, useExisting: TopologyManager },
    { provide: ConsumerDriver, useExisting: RabbitConsumers },
    { provide: MessagePublisher, useExisting: RabbitPublisher },
    { provide: DeadLetterAdmin, useExisting: RabbitDeadLetterAdmin },
    { provide: QueueDepths, useExisting: RabbitQueueDepths },
  ],
  postgres: [
    PgConnection,
    PgTopologyDeclarer,
    PgPublisher,
    PgDeadLetterAdmin,
    PgQueueDepths,
    PgQueueMaintenance,
    PgConsumers,
    { provide: TransportConnection, useExisting: PgConnection },
    { provide: TopologyDeclarer, useExisting: PgTopologyDeclarer },
    { provide: ConsumerDriver, useExisting: PgConsumers },
    { provide: MessagePublisher, useExisting: PgPublisher },
    { provide: DeadLetterAdmin, useExisting: PgDeadLetterAdmin },
    { provide: QueueDepths, useExisting: PgQueueDepths },
  ],
};

@Global()
@Module({})
export class MessagingModule {
  /** `needs`: what the process's roles consume and declare (the role table; tests add probes). */
  static forRoot(config: AppConfig, needs: MessagingNeeds): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_NEEDS, useValue: needs },
        { provide: Topology, useValue: new Topology(config.messaging) },
        ...TRANSPORTS[config.messaging.transport],
        DeclaredTopology,
        MessageDispatcher,
        AttuneTransportServer,
        MessagingStarter,
        { provide: TopologyAdmin, useExisting: DeclaredTopology },
        { provide: ConsumerControl, useExisting: AttuneTransportServer },
      ],
      exports: [
        Topology,
        TransportConnection,
        AttuneTransportServer,
        TopologyAdmin,
        MessagePublisher,
        DeadLetterAdmin,
        QueueDepths,
        ConsumerControl,
      ],
    };
  }
}

/** Plugs the Attune transport into a Nest app; call before app.startAllMicroservices(). */
export function connectMessageConsumers(app: INestApplication): void {
  app.connectMicroservice(
    { strategy: app.get(AttuneTransportServer) },
    { inheritAppConfig: false },
  );
}
