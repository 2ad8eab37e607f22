import { type RawBuilder, sql } from 'kysely';
import { invalidParam } from '../errors/api-error.js';

/** A position in a list ordered by (created_at desc, id desc): the last row a page returned. */
export interface PagePosition {
  createdAt: number;
  id: string;
}

/**
 * Cursors are opaque to clients (base64url), so the order they encode may change without breaking
 * anyone who only passes them back.
 */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor stands for; a 400 naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): PagePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw badCursor();
  const [createdAt, id] = decoded as unknown[];
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || typeof id !== 'string') throw badCursor();
  return { createdAt, id };
}

/**
 * The rows after a cursor's position in (created_at desc, id desc) order, as a WHERE condition on
 * `table`'s columns (unqualified when the query reads one table).
 */
export function olderThanCursor(cursor: string, table?: string): RawBuilder<boolean> {
  const after = decodeCursor(cursor);
  const createdAt = sql.ref(table === undefined ? 'created_at' : `${table}.created_at`);
  const id = sql.ref(table === undefined ? 'id' : `${table}.id`);
  return sql<boolean>`(${createdAt} < ${after.createdAt} or (${createdAt} = ${after.createdAt} and ${id} < ${after.id}))`;
}

/** The cursor of the page after `rows`, or null when `rows` was the last page (fetched `limit + 1` to know). */
export function nextCursor<Row extends PagePosition>(rows: Row[], limit: number): { page: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { page: rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1]!;
  return { page, nextCursor: encodeCursor({ createdAt: last.createdAt, id: last.id }) };
}

function badCursor() {
  return invalidParam('cursor', "'cursor' is not a cursor this gateway returned; pass back 'next_cursor' unchanged");
}
