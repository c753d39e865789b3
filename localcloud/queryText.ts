import type { DbObject, DbValue } from './ejson';
import { isDbObject } from './ejson';
import type { SortKey } from './documentMatch';

/**
 * Reads the `query` string of WeChat's `/tcb/database*` HTTP API — database SDK syntax as text, such as
 * `db.collection("c").where({appid: "wx…", at: _.lt(new Date(1700000000000))}).orderBy("at", "desc").limit(10).get()`
 * — into the operation it names, without evaluating anything. The subset: `db.collection(name)` then `where`,
 * `orderBy`, `skip`, `limit`, `field`, `doc(id)`, ending in `get`, `count`, `add`, `update`, `set` or `remove`; values
 * are JSON literals (unquoted keys allowed), `new Date(ms or "ISO")`, `db.serverDate()`, and `_.op(…)` /
 * `db.command.op(…)` commands. Anything else is a QueryTextError naming where it stopped.
 */

/** Thrown for text outside the subset; the HTTP API answers it 40097 with this message. */
export class QueryTextError extends Error {
  override readonly name = 'QueryTextError';
}

/** What a query string asks for, in the terms of the SDK's wire (`query` and `data` as the SDK would encode them). */
export type TextOperation =
  | { kind: 'add'; collection: string; documents: DbObject[] }
  | { kind: 'get'; collection: string; query: DbObject; order: SortKey[]; offset: number; limit: number | undefined; projection: DbObject | undefined }
  | { kind: 'count'; collection: string; query: DbObject }
  | { kind: 'update'; collection: string; query: DbObject; data: DbObject; multi: boolean; merge: boolean; upsert: boolean }
  | { kind: 'remove'; collection: string; query: DbObject; multi: boolean };

/** A `_.op(…)` command before it is placed under a field. */
class Command {
  constructor(
    readonly operator: string,
    readonly operand: TextValue,
    /** `.and(…)` / `.or(…)` chained onto a field command. */
    readonly chain: { logic: '$and' | '$or'; commands: Command[] } | null = null,
  ) {}
}

type TextValue = DbValue | Command | TextValue[] | { [key: string]: TextValue };

const QUERY_COMMANDS: Readonly<Record<string, string>> = {
  eq: '$eq',
  neq: '$ne',
  lt: '$lt',
  lte: '$lte',
  gt: '$gt',
  gte: '$gte',
  in: '$in',
  nin: '$nin',
  exists: '$exists',
};
const UPDATE_COMMANDS: Readonly<Record<string, string>> = {
  set: '$set',
  inc: '$inc',
  mul: '$mul',
  remove: '$unset',
  push: '$push',
  pull: '$pull',
  addToSet: '$addToSet',
  min: '$min',
  max: '$max',
};
const LOGIC_COMMANDS: Readonly<Record<string, '$and' | '$or'>> = { and: '$and', or: '$or' };

/** How deep literals may nest, like request bodies elsewhere in the local cloud. */
const MAX_DEPTH = 64;

