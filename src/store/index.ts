/**
 * @module store
 * The store's door: the {@link Store} port and its record types. Adapters live in sub-folders
 * (`store/sqlite/`) with their own door; the shared contract suite (`store-contract.ts`) is
 * imported directly by adapter tests.
 */
export type { ModelStateRecord, Page, Store, StoredPoint } from './store.js';
