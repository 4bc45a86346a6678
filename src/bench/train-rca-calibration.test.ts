import { describe, expect, it } from 'vitest';
import { calibrationBlocks } from './train-rca-calibration.js';

describe('calibrationBlocks', () => {
  it('pools decision-time cases into monotone blocks rounded for the source file', () => {
    expect(
      calibrationBlocks([
        { raw: 0.912345, correct: true },
        { raw: 0.3, correct: false },
        { raw: 0.5, correct: true },
        { raw: 0.6, correct: false },
      ]),
    ).toEqual([
      { x: 0.3, n: 1, positives: 0 },
      { x: 0.55, n: 2, positives: 1 },
      { x: 0.9123, n: 1, positives: 1 },
    ]);
  });
});