interface Token {
  type: 'name' | 'string' | 'number' | 'punct';
  text: string;
  value?: string | number;
  at: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|([A-Za-z_$][\w$]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|([.,(){}[\]:;])/gy;
  let at = 0;
  while (at < source.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(source);
    if (match === null) throw new QueryTextError(`unexpected character ${JSON.stringify(source[at])} at ${at}`);
    const [text, name, quoted, number, punct] = match;
    if (name !== undefined) tokens.push({ type: 'name', text, at });
    else if (quoted !== undefined) tokens.push({ type: 'string', text, value: unquote(quoted, at), at });
    else if (number !== undefined) tokens.push({ type: 'number', text, value: Number(number), at });
    else if (punct !== undefined) tokens.push({ type: 'punct', text, at });
    at += text.length;
  }
  return tokens;
}

/** A quoted string's value: JSON's escapes, in either quote (in single quotes, \' is a quote). */
function unquote(quoted: string, at: number): string {
  let json = quoted;
  if (quoted.startsWith("'")) {
    json = '"';
    for (let i = 1; i < quoted.length - 1; i += 1) {
      const char = quoted[i] as string;
      if (char === '\\' && quoted[i + 1] === "'") {
        json += "'";
        i += 1;
      } else if (char === '\\') {
        json += `${char}${quoted[i + 1] ?? ''}`;
        i += 1;
      } else {
        json += char === '"' ? '\\"' : char;
      }
    }
    json += '"';
  }
  try {
    return JSON.parse(json) as string;
  } catch {
    throw new QueryTextError(`string at ${at} has an escape JSON does not allow`);
  }
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private where(): string {
    const token = this.peek();
    return token === undefined ? 'at the end' : `at ${token.at} ("${token.text}")`;
  }

  private next(): Token {
    const token = this.peek();
    if (token === undefined) throw new QueryTextError('the query ends too early');
    this.index += 1;
    return token;
  }

  accept(text: string): boolean {
    if (this.peek()?.text !== text || this.peek()?.type === 'string') return false;
    this.index += 1;
    return true;
  }

  expect(text: string): void {
    if (!this.accept(text)) throw new QueryTextError(`expected "${text}" ${this.where()}`);
  }

  name(): string {
    const token = this.next();
    if (token.type !== 'name') throw new QueryTextError(`expected a name at ${token.at} ("${token.text}")`);
    return token.text;
  }

  atEnd(): boolean {
    return this.peek() === undefined;
  }

  /** Arguments of a call whose "(" was read. */
  args(depth: number): TextValue[] {
    const values: TextValue[] = [];
    while (!this.accept(')')) {
      values.push(this.value(depth));
      if (!this.accept(',')) {
        this.expect(')');
        break;
      }
    }
    return values;
  }

  value(depth: number): TextValue {
    if (depth > MAX_DEPTH) throw new QueryTextError(`values nest more than ${MAX_DEPTH} deep`);
    const token = this.next();
    if (token.type === 'string' || token.type === 'number') return token.value as string | number;
    if (token.text === '{') return this.object(depth + 1);
    if (token.text === '[') return this.array(depth + 1);
    if (token.type !== 'name') throw new QueryTextError(`unexpected "${token.text}" at ${token.at}`);
    switch (token.text) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'new':
        return this.date(depth);
      case '_':
        return this.command(depth);
      case 'db': {
        this.expect('.');
        const member = this.name();
        if (member === 'command') return this.command(depth);
        if (member !== 'serverDate') throw new QueryTextError(`only db.serverDate() and db.command.… are values, not db.${member}`);
        this.expect('(');
        const [options] = this.args(depth);
        const offset = options !== undefined && isTextObject(options) ? options.offset : undefined;
        return { $tcb_server_date: { offset: typeof offset === 'number' ? offset : 0 } };
      }
      default:
        throw new QueryTextError(`unknown name "${token.text}" at ${token.at}: values are JSON, new Date(…), db.serverDate() or _.command(…)`);
    }
  }

  private object(depth: number): { [key: string]: TextValue } {
    const out: { [key: string]: TextValue } = {};
    while (!this.accept('}')) {
      const key = this.next();
      if (key.type !== 'name' && key.type !== 'string' && key.type !== 'number') throw new QueryTextError(`expected a key at ${key.at} ("${key.text}")`);
      const name = String(key.value ?? key.text);
      if (name === '__proto__') throw new QueryTextError('a field may not be named __proto__');
      this.expect(':');
      out[name] = this.value(depth);
      if (!this.accept(',')) {
        this.expect('}');
        break;
      }
    }
    return out;
  }

  private array(depth: number): TextValue[] {
    const out: TextValue[] = [];
    while (!this.accept(']')) {
      out.push(this.value(depth));
      if (!this.accept(',')) {
        this.expect(']');
        break;
      }
    }
    return out;
  }

  private date(depth: number): Date {
    if (this.name() !== 'Date') throw new QueryTextError('only "new Date(…)" may follow "new"');
    this.expect('(');
    const args = this.args(depth);
    if (args.length === 0)
      throw new QueryTextError('new Date() needs a time: new Date(milliseconds) or new Date("ISO-8601"); for the server\'s time use db.serverDate()');
    const [time] = args;
    if (args.length > 1 || (typeof time !== 'number' && typeof time !== 'string'))
      throw new QueryTextError('new Date takes one number of milliseconds or one ISO-8601 string');
    const date = new Date(time);
    if (Number.isNaN(date.getTime())) throw new QueryTextError(`new Date(${JSON.stringify(time)}) is not a valid date`);
    return date;
  }

