/**
 * Small validation combinators for the user's data files (scenario files, check policies): every
 * problem names the field by path (`targets[1].passiveRange`) and says what was expected, so a
 * person editing the file knows what to fix. Pure: parsed data in, problems out.
 */
import net from 'node:net';

export interface FieldProblem {
  path: string;
  message: string;
}

export type Check = (value: unknown, path: string, problems: FieldProblem[]) => void;

export interface FieldSpec {
  required: boolean;
  check: Check;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function field(required: boolean, check: Check): FieldSpec {
  return { required, check };
}

export const joinPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** A mapping with exactly these fields: unknown ones are reported (typos), required ones demanded. */
export function object(shape: Record<string, FieldSpec>): Check {
  return (value, path, problems) => {
    if (!isObject(value)) return void problems.push({ path, message: 'must be a mapping (key: value)' });
    for (const key of Object.keys(value)) {
      // Own fields only: `key in shape` would accept `__proto__`, `constructor` and `toString`.
      if (!Object.hasOwn(shape, key)) problems.push({ path: joinPath(path, key), message: `unknown field (expected one of: ${Object.keys(shape).join(', ')})` });
    }
    for (const [key, spec] of Object.entries(shape)) {
      const child = value[key];
      if (child === undefined) {
        if (spec.required) problems.push({ path: joinPath(path, key), message: 'is required' });
        continue;
      }
      spec.check(child, joinPath(path, key), problems);
    }
  };
}

/** A list of at least `minimum` and at most `maximum` items, each checked by `item`. */
export function array(item: Check, minimum = 0, maximum = Number.POSITIVE_INFINITY): Check {
  return (value, path, problems) => {
    if (!Array.isArray(value)) return void problems.push({ path, message: 'must be a list' });
    if (value.length < minimum) return void problems.push({ path, message: `must list at least ${minimum}` });
    // Said once, before any item is looked at: a list far too long is one problem, not thousands.
    if (value.length > maximum) return void problems.push({ path, message: `lists ${value.length} items; at most ${maximum} are allowed` });
    value.forEach((element, index) => item(element, `${path}[${index}]`, problems));
  };
}

export const string: Check = (value, path, problems) => {
  if (typeof value !== 'string' || value.trim() === '') problems.push({ path, message: 'must be a non-empty text' });
};

export const boolean: Check = (value, path, problems) => {
  if (typeof value !== 'boolean') problems.push({ path, message: 'must be true or false' });
};

export function oneOf(...choices: string[]): Check {
  return (value, path, problems) => {
    if (typeof value !== 'string' || !choices.includes(value)) problems.push({ path, message: `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})` });
  };
}

export function integer(min: number, max: number): Check {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push({ path, message: `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})` });
    }
  };
}

export const address: Check = (value, path, problems) => {
  if (typeof value !== 'string' || net.isIP(value) === 0) problems.push({ path, message: `must be an IP address (got ${JSON.stringify(value)})` });
};

/** "5500-5525" or 21 → {from, to}; undefined for anything else (inverted ranges included). */
export function parsePortRange(value: unknown): { from: number; to: number } | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 65535 ? { from: value, to: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(value);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from < 1 || to > 65535 || from > to) return undefined;
  return { from, to };
}

/** A port (21) or an inclusive range ("5500-5525"). */
export const portOrRange: Check = (value, path, problems) => {
  if (typeof value === 'number') return integer(1, 65535)(value, path, problems);
  const range = parsePortRange(value);
  if (!range) problems.push({ path, message: `must be a port (1-65535) or a range like "5500-5525" with low <= high (got ${JSON.stringify(value)})` });
};
