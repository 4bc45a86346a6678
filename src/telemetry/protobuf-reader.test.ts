import { describe, expect, it } from 'vitest';
import { ProtobufReader } from './protobuf-reader.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('ProtobufReader', () => {
  it('reads a varint field (the encoding guide example 150)', () => {
    const r = new ProtobufReader(bytes(0x08, 0x96, 0x01));
    expect(r.tag()).toEqual({ field: 1, wireType: 0 });
    expect(r.uint32(0)).toBe(150);
    expect(r.done).toBe(true);
  });

  it('reads negative int32 and int64 sent as 10-byte varints', () => {
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(new ProtobufReader(bytes(...minusOne)).int32(0)).toBe(-1);
    const minusTwo = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    expect(new ProtobufReader(bytes(...minusTwo)).int64(0)).toBe(-2);
  });

  it('reads 64-bit varints above 2^32 exactly up to 2^53', () => {
    // 2^53: seven 0x80 bytes then bit 4 of the eighth group.
    expect(new ProtobufReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10)).uint64(0)).toBe(2 ** 53);
    // 1_700_000_000_000 ms (a remote_write timestamp): 0x18BCFE56800.
    const ms = 1_700_000_000_000;
    const enc: number[] = [];
    for (let v = ms; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        enc.push(v);
        break;
      }
      enc.push((v % 128) | 0x80);
    }
    expect(new ProtobufReader(bytes(...enc)).int64(0)).toBe(ms);
  });

  it('reads fixed64 as an exact bigint, sfixed64, doubles, floats and fixed32', () => {
    const buf = new Uint8Array(8 + 8 + 8 + 4 + 4);
    const view = new DataView(buf.buffer);
    view.setBigUint64(0, 1_700_000_000_123_456_789n, true);
    view.setBigInt64(8, -5n, true);
    view.setFloat64(16, 0.25, true);
    view.setFloat32(24, 1.5, true);
    view.setUint32(28, 4_000_000_000, true);
    const r = new ProtobufReader(buf);
    expect(r.fixed64Big(1)).toBe(1_700_000_000_123_456_789n);
    expect(r.sfixed64(1)).toBe(-5);
    expect(r.double(1)).toBe(0.25);
    expect(r.float(5)).toBe(1.5);
    expect(r.fixed32(5)).toBe(4_000_000_000);
    expect(r.done).toBe(true);
  });

  it('reads strings, bytes and nested messages within their bounds', () => {
    // field 2 string "hi"; field 3 message { field 1 varint 7 }; field 4 bytes [1, 2]
    const r = new ProtobufReader(bytes(0x12, 0x02, 0x68, 0x69, 0x1a, 0x02, 0x08, 0x07, 0x22, 0x02, 0x01, 0x02));
    expect(r.tag().field).toBe(2);
    expect(r.string(2)).toBe('hi');
    const t = r.tag();
    const m = r.message(t.wireType);
    expect(m.tag()).toEqual({ field: 1, wireType: 0 });
    expect(m.uint32(0)).toBe(7);
    expect(m.done).toBe(true);
    r.tag();
    expect([...r.bytes(2)]).toEqual([1, 2]);
    expect(r.done).toBe(true);
  });

  it('decodes ASCII and multi-byte UTF-8 strings, short and long', () => {
    for (const text of ['job', 'µs', 'x'.repeat(40), `${'a'.repeat(20)}é${'b'.repeat(20)}`]) {
      const utf8 = [...new TextEncoder().encode(text)];
      const r = new ProtobufReader(bytes(0x0a, utf8.length, ...utf8));
      expect(r.string(r.tag().wireType)).toBe(text);
    }
  });

  it('reads packed and unpacked repeated doubles, fixed64 and uint64', () => {
    const packed = new Uint8Array(2 + 16);
    packed.set([0x3a, 16]);
    new DataView(packed.buffer).setFloat64(2, 1.5, true);
    new DataView(packed.buffer).setFloat64(10, -2, true);
    const r = new ProtobufReader(packed);
    const out: number[] = [];
    r.repeatedDouble(r.tag().wireType, out);
    expect(out).toEqual([1.5, -2]);

    const counts: number[] = [];
    const f = new Uint8Array(2 + 16);
    f.set([0x32, 16]);
    new DataView(f.buffer).setBigUint64(2, 3n, true);
    new DataView(f.buffer).setBigUint64(10, 2n ** 40n, true);
    const fr = new ProtobufReader(f);
    fr.repeatedFixed64(fr.tag().wireType, counts);
    expect(counts).toEqual([3, 2 ** 40]);

    const single = new Uint8Array(9);
    new DataView(single.buffer).setFloat64(1, 9, true);
    single[0] = 0x39; // field 7, wire type 1 (unpacked)
    const sr = new ProtobufReader(single);
    const one: number[] = [];
    sr.repeatedDouble(sr.tag().wireType, one);
    expect(one).toEqual([9]);

    const uv: number[] = [];
    const ur = new ProtobufReader(bytes(0x0a, 0x03, 0x01, 0x96, 0x01));
    ur.repeatedUint64(ur.tag().wireType, uv);
    expect(uv).toEqual([1, 150]);
  });

  it('skips unknown fields of every wire type', () => {
    const buf = bytes(0x08, 0xac, 0x02, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x01, 0x00, 0x25, 1, 2, 3, 4, 0x28, 0x05);
    const r = new ProtobufReader(buf);
    for (let i = 0; i < 4; i++) r.skip(r.tag().wireType);
    expect(r.tag()).toEqual({ field: 5, wireType: 0 });
    expect(r.uint32(0)).toBe(5);
  });

  it('rejects truncated input with the byte, what was expected and what was found', () => {
    const k = new ProtobufReader(bytes(0x08, 0x96));
    expect(() => k.skip(k.tag().wireType)).toThrow(
      'protobuf: truncated skipped varint at byte 1 (expected a varint ending in a byte below 0x80, got end of data)',
    );
    const r = new ProtobufReader(bytes(0x08, 0x96));
    r.tag();
    expect(() => r.uint32(0)).toThrow(
      'protobuf: truncated uint32 at byte 1 (expected a varint ending in a byte below 0x80, got end of data)',
    );
    const s = new ProtobufReader(bytes(0x12, 0x05, 0x68));
    s.tag();
    expect(() => s.string(2)).toThrow('protobuf: string length at byte 1 (expected at most 1 bytes (what is left), got 5 bytes)');
    const d = new ProtobufReader(bytes(0x09, 1, 2, 3));
    d.tag();
    expect(() => d.double(1)).toThrow('protobuf: truncated double at byte 1 (expected 8 bytes, got 3)');
  });

  it('keeps a nested message inside its parent: a child length past the parent end is an error', () => {
    // outer field 1, length 3: inner claims a 5-byte string but only 1 byte is inside the parent
    const r = new ProtobufReader(bytes(0x0a, 0x03, 0x12, 0x05, 0x68, 0x69, 0x69, 0x69, 0x69));
    const inner = r.message(r.tag().wireType);
    inner.tag();
    expect(() => inner.string(2)).toThrow('protobuf: string length at byte 3 (expected at most 1 bytes (what is left), got 5 bytes)');
  });

  it('rejects groups, wire types 6 and 7, field 0, wrong wire types, over-long varints and bad UTF-8', () => {
    expect(() => new ProtobufReader(bytes(0x0b)).tag()).toThrow(
      'protobuf: group (wire type 3) in field 1 at byte 0 (expected wire type 0, 1, 2 or 5 (groups are not supported), got 3)',
    );
    expect(() => new ProtobufReader(bytes(0x0c)).tag()).toThrow('group (wire type 4)');
    expect(() => new ProtobufReader(bytes(0x0f)).tag()).toThrow(
      'protobuf: wire type of field 1 at byte 0 (expected wire type 0, 1, 2 or 5, got 7)',
    );
    expect(() => new ProtobufReader(bytes(0x00)).tag()).toThrow(
      'protobuf: field number at byte 0 (expected a field number of 1 or more, got 0)',
    );
    const w = new ProtobufReader(bytes(0x08, 0x01));
    w.tag();
    expect(() => w.string(0)).toThrow(
      'protobuf: string field at byte 1 (expected wire type 2 (length-delimited), got wire type 0 (varint))',
    );
    const long = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
    expect(() => new ProtobufReader(long).uint64(0)).toThrow(
      'protobuf: uint64 at byte 0 (expected a varint of at most 64 bits (10th byte 0 or 1), got 0x2)',
    );
    const u = new ProtobufReader(bytes(0x0a, 0x01, 0xff));
    u.tag();
    expect(() => u.string(2)).toThrow('protobuf: string at byte 2 (expected valid UTF-8, got invalid UTF-8 bytes)');
    const p = new ProtobufReader(bytes(0x3a, 0x03, 1, 2, 3));
    expect(() => p.repeatedDouble(p.tag().wireType, [])).toThrow(
      'protobuf: packed double at byte 1 (expected a length that is a multiple of 8, got 3)',
    );
  });

  it('reports the stale-marker bit pattern of the last double', () => {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, 2, true);
    new DataView(buf.buffer).setUint32(4, 0x7ff00000, true);
    const r = new ProtobufReader(buf);
    expect(Number.isNaN(r.double(1))).toBe(true);
    expect(r.lastDoubleBits).toEqual([2, 0x7ff00000]);
  });
});
