import type { z } from 'zod';
import { StrataError } from '../core/errors.ts';

/** A provider's settings checked against `schema`: the first problem is `misconfigured`, naming the option. */
export function parseProviderSettings<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'options';
  throw new StrataError('misconfigured', `${field}: ${issue?.message ?? 'is invalid'}`, { details: { field } });
}

/** `value` without its undefined fields, so the schema's defaults apply to options left out. */
export function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
