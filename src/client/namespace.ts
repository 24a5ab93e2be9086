/**
 * What a namespace needs before processes run in it: the search attributes of DESIGN §3. Used by
 * the worker at start, by `npm start` and by the production stack; production code, with no
 * dependency on the development stack.
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SearchAttributes } from '../domain/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
const DATETIME = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME;

/** The search attributes of DESIGN §3 with their indexed types, as the operator service takes them. */
export function searchAttributeTypes(): Record<string, temporal.api.enums.v1.IndexedValueType> {
  return Object.fromEntries(
    Object.values(SearchAttributes).map((key) => [key.name, key.type === 'DATETIME' ? DATETIME : KEYWORD]),
  );
}

/**
 * Registers the search attributes of DESIGN §3 that the namespace lacks. Safe to call on every
 * start, on a new or an existing database, and on a production cluster.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const wanted = Object.entries(searchAttributeTypes()).map(([name, type]) => ({ name, type }));
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = wanted.filter((w) => !known.has(w.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((m) => [m.name, m.type])),
  });
}
