/** Collects bind parameters while a statement is assembled; `add` returns the placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Appends `value` and returns its `$n` placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
