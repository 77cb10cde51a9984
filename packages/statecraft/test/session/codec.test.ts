import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultCodec as codec } from 'statecraft';

class Point {
  constructor(readonly x: number) {}
}

describe('default codec', () => {
  test('plain JSON data is written as JSON and read back equal', () => {
    for (const data of [
      {},
      { cart: ['sku-1', 'sku-2'], visits: 0 },
      { nested: { a: [1, { b: 'x' }, [true, null]] }, n: -1.5, s: '\ud800 lone surrogate' },
      JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>,
    ]) {
      const text = codec.encode(data);
      assert.equal(text, JSON.stringify(data));
      assert.deepStrictEqual(codec.decode(text), data);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    }
  });

  test('anything JSON would change keeps its exact value and types', () => {
    const shared = ['x'];
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100; i++) at = at.next = {} as Record<string, unknown>;
    const cases: Record<string, unknown>[] = [
      { when: new Date(7) },
      { gone: undefined },
      { n: Number.NaN, inf: Number.POSITIVE_INFINITY },
      { z: -0 },
      { big: 2n ** 65n },
      { m: new Map([[1, 'a']]), s: new Set([1]) },
      { bare: Object.create(null) as object },
      // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
      { holes: [1, , 3] },
      { a: shared, b: shared },
      cycle,
      deep,
      { inner: { when: new Date(9) } },
    ];
    for (const data of cases) {
      const text = codec.encode(data);
      assert.notEqual(text[0], '{', `${text} should not be JSON`);
      assert.deepStrictEqual(codec.decode(text), data);
      const value = JSON.parse(JSON.stringify(codec.encodeValue!(data)));
      assert.deepStrictEqual(codec.decodeValue!(value), data);
    }
    const back = codec.decode(codec.encode({ a: shared, b: shared }));
    assert.equal(back.a, back.b, 'a shared reference stays shared');
  });

  test('what devalue refuses is still refused', () => {
    assert.throws(() => codec.encode({ [Symbol('k')]: 1, a: 1 } as Record<string, unknown>));
    assert.throws(() => codec.encode({ p: new Point(1) }));
  });

  test('data written in devalue form before still reads back', () => {
    assert.deepStrictEqual(codec.decode('[{"cart":1,"visits":4},[2,3],"sku-1","sku-2",0]'), {
      cart: ['sku-1', 'sku-2'],
      visits: 0,
    });
    assert.deepStrictEqual(codec.decodeValue!([{ a: 1 }, 5]), { a: 5 });
  });

  test('malformed data is refused, never half-read', () => {
    for (const text of ['{not json', '[1', '"str"', '{"a":1}x']) {
      assert.throws(() => codec.decode(text));
    }
    for (const value of ['str', 3, null, true]) assert.throws(() => codec.decodeValue!(value));
  });
});
