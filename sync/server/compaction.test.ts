import { describe, it, expect } from 'vitest';
import { mergeRun, type CompactableEntry } from './compaction';

const e = (seq: number, txid: number, op: CompactableEntry['op'], row: Record<string, unknown> | null, old: Record<string, unknown> | null = null, merged: bigint[] | null = null): CompactableEntry => ({
  seq: BigInt(seq),
  txid: BigInt(txid),
  op,
  row: row as CompactableEntry['row'],
  old: old as CompactableEntry['old'],
  merged
});

describe('mergeRun', () => {
  it('folds updates into the last entry as the whole final row, keeping its position, with the other txids', () => {
    const m = mergeRun([e(12, 102, 'update', { id: '1', s: 'c' }, { s: 'b' }), e(10, 100, 'insert', { id: '1', s: 'a' }), e(11, 101, 'update', { id: '1', s: 'b' }, { s: 'a' })], ['id']);
    expect(m).toEqual({ keep: { seq: 12n, op: 'insert', row: { id: '1', s: 'c' }, old: null, merged: [100n, 101n] }, remove: [10n, 11n] });
  });

  it('a run that ends in a delete stays a delete with the last old row', () => {
    const m = mergeRun([e(1, 5, 'insert', { id: '1', s: 'a' }), e(2, 6, 'update', { id: '1', s: 'b' }, { s: 'a' }), e(3, 7, 'delete', null, { id: '1', s: 'b' })], ['id']);
    expect(m?.keep).toEqual({ seq: 3n, op: 'delete', row: null, old: { id: '1', s: 'b' }, merged: [5n, 6n] });
    expect(m?.remove).toEqual([1n, 2n]);
  });

  it('re-compacting keeps the txids merged earlier, and one transaction is listed once', () => {
    const m = mergeRun([e(5, 50, 'insert', { id: '1' }, null, [40n, 41n]), e(6, 50, 'update', { id: '1', s: 'x' }, { s: null }), e(9, 60, 'update', { id: '1', s: 'y' }, { s: 'x' })], ['id']);
    expect(m?.keep.merged).toEqual([40n, 41n, 50n]);
  });

  it('leaves a run alone when a primary key changed, or a truncate is in it, or there is one entry', () => {
    expect(mergeRun([e(1, 1, 'insert', { id: '1' }), e(2, 2, 'update', { id: '2' }, { id: '1' })], ['id'])).toBeNull();
    expect(mergeRun([e(1, 1, 'insert', { a: '1', b: '1' }), e(2, 2, 'update', { a: '1', b: '2' }, { b: '1' })], ['a', 'b'])).toBeNull();
    expect(mergeRun([e(1, 1, 'insert', { id: '1' }), e(2, 2, 'truncate', null)], ['id'])).toBeNull();
    expect(mergeRun([e(1, 1, 'insert', { id: '1' })], ['id'])).toBeNull();
  });
});
