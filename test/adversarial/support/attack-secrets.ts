import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The byte strings whose presence would leak `secret`: the whole key, and the part of its random
 * body past the 8 characters that listings legitimately show as the key's prefix (`sk_tenant_4fX9aQ2b`).
 * Finding either means the secret, or enough of it to brute-force nothing, was stored or logged.
 */
export function secretNeedles(secret: string): Buffer[] {
  const body = secret.replace(/^sk_[a-z]+_/, '');
  return [Buffer.from(secret, 'utf8'), Buffer.from(body.slice(8), 'utf8')];
}

/** The labels of the secrets found in `haystack` (binary-safe). */
export function leakedSecrets(haystack: Buffer, secrets: ReadonlyMap<string, string>): string[] {
  const leaked: string[] = [];
  for (const [label, secret] of secrets) {
    if (secretNeedles(secret).some((needle) => haystack.indexOf(needle) !== -1)) leaked.push(label);
  }
  return leaked;
}

/** Every regular file under `directory`, recursively. */
export function filesUnder(directory: string): string[] {
  const entries = readdirSync(directory, { recursive: true, encoding: 'utf8' });
  return entries.map((entry) => join(directory, entry)).filter((path) => statSync(path).isFile());
}

/** `file: label` for every secret found in any file under `directory`. */
export function leakedSecretsInDirectory(directory: string, secrets: ReadonlyMap<string, string>): string[] {
  return filesUnder(directory).flatMap((file) => leakedSecrets(readFileSync(file), secrets).map((label) => `${file}: ${label}`));
}
