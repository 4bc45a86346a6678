/**
 * @module models/xgboost
 * Gradient-boosted trees: training through Debian's libxgboost (FFI, `native.ts`) and a pure
 * TypeScript evaluator with TreeSHAP explanations for serving (`trees.ts`), so inference needs no
 * native library.
 */
export {
  loadXgboost,
  trainXgboost,
  trainXgboostChecked,
  XGBOOST_LIBRARY,
  type XgbMatrix,
  type XgbNativeOptions,
  type XgbParams,
  xgboostAvailable,
  xgboostTestsEnabled,
} from './native.js';
export {
  type CompiledTree,
  compileXgbModel,
  contributions,
  predictMargin,
  predictMargins,
  predictProbability,
  sigmoid,
  topContributions,
  type XgbContributions,
  type XgbModelJson,
  type XgbTreeJson,
  type XgbTrees,
} from './trees.js';
