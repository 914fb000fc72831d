import { Initial1795617663495 } from './1795617663495-Initial';

/** Every migration, in order; new ones are appended here. */
export const MIGRATIONS = [Initial1795617663495];
