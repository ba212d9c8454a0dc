import { describe, expect, it } from '@jest/globals';
import { inline, literal } from './batch-script.js';

describe('inline', () => {
  it('replaces every placeholder by its value, $10 not mistaken for $1', () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    const text = Array.from({ length: 10 }, (_, i) => `$${i + 1}`).join(',');
    expect(inline({ text, values })).toBe("'v1','v2','v3','v4','v5','v6','v7','v8','v9','v10'");
  });

  it('quotes what would otherwise end the literal or escape from it', () => {
    expect(literal("l'ami")).toBe("'l''ami'");
    expect(literal('a\\b')).toBe("E'a\\\\b'");
    expect(literal("x\\'; DROP TABLE customers; --")).toBe("E'x\\\\''; DROP TABLE customers; --'");
  });

  it('writes null, booleans, numbers, dates, buffers, arrays and objects as PostgreSQL reads their parameters', () => {
    expect(literal(null)).toBe('NULL');
    expect(literal(undefined)).toBe('NULL');
    expect(literal(true)).toBe("'true'");
    expect(literal(42n)).toBe("'42'");
    expect(literal(new Date('2026-11-23T10:00:00Z'))).toBe("'2026-11-23T10:00:00.000Z'");
    expect(literal(Buffer.from([0xde, 0xad]))).toBe("E'\\\\xdead'");
    expect(literal(['a', null, 'b,c'])).toBe(`'{"a",NULL,"b,c"}'`);
    expect(literal(['b"c'])).toBe(`E'{"b\\\\"c"}'`);
    expect(literal({ a: "it's" })).toBe(`'{"a":"it''s"}'`);
  });
});
