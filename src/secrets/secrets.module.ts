import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SecretCipher } from './secret-cipher';
import { SecretResolver } from './secret-resolver.service';

/** The cipher under ATTUNE_SECRET_KEY, the secret table and the worker's resolver. */
@Global()
@Module({
  providers: [
    {
      provide: SecretCipher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new SecretCipher(config.secrets.key, config.secrets.previousKeys),
    },
    SecretResolver,
  ],
  exports: [SecretCipher, SecretResolver],
})
export class SecretsModule {}
