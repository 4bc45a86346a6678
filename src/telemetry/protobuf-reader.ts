/**
 * @module telemetry/protobuf-reader
 * A small, strict reader of the Protocol Buffers wire format, enough to decode OTLP and Prometheus
 * remote_write without a dependency. Wire types 0 (varint), 1 (64-bit), 2 (length-delimited) and
 * 5 (32-bit) are read; groups (3, 4) and the unused types 6, 7 are rejected. Every read is bounds
 * checked: a truncated or malformed buffer throws `invalid_argument` with
 * `protobuf: <what> at byte N (expected …, got …)`, N counted from the start of the whole buffer.
 * Reference: https://protobuf.dev/programming-guides/encoding/
 */
import { HomeostatError } from '../errors.js';

/** A wire type as it appears in a tag: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
export type WireType = 0 | 1 | 2 | 5;

const WIRE_NAMES: Readonly<Record<number, string>> = {
  0: 'varint',
  1: 'fixed64',
  2: 'length-delimited',
  3: 'group start',
  4: 'group end',
  5: 'fixed32',
};
const TWO_32 = 4_294_967_296;
/** Strings up to this many bytes are decoded by hand when they are ASCII (faster than TextDecoder for label names). */
const ASCII_FAST_PATH_BYTES = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one message (or a length-delimited slice of one) field by field. Typical loop:
 * `while (!r.done) { const tag = r.tag(); switch (tag.field) { case 1: name = r.string(tag.wireType); break; default: r.skip(tag.wireType); } }`.
 * The typed reads take the tag's wire type and throw when it is not the one the field needs.
 * @example const r = new ProtobufReader(Uint8Array.of(0x08, 0x96, 0x01)); r.tag(); r.uint32(0) // 150
 */
export class ProtobufReader {
  readonly #buf: Uint8Array;
  #view: DataView | undefined;
  readonly #end: number;
  #pos: number;
  #lastLo = 0;
  #lastHi = 0;

  /** Reads `bytes[start, end)`; positions in errors stay relative to `bytes`. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#buf = bytes;
    this.#pos = start;
    this.#end = end;
  }

  /** Current byte offset from the start of the buffer. */
  get pos(): number {
    return this.#pos;
  }

