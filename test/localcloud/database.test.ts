import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DbObject } from '../../localcloud/ejson';
import { parseEjson, stringifyEjson } from '../../localcloud/ejson';
import { createDatabase, DatabaseError, databaseErrorOf } from '../../localcloud/database';
import { InvalidOperator, matches } from '../../localcloud/documentMatch';
import { updatedDocument } from '../../localcloud/documentUpdate';

describe('matches (the query language of the database model)', () => {
  const doc: DbObject = { _id: 'x', n: 5, s: 'b', at: new Date(1000), tags: ['a', 'b'], items: [{ k: 1 }, { k: 2 }], sub: { deep: { v: true } }, none: null };

  it.each([
    [{ n: 5 }, true],
    [{ n: '5' }, false],
    [{ 'sub.deep.v': true }, true],
    [{ sub: { deep: { v: true } } }, true],
    [{ tags: 'a' }, true],
    [{ tags: ['a', 'b'] }, true],
    [{ 'items.k': 2 }, true],
    [{ 'items.1.k': 2 }, true],
    [{ 'tags.0': 'a' }, true],
    [{ missing: null }, true],
    [{ none: null }, true],
    [{ n: { $lt: 6, $gte: 5 } }, true],
    [{ n: { $gt: 5 } }, false],
    [{ n: { $lt: 'z' } }, false],
    [{ s: { $lte: 'b' } }, true],
    [{ at: { $lt: new Date(2000) } }, true],
    [{ at: { $lt: 2000 } }, false],
    [{ n: { $ne: 4 } }, true],
    [{ missing: { $ne: null } }, false],
    [{ none: { $exists: true } }, true],
    [{ missing: { $exists: false } }, true],
    [{ n: { $in: [1, 5] } }, true],
    [{ tags: { $in: ['b'] } }, true],
    [{ n: { $nin: [1, 5] } }, false],
    [{ n: { $eq: 5 } }, true],
    [{ $or: [{ n: 1 }, { s: 'b' }] }, true],
    [{ $and: [{ n: 5 }, { s: 'a' }] }, false],
    [{ $nor: [{ n: 1 }] }, true],
    [{ constructor: { $exists: true } }, false],
  ])('%j matches: %s', (query, expected) => {
    expect(matches(doc, query as DbObject)).toBe(expected);
  });

  it.each([
    [{ n: { $regex: 'x' } }, /query operator \$regex is not supported/],
    [{ $where: 'x' }, /top-level query operator \$where/],
    [{ n: { $in: 5 } }, /\$in needs an array/],
    [{ $or: { n: 1 } }, /\$or needs an array of queries/],
    [{ '__proto__.x': 1 }, /field path "__proto__\.x" is not valid/],
  ])('refuses %j', (query, message) => {
    expect(() => matches(doc, query as DbObject)).toThrow(InvalidOperator);
    expect(() => matches(doc, query as DbObject)).toThrow(message);
  });
});

describe('updatedDocument (the update operators of the database model)', () => {
  const doc: DbObject = { _id: 'x', n: 2, list: [1], sub: { a: 1 } };

  it('applies every operator on a copy', () => {
    const next = updatedDocument(
      doc,
      {
        $set: { 'sub.b': 2, 'new.path': 'x' },
        $inc: { n: 3, fresh: 1 },
        $mul: { 'sub.a': 10 },
        $unset: { missing: '', 'sub.gone': '' },
        $push: { list: { $each: [2, 3] } },
        $addToSet: { set: { $each: [1, 1, 2] } },
        $min: { low: 5 },
        $max: { n: 100 },
      },
      true,
    );

    expect(next).toEqual({ _id: 'x', n: 100, list: [1, 2, 3], sub: { a: 10, b: 2 }, new: { path: 'x' }, fresh: 1, set: [1, 2], low: 5 });
    expect(doc).toEqual({ _id: 'x', n: 2, list: [1], sub: { a: 1 } });
  });

  it('merges plain fields by path and replaces everything but _id without merge', () => {
    expect(updatedDocument(doc, { sub: { b: 1 } }, true)).toEqual({ _id: 'x', n: 2, list: [1], sub: { a: 1, b: 1 } });
    expect(updatedDocument(doc, { _id: 'other', only: 1 }, false)).toEqual({ _id: 'x', only: 1 });
  });

  it.each([
    [{ $rename: { n: 'm' } }, /update operator \$rename is not supported/],
    [{ $inc: { n: 'one' } }, /\$inc needs a number/],
    [{ $inc: { 'sub.a.b': 1 } }, /"a" holds a number/],
    [{ $push: { n: 1 } }, /\$push on "n", which holds a non-array/],
    [{ $set: { _id: 'y' } }, /_id cannot be changed/],
    [{ $set: { a: 1 }, plain: 1 }, /mixes operators and plain fields/],
    [{ $set: 1 }, /\$set needs an object/],
  ])('refuses %j', (update, message) => {
    expect(() => updatedDocument(doc, update as DbObject, true)).toThrow(message);
  });
});

