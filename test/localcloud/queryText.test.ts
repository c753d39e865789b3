import fc from 'fast-check';
import { parseQueryText, QueryTextError } from '../../localcloud/queryText';

describe('parseQueryText (the /tcb/ API query string)', () => {
  it('reads a where/orderBy/skip/limit/get chain, flattening nested objects to dot paths as the SDK does', () => {
    const operation = parseQueryText(
      `db.collection("plugin_apply_decisions").where({appid: "wx1", 'by': {openid: "o\\"1"}, at: _.gte(new Date(1000)).and(_.lt(new Date("1970-01-01T00:00:02Z")))}).orderBy("at", "desc").orderBy("appid", "asc").skip(20).limit(10).get()`,
    );

    expect(operation).toEqual({
      kind: 'get',
      collection: 'plugin_apply_decisions',
      query: {
        appid: 'wx1',
        'by.openid': 'o"1',
        $and: [{ at: { $gte: new Date(1000) } }, { at: { $lt: new Date(2000) } }],
      },
      order: [
        { path: 'at', direction: -1 },
        { path: 'appid', direction: 1 },
      ],
      offset: 20,
      limit: 10,
      projection: undefined,
    });
  });

  it('reads every query command and _.or / _.and over whole conditions', () => {
    const operation = parseQueryText(
      "db.collection('c').where(_.or([{a: _.eq(1), b: _.neq(null)}, {c: _.in([1, 2]), d: _.nin(['x']), e: _.exists(true), f: _.lte(-1.5), g: _.gt(1e3)}])).count()",
    );

    expect(operation).toEqual({
      kind: 'count',
      collection: 'c',
      query: {
        $or: [
          { a: { $eq: 1 }, b: { $ne: null } },
          { c: { $in: [1, 2] }, d: { $nin: ['x'] }, e: { $exists: true }, f: { $lte: -1.5 }, g: { $gt: 1000 } },
        ],
      },
    });
  });

  it('reads add with one document or an array, with dates and db.serverDate()', () => {
    expect(
      parseQueryText('db.collection("c").add({data: {at: new Date(5), when: db.serverDate({offset: 10}), list: [1, "two", null, true, {x: false}]}})'),
    ).toEqual({
      kind: 'add',
      collection: 'c',
      documents: [{ at: new Date(5), when: { $tcb_server_date: { offset: 10 } }, list: [1, 'two', null, true, { x: false }] }],
    });
    expect(parseQueryText('db.collection("c").add({data: [{a: 1}, {a: 2},]});')).toMatchObject({ documents: [{ a: 1 }, { a: 2 }] });
  });

  it('reads update data as the SDK encodes it: plain fields in $set by dot path, commands as their operators', () => {
    expect(
      parseQueryText(
        'db.collection("c").where({_id: "lease", lockedUntil: db.command.lt(new Date(10))}).update({data: {lockedUntil: new Date(20), n: _.inc(1), m: _.mul(2), gone: _.remove(), tags: _.push(["a", "b"]), one: _.push("c"), each: _.push({each: [1]}), sub: {k: 1}, whole: _.set({k: 2}), out: _.pull(3)}})',
      ),
    ).toEqual({
      kind: 'update',
      collection: 'c',
      query: { _id: 'lease', lockedUntil: { $lt: new Date(10) } },
      data: {
        $set: { lockedUntil: new Date(20), 'sub.k': 1, whole: { k: 2 } },
        $inc: { n: 1 },
        $mul: { m: 2 },
        $unset: { gone: '' },
        $push: { tags: { $each: ['a', 'b'] }, one: { $each: ['c'] }, each: { $each: [1] } },
        $pull: { out: 3 },
      },
      multi: true,
      merge: true,
      upsert: false,
    });
  });

  it('reads doc(id) with get, update, set and remove', () => {
    expect(parseQueryText('db.collection("c").doc("x").get()')).toMatchObject({ kind: 'get', query: { _id: 'x' }, limit: 1 });
    expect(parseQueryText('db.collection("c").doc("x").update({data: {a: 1}})')).toMatchObject({
      kind: 'update',
      query: { _id: 'x' },
      multi: false,
      merge: true,
    });
    expect(parseQueryText('db.collection("c").doc("x").set({data: {a: 1}})')).toMatchObject({
      kind: 'update',
      query: { _id: 'x' },
      data: { a: 1 },
      merge: false,
      upsert: true,
    });
    expect(parseQueryText('db.collection("c").doc("x").remove()')).toMatchObject({ kind: 'remove', query: { _id: 'x' }, multi: false });
    expect(parseQueryText('db.collection("c").field({a: true, b: false}).get()')).toMatchObject({ projection: { a: 1, b: 0 } });
  });

  it.each([
    ['code after the statement', 'db.collection("c").get(); process.exit(1)', /nothing may follow \.get\(\)/],
    ['a call to anything else', 'require("fs").readFileSync("/etc/passwd")', /expected "db"/],
    ['a variable', 'db.collection(name).get()', /unknown name "name"/],
    ['a template string', 'db.collection(`c`).get()', /unexpected character "`"/],
    ['a comment', 'db.collection("c").get() // x', /unexpected character "\/"/],
    ['an unknown method', 'db.collection("c").aggregate().end()', /\.aggregate\(…\) is not a method/],
    ['an unknown command', 'db.collection("c").where({a: _.elemMatch({b: 1})}).get()', /_\.elemMatch is not a command/],
    ['a function value', 'db.collection("c").add({data: {f: function () {}}})', /unknown name "function"/],
    ['a __proto__ key', 'db.collection("c").add({data: {__proto__: {polluted: true}}})', /__proto__/],
    ['a __proto__ path', 'db.collection("c").add({data: {"__proto__": 1}})', /__proto__/],
    ['new of anything but Date', 'db.collection("c").add({data: {f: new Function("x")}})', /only "new Date\(…\)"/],
    ['new Date() without a time', 'db.collection("c").add({data: {f: new Date()}})', /db\.serverDate\(\)/],
    ['an invalid date', 'db.collection("c").add({data: {f: new Date("soon")}})', /not a valid date/],
    ['an update command in a where', 'db.collection("c").where({a: _.inc(1)}).get()', /an update command cannot stand in a where/],
    ['a query command in update data', 'db.collection("c").where({}).update({data: {a: _.lt(1)}})', /a query command cannot stand in update data/],
    ['a command in added data', 'db.collection("c").add({data: {a: _.inc(1)}})', /a command cannot stand in add data/],
    ['orderBy without a direction', 'db.collection("c").orderBy("at").get()', /orderBy\(…\) takes a field and "asc" or "desc"/],
    ['a negative limit', 'db.collection("c").limit(-1).get()', /limit\(…\) takes one whole number/],
    ['set without doc(id)', 'db.collection("c").set({data: {}})', /set\(…\) needs doc\(id\) first/],
    ['a query that ends too early', 'db.collection("c").where({a: 1', /expected "}"|ends too early/],
    ['values nested too deep', `db.collection("c").add({data: ${'['.repeat(70)}1${']'.repeat(70)}})`, /nest more than 64 deep/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseQueryText(text)).toThrow(QueryTextError);
    expect(() => parseQueryText(text)).toThrow(message);
  });

  it('never throws anything but a QueryTextError, for any text or any cut or splice of a valid query', () => {
    const valid = 'db.collection("c").where({a: _.lt(new Date(1)), b: {c: [1, "x"]}}).orderBy("a", "desc").limit(2).get()';
    const text = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 4 }))
        .map(([from, to, insert]) => valid.slice(0, Math.min(from, to)) + insert + valid.slice(Math.max(from, to))),
    );

    fc.assert(
      fc.property(text, (source) => {
        try {
          parseQueryText(source);
        } catch (error) {
          if (!(error instanceof QueryTextError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a QueryTextError for these edge cases', () => {
    const samples = [
      '',
      ' ',
      'db',
      'db.',
      'db.collection',
      'db.collection(',
      'db.collection("c")',
      'db.collection("c").',
      '"\\u12"',
      "db.collection('\\x')",
      '{}',
      '[]',
      'db.collection("c").where()',
      'db.collection("c").get(1)',
    ];
    for (const text of samples) {
      try {
        parseQueryText(text);
      } catch (error) {
        expect(error).toBeInstanceOf(QueryTextError);
      }
    }
  });
});
