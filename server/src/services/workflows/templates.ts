// Templates in step params: `{{inputs.topic}}`, `{{steps.<name or position>.output}}` and deeper paths
// (`{{steps.fetch.output.status}}`). A string that is exactly one placeholder takes the value as it is (an object
// stays an object); placeholders inside longer text are interpolated (objects as JSON). Pure: no I/O.

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;

export interface Reference {
  /** The text inside the braces. */
  expr: string;
  root: 'inputs' | 'steps' | 'unknown';
  /** inputs: the input name; steps: the step name or position as written. */
  key: string;
  /** Path after `output` (steps) or after the input name (inputs). */
  path: string[];
  /** For steps: whether `.output` followed the key. */
  hasOutput: boolean;
}

export function parseRef(expr: string): Reference {
  const parts = expr.split('.').map((p) => p.trim());
  const [root, key = '', ...rest] = parts;
  if (root === 'inputs') return { expr, root, key, path: rest, hasOutput: false };
  if (root === 'steps') {
    const hasOutput = rest[0] === 'output';
    return { expr, root, key, path: hasOutput ? rest.slice(1) : rest, hasOutput };
  }
  return { expr, root: 'unknown', key, path: rest, hasOutput: false };
}

/** Every placeholder in a value (strings inside objects and arrays too), with where it sits (`prompt`, `fields.0.value`). */
export function referencesIn(value: unknown, at = ''): Array<{ field: string; ref: Reference }> {
  if (typeof value === 'string') return [...value.matchAll(PLACEHOLDER)].map((m) => ({ field: at, ref: parseRef(m[1]!) }));
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesIn(v, at ? `${at}.${i}` : String(i)));
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => referencesIn(v, at ? `${at}.${k}` : k));
  return [];
}

export interface Scope {
  inputs: Record<string, unknown>;
  /** Step outputs by name and by position (as text). */
  steps: Record<string, unknown>;
}

function dig(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof cur === 'string' && path.length) {
      // A model's answer that is JSON can be addressed into.
      try {
        cur = JSON.parse(cur);
      } catch {
        return undefined;
      }
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function lookup(ref: Reference, scope: Scope): unknown {
  if (ref.root === 'inputs') return dig(scope.inputs[ref.key], ref.path);
  if (ref.root === 'steps') return dig(scope.steps[ref.key], ref.path);
  return undefined;
}

const asText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** Render every string in a value. */
export function render(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(parseRef(whole[1]!), scope) ?? '';
    return value.replace(PLACEHOLDER, (_m, expr: string) => asText(lookup(parseRef(expr), scope)));
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, render(v, scope)]));
  return value;
}
