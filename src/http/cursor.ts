import { validationError } from '../errors';

/** Opaque list cursors: base64url JSON, refused with a field error when tampered with. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, isValid: (value: unknown) => value is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // fall through to the field error
  }
  throw validationError([{ path: '/cursor', in: 'query', message: 'is not a cursor this list returned' }]);
}

export const LIMIT_QUERY = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;