  /** True when the whole slice has been read. */
  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** Reads a field tag. Throws on field number 0, on groups and on wire types 6 and 7. */
  tag(): { field: number; wireType: WireType } {
    const at = this.#pos;
    const key = this.#varint32('tag');
    const wireType = key & 7;
    const field = key >>> 3;
    if (field === 0) this.#fail('field number', at, 'a field number of 1 or more', '0');
    if (wireType === 3 || wireType === 4) {
      this.#fail(
        `group (wire type ${wireType}) in field ${field}`,
        at,
        'wire type 0, 1, 2 or 5 (groups are not supported)',
        String(wireType),
      );
    }
    if (wireType > 5) this.#fail(`wire type of field ${field}`, at, 'wire type 0, 1, 2 or 5', String(wireType));
    return { field, wireType: wireType as WireType };
  }

  /** Skips a field's value of the given wire type (unknown fields). */
  skip(wireType: WireType): void {
    switch (wireType) {
      case 0:
        this.#varint64('skipped varint');
        return;
      case 1:
        this.#advance(8, 'skipped fixed64');
        return;
      case 5:
        this.#advance(4, 'skipped fixed32');
        return;
      case 2: {
        const len = this.#length('skipped field');
        this.#pos += len;
        return;
      }
    }
  }

  /** A `uint32` varint (also `int32` fields holding non-negative values). */
  uint32(wireType: WireType): number {
    this.#expect(wireType, 0, 'uint32');
    return this.#varint64('uint32')[0];
  }

  /** An `int32` varint (negative values arrive sign-extended to 10 bytes). */
  int32(wireType: WireType): number {
    this.#expect(wireType, 0, 'int32');
    return this.#varint64('int32')[0] | 0;
  }

  /** A `bool` varint. */
  bool(wireType: WireType): boolean {
    this.#expect(wireType, 0, 'bool');
    const [lo, hi] = this.#varint64('bool');
    return lo !== 0 || hi !== 0;
  }

  /** An `int64` varint as a number; exact up to ±2^53, rounded beyond (fine for ms timestamps and counts). */
  int64(wireType: WireType): number {
    this.#expect(wireType, 0, 'int64');
    const [lo, hi] = this.#varint64('int64');
    return (hi | 0) * TWO_32 + lo;
  }

  /** A `uint64` varint as a number; exact up to 2^53, rounded beyond. */
  uint64(wireType: WireType): number {
    this.#expect(wireType, 0, 'uint64');
    const [lo, hi] = this.#varint64('uint64');
    return hi * TWO_32 + lo;
  }

  /** A `fixed64` as an exact bigint (nanosecond timestamps need all 64 bits). */
  fixed64Big(wireType: WireType): bigint {
    this.#expect(wireType, 1, 'fixed64');
    const at = this.#advance(8, 'fixed64');
    return this.#dv().getBigUint64(at, true);
  }

  /** A `fixed64` as a number; exact up to 2^53, rounded beyond (counts). */
  fixed64(wireType: WireType): number {
    this.#expect(wireType, 1, 'fixed64');
    const at = this.#advance(8, 'fixed64');
    return this.#dv().getUint32(at + 4, true) * TWO_32 + this.#dv().getUint32(at, true);
  }

  /** An `sfixed64` as a number; exact up to ±2^53, rounded beyond. */
  sfixed64(wireType: WireType): number {
    this.#expect(wireType, 1, 'sfixed64');
    const at = this.#advance(8, 'sfixed64');
    return this.#dv().getInt32(at + 4, true) * TWO_32 + this.#dv().getUint32(at, true);
  }

  /** A `double` (bit pattern kept: NaN payloads can be checked with {@link ProtobufReader.lastDoubleBits}). */
  double(wireType: WireType): number {
    this.#expect(wireType, 1, 'double');
    const at = this.#advance(8, 'double');
    this.#lastLo = this.#dv().getUint32(at, true);
    this.#lastHi = this.#dv().getUint32(at + 4, true);
    return this.#dv().getFloat64(at, true);
  }

  /** Low and high 32 bits of the last double read (to tell Prometheus' stale marker from other NaNs). */
  get lastDoubleBits(): readonly [number, number] {
    return [this.#lastLo, this.#lastHi];
  }

  /** A `fixed32`. */
  fixed32(wireType: WireType): number {
    this.#expect(wireType, 5, 'fixed32');
    const at = this.#advance(4, 'fixed32');
    return this.#dv().getUint32(at, true);
  }

  /** A `float`. */
  float(wireType: WireType): number {
    this.#expect(wireType, 5, 'float');
    const at = this.#advance(4, 'float');
    return this.#dv().getFloat32(at, true);
  }

  /** A `bytes` field (a view on the buffer, not a copy). */
  bytes(wireType: WireType): Uint8Array {
    this.#expect(wireType, 2, 'bytes');
    const len = this.#length('bytes');
    const start = this.#pos;
    this.#pos += len;
    return this.#buf.subarray(start, start + len);
  }

  /** A `string` field; throws on invalid UTF-8. */
  string(wireType: WireType): string {
    this.#expect(wireType, 2, 'string');
    const len = this.#length('string');
    const start = this.#pos;
    this.#pos += len;
    if (len === 0) return '';
    if (len <= ASCII_FAST_PATH_BYTES) {
      const buf = this.#buf;
      let text = '';
      let i = start;
      for (; i < start + len && (buf[i] as number) < 0x80; i++) text += String.fromCharCode(buf[i] as number);
      if (i === start + len) return text;
    }
    try {
      return utf8.decode(this.#buf.subarray(start, start + len));
    } catch {
      return this.#fail('string', start, 'valid UTF-8', 'invalid UTF-8 bytes');
    }
  }

  /** An embedded message: a reader over its bytes (this reader moves past them). */
  message(wireType: WireType, what = 'message'): ProtobufReader {
    this.#expect(wireType, 2, what);
    const len = this.#length(what);
    const start = this.#pos;
    this.#pos += len;
    const child = new ProtobufReader(this.#buf, start, start + len);
    child.#view = this.#view;
    return child;
  }

  /** Appends a repeated `double` field, packed (wire type 2) or not (wire type 1), to `out`. */
  repeatedDouble(wireType: WireType, out: number[]): void {
    if (wireType === 1) {
      out.push(this.double(wireType));
      return;
    }
    const end = this.#packedEnd(wireType, 8, 'packed double');
    for (; this.#pos < end; this.#pos += 8) out.push(this.#dv().getFloat64(this.#pos, true));
  }

  /** Appends a repeated `fixed64` field, packed or not, to `out` as numbers (exact up to 2^53). */
  repeatedFixed64(wireType: WireType, out: number[]): void {
    if (wireType === 1) {
      out.push(this.fixed64(wireType));
      return;
    }
    const end = this.#packedEnd(wireType, 8, 'packed fixed64');
    for (; this.#pos < end; this.#pos += 8) {
      out.push(this.#dv().getUint32(this.#pos + 4, true) * TWO_32 + this.#dv().getUint32(this.#pos, true));
    }
  }

  /** Appends a repeated `uint64` varint field, packed or not, to `out` as numbers (exact up to 2^53). */
  repeatedUint64(wireType: WireType, out: number[]): void {
    if (wireType === 0) {
      out.push(this.uint64(wireType));
      return;
    }
    this.#expect(wireType, 2, 'packed uint64');
    const len = this.#length('packed uint64');
    const end = this.#pos + len;
    while (this.#pos < end) {
      const [lo, hi] = this.#varint64('packed uint64', end);
      out.push(hi * TWO_32 + lo);
    }
  }

  /** The DataView for fixed-width reads, made on first use and shared with nested readers. */
  #dv(): DataView {
    this.#view ??= new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    return this.#view;
  }

  #packedEnd(wireType: WireType, width: number, what: string): number {
    this.#expect(wireType, 2, what);
    const at = this.#pos;
    const len = this.#length(what);
    if (len % width !== 0) this.#fail(what, at, `a length that is a multiple of ${width}`, String(len));
    return this.#pos + len;
  }

  #expect(got: WireType, want: WireType, what: string): void {
    if (got !== want) {
      this.#fail(`${what} field`, this.#pos, `wire type ${want} (${WIRE_NAMES[want]})`, `wire type ${got} (${WIRE_NAMES[got]})`);
    }
  }

  /** Reads a length prefix and checks the bytes it announces are there. */
  #length(what: string): number {
    const at = this.#pos;
    const [lo, hi] = this.#varint64(`${what} length`);
    const left = this.#end - this.#pos;
    if (hi !== 0 || lo > left) {
      this.#fail(`${what} length`, at, `at most ${left} bytes (what is left)`, hi !== 0 ? `${hi * TWO_32 + lo} bytes` : `${lo} bytes`);
    }
    return lo;
  }

  #advance(n: number, what: string): number {
    const at = this.#pos;
    if (this.#end - at < n) this.#fail(`truncated ${what}`, at, `${n} bytes`, `${this.#end - at}`);
    this.#pos += n;
    return at;
  }

  #varint32(what: string): number {
    const [lo, hi] = this.#varint64(what);
    if (hi !== 0) this.#fail(what, this.#pos, 'a value below 2^32', `${hi * TWO_32 + lo}`);
    return lo;
  }

  /** Reads a varint of up to 10 bytes as [low 32 bits, high 32 bits], both unsigned. */
  #varint64(what: string, end = this.#end): [number, number] {
    const start = this.#pos;
    const buf = this.#buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= end) this.#fail(`truncated ${what}`, start, 'a varint ending in a byte below 0x80', 'end of data');
      const b = buf[this.#pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
      } else if (i < 9) hi |= (b & 0x7f) << (7 * i - 32);
      else if (b > 1) this.#fail(what, start, 'a varint of at most 64 bits (10th byte 0 or 1)', `0x${b.toString(16)}`);
      else hi |= b << 31;
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    return this.#fail(what, start, 'a varint of at most 10 bytes', 'more');
  }

  #fail(what: string, at: number, expected: string, got: string): never {
    throw new HomeostatError('invalid_argument', `protobuf: ${what} at byte ${at} (expected ${expected}, got ${got})`);
  }
}
