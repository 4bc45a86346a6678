/**
 * @module detect
 * The door of batch detection over metric tables (`homeostat detect`). Pure: no I/O.
 */
export { type DetectOptions, type DetectResult, type DetectRow, detectCsv, detectTable } from './detect-table.js';
