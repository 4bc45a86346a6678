/**
 * @module errors
 * The one error type of Homeostat, with a small code union mapped to HTTP in `api/`.
 */

/** What kind of failure an error is. */
export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'unauthenticated'
  | 'permission_denied'
  | 'internal';

/**
 * An error with a code. Messages say what was wrong, what was expected and what was received:
 * `horizon must be a duration like 24h (got "tomorrow")`.
 */
export class HomeostatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HomeostatError';
    this.code = code;
  }
}

/** Shorthand for an `invalid_argument` error. */
export function invalid(message: string): HomeostatError {
  return new HomeostatError('invalid_argument', message);
}

/** Renders a received value for an error message, short and unambiguous. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
