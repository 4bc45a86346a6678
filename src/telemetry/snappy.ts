/**
 * @module telemetry/snappy
 * Decompressor for the Snappy *block* format (not the framed/stream format), which Prometheus
 * remote_write uses for its bodies. A block is the uncompressed length as a varint, then elements:
 * literals (tag low bits 00) and back-references with a 1-, 2- or 4-byte offset (01, 10, 11).
 * Strict: the declared length must not exceed the limit (checked before allocating) and must equal
 * what the elements produce; a copy offset of 0 or reaching before the start of the output, a
 * literal or copy running past the declared length, and a truncated element are errors.
 * Reference: https://github.com/google/snappy/blob/main/format_description.txt
 */
import { HomeostatError } from '../errors.js';

/** Default largest uncompressed size accepted by {@link snappyDecompress}: 32 MiB. */
export const SNAPPY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The uncompressed length a Snappy block declares (its varint preamble) and where the elements
 * start. Throws `invalid_argument` when the preamble is truncated or longer than 5 bytes.
 * @example snappyDeclaredLength(Uint8Array.of(3, 8, 0x61, 0x62, 0x63)) // { length: 3, start: 1 }
 */
export function snappyDeclaredLength(input: Uint8Array): { length: number; start: number } {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= input.length) fail('truncated length preamble', 0, 'a varint ending in a byte below 0x80', 'end of data');
    if (shift > 28) fail('length preamble', 0, 'a varint of at most 5 bytes', 'more');
    const b = input[pos++] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { length, start: pos };
  }
}

/**
 * Decompresses one Snappy block. Throws `invalid_argument` naming the byte, what was expected and
 * what was found when the block is malformed, or when its declared length exceeds `maxBytes`
 * (default {@link SNAPPY_MAX_BYTES}; checked before anything is allocated).
 * @example new TextDecoder().decode(snappyDecompress(Uint8Array.of(3, 8, 0x61, 0x62, 0x63))) // 'abc'
 */
export function snappyDecompress(input: Uint8Array, maxBytes = SNAPPY_MAX_BYTES): Uint8Array {
  const { length, start } = snappyDeclaredLength(input);
  if (length > maxBytes) {
    throw new HomeostatError(
      'invalid_argument',
      `snappy: declared length ${length} bytes is over the limit (expected at most ${maxBytes})`,
    );
  }
  let pos = start;
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < input.length) {
    const at = pos;
    const tag = input[pos++] as number;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > input.length) fail('truncated literal length', at, `${extra} more bytes`, `${input.length - pos}`);
        len = 0;
        for (let i = 0; i < extra; i++) len += (input[pos + i] as number) * 2 ** (8 * i);
        pos += extra;
      }
      len += 1;
      if (pos + len > input.length) fail('truncated literal', at, `${len} bytes`, `${input.length - pos}`);
      if (o + len > length) fail('literal', at, `at most ${length - o} more bytes (the declared length)`, `${len}`);
      out.set(input.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (pos + 1 > input.length) fail('truncated copy', at, '1 offset byte', '0');
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | (input[pos] as number);
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > input.length) fail('truncated copy', at, '2 offset bytes', `${input.length - pos}`);
      len = 1 + (tag >>> 2);
      offset = (input[pos] as number) | ((input[pos + 1] as number) << 8);
      pos += 2;
    } else {
      if (pos + 4 > input.length) fail('truncated copy', at, '4 offset bytes', `${input.length - pos}`);
      len = 1 + (tag >>> 2);
      offset =
        ((input[pos] as number) |
          ((input[pos + 1] as number) << 8) |
          ((input[pos + 2] as number) << 16) |
          ((input[pos + 3] as number) << 24)) >>>
        0;
      pos += 4;
    }
    if (offset === 0 || offset > o) fail('copy offset', at, `an offset from 1 to ${o} (bytes written so far)`, String(offset));
    if (o + len > length) fail('copy', at, `at most ${length - o} more bytes (the declared length)`, `${len}`);
    if (offset >= len) out.copyWithin(o, o - offset, o - offset + len);
    else for (let i = 0; i < len; i++) out[o + i] = out[o + i - offset] as number;
    o += len;
  }
  if (o !== length) fail('end of data', pos, `${length} bytes of output (the declared length)`, `${o}`);
  return out;
}

function fail(what: string, at: number, expected: string, got: string): never {
  throw new HomeostatError('invalid_argument', `snappy: ${what} at byte ${at} (expected ${expected}, got ${got})`);
}
