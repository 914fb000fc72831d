import {
  DynamicModule,
  Global,
  INestApplication,
  Injectable,
  Module,
  OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MESSAGING_NEEDS, MessagingNeeds } from './consumer-components';
import { MessageDispatcher } from './consumer-runtime/message-dispatcher';
import { ConsumerDriver } from './consumer-runtime/consumer-driver';
import {
  ConsumerControl,
  DeadLetterAdmin,
  MessagePublisher,
  QueueDepths,
  TopologyAdmin,
  TransportConnection,
} from './messaging.port';
import { BrokerConnection } from './rabbitmq/broker-connection';
import { RabbitConsumers } from './rabbitmq/rabbit-consumers';
import { RabbitFailureRouter } from './rabbitmq/rabbit-failure-router';
import { RabbitDeadLetterAdmin } from './rabbitmq/rabbit-dead-letter-admin';
import { RabbitPublisher } from './rabbitmq/rabbit-publisher';
import { RabbitQueueDepths } from './rabbitmq/rabbit-queue-depths';
import { RabbitTopologyAdmin } from './rabbitmq/rabbit-topology-admin';
import { TopologyManager } from './rabbitmq/topology-manager';
import { Topology } from './topology';
import { AttuneTransportServer } from './transport.server';

/** Starts connecting at module init, without blocking start-up. */
@Injectable()
class MessagingStarter implements OnModuleInit {
  constructor(private readonly broker: BrokerConnection) {}

  async onModuleInit(): Promise<void> {
    await this.broker.start();
  }
}

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
        BrokerConnection,
        TopologyManager,
        RabbitTopologyAdmin,
        RabbitPublisher,
        RabbitDeadLetterAdmin,
        RabbitQueueDepths,
        MessageDispatcher,
        RabbitFailureRouter,
        RabbitConsumers,
        AttuneTransportServer,
        MessagingStarter,
        { provide: TransportConnection, useExisting: BrokerConnection },
        { provide: ConsumerDriver, useExisting: RabbitConsumers },
        { provide: TopologyAdmin, useExisting: RabbitTopologyAdmin },
        { provide: MessagePublisher, useExisting: RabbitPublisher },
        { provide: DeadLetterAdmin, useExisting: RabbitDeadLetterAdmin },
        { provide: QueueDepths, useExisting: RabbitQueueDepths },
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
