/** A parse either yields a value or says, in one sentence, why the input is impossible. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const failed = <T = never>(error: string): Parsed<T> => ({ ok: false, error });
