import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { b64uDecode, b64uEncode } from '../../src/tokens/index.js';
import { assertCode } from './keys.js';

describe('base64url', () => {
  test('encoding is unpadded and URL-safe', () => {
    assert.equal(b64uEncode(new Uint8Array([0xfb, 0xff])), '-_8');
    assert.equal(b64uEncode('{"alg":"HS256"}'), 'eyJhbGciOiJIUzI1NiJ9');
    assert.equal(b64uEncode(new Uint8Array(0)), '');
  });

  test('decoding inverts encoding for every length up to three blocks', () => {
    for (let n = 0; n <= 12; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 73 + 11) & 0xff);
      assert.deepEqual(new Uint8Array(b64uDecode(b64uEncode(bytes))), bytes);
    }
  });

  test('padding is refused', () => {
    assertCode(() => b64uDecode('aGk='), 'TOKEN_MALFORMED');
    assertCode(() => b64uDecode('aA=='), 'TOKEN_MALFORMED');
  });

  test('characters outside the base64url alphabet are refused', () => {
    for (const s of ['a+bc', 'a/bc', 'ab c', 'ab.c', 'abé', 'ab\ncd'])
      assertCode(() => b64uDecode(s), 'TOKEN_MALFORMED');
  });

  test('a length of one modulo four is refused', () => {
    assertCode(() => b64uDecode('a'), 'TOKEN_MALFORMED');
    assertCode(() => b64uDecode('abcde'), 'TOKEN_MALFORMED');
  });

  test('non-zero trailing bits are refused, so each byte string has one spelling', () => {
    // 'aGk' is "hi"; 'aGl' and 'aGn' differ only in the unused low bits of the last character.
    assert.equal(b64uDecode('aGk').toString(), 'hi');
    assertCode(() => b64uDecode('aGl'), 'TOKEN_MALFORMED');
    assertCode(() => b64uDecode('aGn'), 'TOKEN_MALFORMED');
    // One byte: 'aA' is canonical for 0x68, 'aB' to 'aP' are not.
    assert.deepEqual([...b64uDecode('aA')], [0x68]);
    assertCode(() => b64uDecode('aB'), 'TOKEN_MALFORMED');
    assertCode(() => b64uDecode('aP'), 'TOKEN_MALFORMED');
  });
});
