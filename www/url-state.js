// The whole state of a lab lives in the URL hash: lab, preset, backend and every parameter.
// Parsing never throws: a malformed hash yields defaults plus a message saying what was wrong.

const RESERVED = new Set(['lab', 'preset', 'backend']);

/** Parses `#lab=…&alpha=0.5&…` into {lab, preset, backend, params, problems}. */
export function parseHash(hash) {
  const problems = [];
  const out = { lab: null, preset: null, backend: null, params: {}, problems };
  let text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text) return out;
  let search;
  try {
    search = new URLSearchParams(text);
  } catch (e) {
    problems.push(`the address could not be read (${e.message})`);
    return out;
  }
  for (const [rawKey, rawValue] of search) {
    const key = rawKey.trim();
    const value = rawValue.trim();
    if (!key) continue;
    if (!/^[a-z_][a-z0-9_-]{0,40}$/i.test(key)) {
      problems.push(`ignored a malformed entry "${key.slice(0, 40)}"`);
      continue;
    }
    if (key === 'lab') out.lab = value;
    else if (key === 'preset') out.preset = value;
    else if (key === 'backend') out.backend = value;
    else out.params[key] = value.slice(0, 64);
  }
  return out;
}

/** Builds the hash for a lab state; numbers are written compactly. */
export function buildHash({ lab, backend, params }) {
  const search = new URLSearchParams();
  search.set('lab', lab);
  if (backend) search.set('backend', backend);
  for (const [k, v] of Object.entries(params)) {
    if (RESERVED.has(k)) continue;
    search.set(k, typeof v === 'number' ? formatNumber(v) : String(v));
  }
  return '#' + search.toString();
}

export function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}
