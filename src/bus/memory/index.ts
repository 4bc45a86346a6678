/** @module bus/memory — the in-process Bus adapter (embedded default). */
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