  /** `_.op(args)` (after `_` or `db.command`), with `.and(…)` / `.or(…)` chained. */
  private command(depth: number): Command {
    this.expect('.');
    const name = this.name();
    this.expect('(');
    const args = this.args(depth);
    let command: Command;
    const logic = LOGIC_COMMANDS[name];
    if (logic !== undefined) {
      command = new Command(logic, args.length === 1 && Array.isArray(args[0]) ? args[0] : args);
    } else {
      const operator = QUERY_COMMANDS[name] ?? UPDATE_COMMANDS[name];
      if (operator === undefined)
        throw new QueryTextError(
          `_.${name} is not a command the local cloud knows (${[...Object.keys(QUERY_COMMANDS), ...Object.keys(UPDATE_COMMANDS), 'and', 'or'].join(', ')})`,
        );
      if (args.length > 1) throw new QueryTextError(`_.${name} takes one argument`);
      command = new Command(operator, name === 'remove' ? '' : (args[0] ?? null));
    }
    while (this.peek()?.text === '.' && ['and', 'or'].includes(this.tokens[this.index + 1]?.text ?? '')) {
      this.next();
      const chained = LOGIC_COMMANDS[this.name()] as '$and' | '$or';
      this.expect('(');
      const more = this.args(depth).flatMap((arg) => (Array.isArray(arg) ? arg : [arg]));
      if (!more.every((item) => item instanceof Command)) throw new QueryTextError(`.${chained.slice(1)}(…) after a command takes commands`);
      command = new Command(command.operator, command.operand, { logic: chained, commands: [...(command.chain?.commands ?? []), ...(more as Command[])] });
    }
    return command;
  }
}

/** A value with no commands left in it (data to store, or an operand). */
function plain(value: TextValue, where: string): DbValue {
  if (value instanceof Command) throw new QueryTextError(`a command cannot stand in ${where}`);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => plain(item, where));
  const out: DbObject = {};
  for (const [key, item] of Object.entries(value)) out[key] = plain(item, where);
  return out;
}

function isTextObject(value: TextValue): value is { [key: string]: TextValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Command);
}

/** A field command as the wire query has it: `{path: {$lt: 3}}`, or `$and`/`$or` of such when chained. */
function fieldCondition(path: string, command: Command): DbObject {
  if (command.operator === '$and' || command.operator === '$or') {
    const parts = (Array.isArray(command.operand) ? command.operand : [command.operand]).map((item) => {
      if (!(item instanceof Command)) throw new QueryTextError(`_.${command.operator.slice(1)} under "${path}" takes commands`);
      return fieldCondition(path, item);
    });
    return { [command.operator]: parts };
  }
  if (!Object.values(QUERY_COMMANDS).includes(command.operator)) throw new QueryTextError(`an update command cannot stand in a where, under "${path}"`);
  const own: DbObject = { [path]: { [command.operator]: plain(command.operand, `_.${command.operator}`) } };
  if (command.chain === null) return own;
  return { [command.chain.logic]: [own, ...command.chain.commands.map((item) => fieldCondition(path, item))] };
}

/** A `where(…)` argument as the wire query: nested objects flattened to dot paths, commands to operators. */
export function queryOf(value: TextValue, prefix = ''): DbObject {
  if (value instanceof Command) {
    if (prefix === '' && (value.operator === '$and' || value.operator === '$or')) {
      const list = Array.isArray(value.operand) ? value.operand : [value.operand];
      return { [value.operator]: list.map((item) => queryOf(item)) };
    }
    return fieldCondition(prefix, value);
  }
  if (!isTextObject(value)) throw new QueryTextError('where(…) takes an object of conditions');
  const out: DbObject = {};
  const logic: DbObject[] = [];
  for (const [key, item] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (item instanceof Command) {
      const condition = fieldCondition(path, item);
      // `_.gt(1).and(_.lt(5))` joins the other conditions as the SDK sends it: one flat $and.
      if (Array.isArray(condition.$and)) logic.push(...(condition.$and as DbObject[]));
      else if ('$or' in condition) logic.push(condition);
      else Object.assign(out, condition);
    } else if (isTextObject(item) && Object.keys(item).length > 0) {
      const nested = queryOf(item, path);
      const nestedLogic = nested.$and;
      delete nested.$and;
      Object.assign(out, nested);
      if (Array.isArray(nestedLogic)) logic.push(...(nestedLogic as DbObject[]));
    } else {
      out[path] = plain(item, 'a where value');
    }
  }
  if (logic.length > 0) out.$and = logic;
  return out;
}

/** An `update({data})` argument as the wire sends it: `$set` of flattened plain fields, commands as their operators. */
function updateOf(value: TextValue): DbObject {
  if (!isTextObject(value)) throw new QueryTextError('update data must be an object');
  const out: Record<string, DbObject> = {};
  const put = (operator: string, path: string, operand: DbValue): void => {
    out[operator] = { ...(out[operator] ?? {}), [path]: operand };
  };
  const walk = (node: { [key: string]: TextValue }, prefix: string): void => {
    for (const [key, item] of Object.entries(node)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (item instanceof Command) {
        if (!Object.values(UPDATE_COMMANDS).includes(item.operator)) throw new QueryTextError(`a query command cannot stand in update data, under "${path}"`);
        const operand = plain(item.operand, `_.${item.operator}`);
        const pushed = isDbObject(operand) && Array.isArray(operand.each) ? operand.each : Array.isArray(operand) ? operand : [operand];
        put(item.operator, path, item.operator === '$push' || item.operator === '$addToSet' ? { $each: pushed } : operand);
      } else if (isTextObject(item) && Object.keys(item).length > 0) {
        walk(item, path);
      } else {
        put('$set', path, plain(item, 'update data'));
      }
    }
  };
  walk(value, '');
  return out;
}