describe('createDatabase (the model)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'localdb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses duplicate _ids and changes nothing when an array add fails', () => {
    const db = createDatabase();
    db.createCollection('c');
    db.add('c', [{ _id: 'a' }]);

    expect(() => db.add('c', [{ _id: 'b' }, { _id: 'a' }])).toThrow(/E11000 duplicate key error collection: c .*"a"/);
    expect(() => db.add('c', [{ _id: 'z' }, { _id: 'z' }])).toThrow(DatabaseError);
    expect(db.documents('c')).toEqual([{ _id: 'a' }]);
  });

  it('leaves every document as it was when an update fails on one of them', () => {
    const db = createDatabase();
    db.createCollection('c');
    db.add('c', [
      { _id: 'a', n: 1 },
      { _id: 'b', n: 'two' },
    ]);

    expect(() => db.update('c', {}, { $inc: { n: 1 } }, { multi: true, merge: true, upsert: false })).toThrow(InvalidOperator);
    expect(db.documents('c')).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 'two' },
    ]);
  });

  it('counts an update that changes nothing as matched, not updated, and updates only the first match without multi', () => {
    const db = createDatabase();
    db.createCollection('c');
    db.add('c', [
      { _id: 'a', n: 1 },
      { _id: 'b', n: 1 },
    ]);

    expect(db.update('c', { n: 1 }, { $set: { n: 1 } }, { multi: true, merge: true, upsert: false })).toEqual({ matched: 2, updated: 0 });
    expect(db.update('c', { n: 1 }, { $set: { n: 2 } }, { multi: false, merge: true, upsert: false })).toEqual({ matched: 1, updated: 1 });
    expect(db.count('c', { n: 2 })).toBe(1);
  });

  it('resolves db.serverDate() to its clock, in data and in queries', () => {
    let now = 5000;
    const db = createDatabase({ now: () => now });
    db.createCollection('c');
    db.add('c', [{ _id: 'a', at: { $tcb_server_date: { offset: 100 } } }]);
    now = 6000;

    expect(db.documents('c')).toEqual([{ _id: 'a', at: new Date(5100) }]);
    expect(db.count('c', { at: { $lt: { $tcb_server_date: { offset: 0 } } } })).toBe(1);
    expect(db.now()).toEqual(new Date(6000));
  });

  it('keeps its collections in a file across restarts, dates included', () => {
    const file = join(dir, 'db.json');
    const first = createDatabase({ file });
    first.createCollection('plugin_apply_decisions');
    first.add('plugin_apply_decisions', [{ _id: 'a', at: new Date(0), n: 1 }]);
    first.createCollection('empty');

    const second = createDatabase({ file });

    expect(second.documents('plugin_apply_decisions')).toEqual([{ _id: 'a', at: new Date(0), n: 1 }]);
    expect(second.collections().map((info) => info.name)).toEqual(['plugin_apply_decisions', 'empty']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      collections: { plugin_apply_decisions: [{ _id: 'a', at: { $date: '1970-01-01T00:00:00.000Z' }, n: 1 }], empty: [] },
    });
  });

  it.each([
    ['not JSON', '{', /is not a local cloud database file/],
    ['no collections', '{"documents": []}', /must be \{"collections"/],
    ['a document without an _id', '{"collections": {"c": [{"a": 1}]}}', /collection "c" must be an array of documents, each with a string _id/],
  ])('refuses a database file with %s, naming it', (_name, text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);

    expect(() => createDatabase({ file })).toThrow(message);
    expect(() => createDatabase({ file })).toThrow(file);
  });

  it('writes a new file at start, so a path it cannot write fails before any function runs', () => {
    createDatabase({ file: join(dir, 'fresh.json') });

    expect(JSON.parse(readFileSync(join(dir, 'fresh.json'), 'utf8'))).toEqual({ collections: {} });
    expect(() => createDatabase({ file: join(dir, 'no-such-folder', 'db.json') })).toThrow(/ENOENT/);
  });

  it('refuses collection names the console would not take', () => {
    const db = createDatabase();

    expect(() => db.createCollection('a b')).toThrow(/collection name "a b" must be 1 to 64 letters/);
    expect(databaseErrorOf(new Error('x'))).toBeNull();
  });
});

describe('EJSON in and out', () => {
  it('reads every form the SDK and other clients send', () => {
    expect(
      parseEjson(
        '{"i":{"$numberInt":"1"},"d":{"$numberDouble":"1.5"},"l":{"$numberLong":"1099511627776"},"inf":{"$numberDouble":"-Infinity"},"a":{"$date":{"$numberLong":"5"}},"b":{"$date":"1970-01-01T00:00:00.006Z"},"c":{"$date":7},"o":{"$oid":"abc"}}',
      ),
    ).toEqual({ i: 1, d: 1.5, l: 2 ** 40, inf: -Infinity, a: new Date(5), b: new Date(6), c: new Date(7), o: 'abc' });
  });

  it('writes dates as ISO strings in 1970–9999 and milliseconds outside, and non-finite numbers as $numberDouble', () => {
    expect(stringifyEjson({ a: new Date(0), b: new Date(-1), n: NaN })).toBe(
      '{"a":{"$date":"1970-01-01T00:00:00.000Z"},"b":{"$date":{"$numberLong":"-1"}},"n":{"$numberDouble":"NaN"}}',
    );
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a bad number', '{"a":{"$numberInt":"x"}}', /\$numberInt "x" is not a number/],
    ['a bad date', '{"a":{"$date":"soon"}}', /is not a valid date/],
    ['a date of another shape', '{"a":{"$date":[1]}}', /\$date must be/],
    ['a __proto__ key', '{"__proto__":{"x":1}}', /__proto__/],
    ['deep nesting', `${'['.repeat(70)}${']'.repeat(70)}`, /nests 70 deep/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseEjson(text)).toThrow(message);
  });
});
