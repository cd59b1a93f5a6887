import { describe, it, expect } from 'vitest';
import { diffRecords } from './schemas';

describe('diffRecords', () => {
  it('lists only changed fields, with added and removed ones', () => {
    expect(diffRecords({ a: 1, b: [1, 2], c: 'x' }, { a: 1, b: [1, 3], d: true })).toEqual({
      b: { from: [1, 2], to: [1, 3] },
      c: { from: 'x', to: null },
      d: { from: null, to: true }
    });
    expect(diffRecords(null, { a: 1 })).toEqual({ a: { from: null, to: 1 } });
  });
});