/** The `{data: …}` option object of add/update/set. */
function dataOption(args: readonly TextValue[], method: string): TextValue {
  const [options] = args;
  if (args.length !== 1 || options === undefined || !isTextObject(options) || !('data' in options)) throw new QueryTextError(`${method}(…) takes {data: …}`);
  return options.data as TextValue;
}

function stringArg(args: readonly TextValue[], method: string): string {
  const [value] = args;
  if (args.length !== 1 || typeof value !== 'string' || value === '') throw new QueryTextError(`${method}(…) takes one non-empty string`);
  return value;
}

function countArg(args: readonly TextValue[], method: string): number {
  const [value] = args;
  if (args.length !== 1 || typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new QueryTextError(`${method}(…) takes one whole number`);
  return value;
}

/** Parses one query string; throws QueryTextError for anything outside the subset. */
export function parseQueryText(source: string): TextOperation {
  const parser = new Parser(tokenize(source));
  parser.expect('db');
  parser.expect('.');
  if (parser.name() !== 'collection') throw new QueryTextError('the query must start db.collection("name")');
  parser.expect('(');
  const collection = stringArg(parser.args(0), 'collection');
  let query: DbObject = {};
  let id: string | null = null;
  const order: SortKey[] = [];
  let offset = 0;
  let limit: number | undefined;
  let projection: DbObject | undefined;
  for (;;) {
    parser.expect('.');
    const method = parser.name();
    parser.expect('(');
    const args = parser.args(1);
    const finish = (operation: TextOperation): TextOperation => {
      parser.accept(';');
      if (!parser.atEnd()) throw new QueryTextError(`nothing may follow .${method}()`);
      return operation;
    };
    const selected = (): DbObject => (id === null ? query : { _id: id });
    switch (method) {
      case 'where':
        if (args.length !== 1) throw new QueryTextError('where(…) takes one object');
        query = queryOf(args[0] as TextValue);
        break;
      case 'doc':
        id = stringArg(args, 'doc');
        break;
      case 'orderBy': {
        const [path, direction] = args;
        if (args.length !== 2 || typeof path !== 'string' || (direction !== 'asc' && direction !== 'desc'))
          throw new QueryTextError('orderBy(…) takes a field and "asc" or "desc"');
        order.push({ path, direction: direction === 'asc' ? 1 : -1 });
        break;
      }
      case 'skip':
        offset = countArg(args, 'skip');
        break;
      case 'limit':
        limit = countArg(args, 'limit');
        break;
      case 'field': {
        const [fields] = args;
        if (args.length !== 1 || fields === undefined || !isTextObject(fields)) throw new QueryTextError('field(…) takes an object of field: true or false');
        projection = Object.fromEntries(Object.entries(plain(fields, 'field()') as DbObject).map(([key, on]) => [key, on ? 1 : 0]));
        break;
      }
      case 'get':
        return finish({ kind: 'get', collection, query: selected(), order, offset, limit: id === null ? limit : 1, projection });
      case 'count':
        return finish({ kind: 'count', collection, query: selected() });
      case 'add': {
        const data = dataOption(args, 'add');
        const list = Array.isArray(data) ? data : [data];
        const documents = list.map((item) => plain(item, 'add data'));
        if (!documents.every(isDbObject)) throw new QueryTextError('add({data}) takes an object or an array of objects');
        return finish({ kind: 'add', collection, documents: documents as DbObject[] });
      }
      case 'update':
        return finish({
          kind: 'update',
          collection,
          query: selected(),
          data: updateOf(dataOption(args, 'update')),
          multi: id === null,
          merge: true,
          upsert: false,
        });
      case 'set': {
        if (id === null) throw new QueryTextError('set(…) needs doc(id) first');
        const data = plain(dataOption(args, 'set'), 'set data');
        if (!isDbObject(data)) throw new QueryTextError('set({data}) takes an object');
        return finish({ kind: 'update', collection, query: { _id: id }, data, multi: false, merge: false, upsert: true });
      }
      case 'remove':
        if (args.length !== 0) throw new QueryTextError('remove() takes no arguments');
        return finish({ kind: 'remove', collection, query: selected(), multi: id === null });
      default:
        throw new QueryTextError(
          `.${method}(…) is not a method the local cloud reads (where, doc, orderBy, skip, limit, field, get, count, add, update, set, remove)`,
        );
    }
  }
}
