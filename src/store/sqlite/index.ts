/**
 * @module store/sqlite
 * The SQLite adapter's door: the embedded default {@link SqliteStore} and its factory.
 */
export {
  DEFAULT_LIST_LIMIT,
  DEFAULT_POINTS_LIMIT,
  MAX_LIST_LIMIT,
  MAX_POINTS_LIMIT,
  SqliteStore,
  openSqliteStore,
} from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
