import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';

/**
 * A query built with Kysely's typed builder once per database dialect, then run with new values:
 * the hot path's statements skip the builder's immutable node trees and the SQL compiler on every
 * request (a third of the gateway's per-request JavaScript allocations and ~9% of its CPU time in
 * the hot-path bench, docs/performance.md).
 *
 * `build` receives stand-ins for the arguments and must hand each one to the builder as a value
 * (`.values({ id: args.id })`, `.where('id', '=', args.id)`, `sql\`${args.amount}\``): the compiled
 * query's parameters are then those values, in place. Anything that decides the query's shape
 * from a value (`args.n > 0 ? …`, `JSON.stringify(args.x)`) must happen before the call, and is
 * refused on the first build: a stand-in throws when read as a primitive or as JSON, and one read
 * but absent from the parameters (used in a condition) fails the build.
 */
export interface PreparedQuery<Args, Row> {
  execute(db: Kysely<DatabaseSchema>, args: Args): Promise<QueryResult<Row>>;
}

type Slot = { argument: string } | { constant: unknown };

interface Template {
  sql: string;
  slots: readonly Slot[];
}

/** What a stand-in is: its argument's name. Thrown at when the builder would turn it into anything but a value. */
class ArgumentStandIn {
  constructor(readonly name: string) {}

  [Symbol.toPrimitive](): never {
    throw new Error(`A prepared query read its argument '${this.name}' as a primitive: pass arguments to the builder as values only`);
  }

  toJSON(): never {
    throw new Error(`A prepared query serialized its argument '${this.name}': serialize it before the call and pass the text`);
  }
}

export type QueryBuild<Args, Row> = (db: Kysely<DatabaseSchema>, args: Args) => Compilable<Row>;

export function prepareQuery<Args extends object, Row>(build: QueryBuild<Args, Row>): PreparedQuery<Args, Row> {
  // Per dialect adapter: the root database and its transactions share one; SQLite and PostgreSQL
  // (`?` against `$1` placeholders) each get their own text. `getExecutor()` is marked internal in
  // Kysely's types; test/unit/db/prepared-query.test.ts fails if a Kysely upgrade changes it.
  const templates = new WeakMap<object, Template>();
  return {
    // Async, so a build that fails rejects like a failed query instead of throwing at the call.
    async execute(db, args) {
      const dialect = db.getExecutor().adapter;
      let template = templates.get(dialect);
      if (template === undefined) {
        template = compileTemplate(db, build);
        templates.set(dialect, template);
      }
      const values = args as Record<string, unknown>;
      const parameters = template.slots.map((slot) => ('argument' in slot ? values[slot.argument] : slot.constant));
      return await db.executeQuery(CompiledQuery.raw(template.sql, parameters) as CompiledQuery<Row>);
    },
  };
}

function compileTemplate<Args extends object, Row>(db: Kysely<DatabaseSchema>, build: QueryBuild<Args, Row>): Template {
  const read = new Map<string, ArgumentStandIn>();
  const standIns = new Proxy(
    {},
    {
      get(_target, name) {
        if (typeof name !== 'string') return undefined;
        let standIn = read.get(name);
        if (standIn === undefined) {
          standIn = new ArgumentStandIn(name);
          read.set(name, standIn);
        }
        return standIn;
      },
    },
  ) as Args;
  const compiled = build(db, standIns).compile();
  const slots = compiled.parameters.map((parameter): Slot =>
    parameter instanceof ArgumentStandIn ? { argument: parameter.name } : { constant: parameter },
  );
  for (const name of read.keys()) {
    if (!slots.some((slot) => 'argument' in slot && slot.argument === name)) {
      throw new Error(`A prepared query read its argument '${name}' without passing it to the builder as a value: ${compiled.sql}`);
    }
  }
  return { sql: compiled.sql, slots };
}
