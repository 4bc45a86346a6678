import { describe, expect, it } from 'vitest';
import { snappyCompress } from '../../test/fixtures/remote-write.js';
import { snappyDeclaredLength, snappyDecompress } from './snappy.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('snappyDecompress', () => {
  it('decodes a literal', () => {
    expect(text(snappyDecompress(bytes(3, 0x08, 0x61, 0x62, 0x63)))).toBe('abc');
    expect(snappyDeclaredLength(bytes(3, 0x08, 0x61, 0x62, 0x63))).toEqual({ length: 3, start: 1 });
  });

  it('decodes an overlapping copy with a 1-byte offset ("abc" then 7 bytes from 3 back)', () => {
    // tag 0x0d = copy-1, length 4 + 3, offset high bits 0; then offset 3
    expect(text(snappyDecompress(bytes(10, 0x08, 0x61, 0x62, 0x63, 0x0d, 0x03)))).toBe('abcabcabca');
  });

  it('decodes copies with 2- and 4-byte offsets', () => {
    // tag 0x06 = copy-2, length 2; offset 2 little-endian
    expect(text(snappyDecompress(bytes(4, 0x04, 0x61, 0x62, 0x06, 0x02, 0x00)))).toBe('abab');
    // tag 0x07 = copy-4, length 2; offset 2 little-endian in 4 bytes
    expect(text(snappyDecompress(bytes(4, 0x04, 0x61, 0x62, 0x07, 0x02, 0x00, 0x00, 0x00)))).toBe('abab');
  });

  it('decodes a literal whose length is in the next byte (tag 60)', () => {
    const payload = Array.from({ length: 61 }, (_, i) => 0x30 + (i % 10));
    const out = snappyDecompress(bytes(61, 0xf0, 60, ...payload));
    expect([...out]).toEqual(payload);
  });

  it('round-trips what snappyjs (the encoder the tests use) compresses', () => {
    const input = new TextEncoder().encode('up{job="node",instance="h1:9100"} 1\n'.repeat(400));
    const compressed = snappyCompress(input);
    expect(compressed.length).toBeLessThan(input.length / 5);
    expect(snappyDecompress(compressed)).toEqual(input);
  });

  it('refuses a declared length over the limit before allocating', () => {
    expect(() => snappyDecompress(bytes(0x80, 0x80, 0x80, 0x80, 0x01), 1024)).toThrow(
      'snappy: declared length 268435456 bytes is over the limit (expected at most 1024)',
    );
  });

  it('refuses malformed blocks with the byte, what was expected and what was found', () => {
    expect(() => snappyDecompress(bytes())).toThrow(
      'snappy: truncated length preamble at byte 0 (expected a varint ending in a byte below 0x80, got end of data)',
    );
    expect(() => snappyDecompress(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(
      'snappy: length preamble at byte 0 (expected a varint of at most 5 bytes, got more)',
    );
    expect(() => snappyDecompress(bytes(3, 0x08, 0x61))).toThrow('snappy: truncated literal at byte 1 (expected 3 bytes, got 1)');
    expect(() => snappyDecompress(bytes(2, 0x08, 0x61, 0x62, 0x63))).toThrow(
      'snappy: literal at byte 1 (expected at most 2 more bytes (the declared length), got 3)',
    );
    expect(() => snappyDecompress(bytes(4, 0x04, 0x61, 0x62, 0x06, 0x00, 0x00))).toThrow(
      'snappy: copy offset at byte 4 (expected an offset from 1 to 2 (bytes written so far), got 0)',
    );
    expect(() => snappyDecompress(bytes(4, 0x04, 0x61, 0x62, 0x06, 0x03, 0x00))).toThrow(
      'snappy: copy offset at byte 4 (expected an offset from 1 to 2 (bytes written so far), got 3)',
    );
    expect(() => snappyDecompress(bytes(4, 0x04, 0x61, 0x62, 0x06))).toThrow(
      'snappy: truncated copy at byte 4 (expected 2 offset bytes, got 0)',
    );
    expect(() => snappyDecompress(bytes(5, 0x08, 0x61, 0x62, 0x63))).toThrow(
      'snappy: end of data at byte 5 (expected 5 bytes of output (the declared length), got 3)',
    );
    expect(() => snappyDecompress(bytes(3, 0x08, 0x61, 0x62, 0x63, 0x06, 0x02, 0x00))).toThrow(
      'snappy: copy at byte 5 (expected at most 0 more bytes (the declared length), got 2)',
    );
  });

  it('refuses a gzip body sent as snappy (wrong compression)', () => {
    // gzip magic 1f 8b: preamble 0x1f = 31 bytes, then tag 0x8b = copy-4 with nothing before it.
    expect(() => snappyDecompress(bytes(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00))).toThrow('snappy: copy offset at byte 1');
  });
});
