/**
 * @module forecast
 * The door of batch forecasting over metric tables (`homeostat forecast`) and of the step-mapped
 * forecaster configs shared with `homeostat bench capacity`. Pure: no I/O.
 */
export {
  type ForecastRow,
  type ForecastTableOptions,
  type ForecastTableResult,
  forecastCsv,
  forecastTable,
  inferStepMs,
} from './forecast-table.js';
export { configForStep, DAY_MS, forecasterConfig, type ForecasterConfigOptions } from './forecaster-config.js';
