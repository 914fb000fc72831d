import { loadConfig } from '../config/app-config';
import { createDataSource } from './data-source';

/** For the typeorm CLI (`npm run migrate`): the app's own DATABASE_URL and migrations. */
export default createDataSource(loadConfig().database.url);
