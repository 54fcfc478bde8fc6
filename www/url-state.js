// The whole state of a lab lives in the URL hash: lab, preset, backend and every parameter.
// Parsing never throws: a malformed hash yields defaults plus a message saying what was wrong.

const RESERVED = new Set(['lab', 'preset', 'backend', 'quiz']);
/** The longest value a link keeps: a number is short; your own points take 4 characters each,
 * up to 256 of them. */
export const MAX_VALUE = 1100;

/** `quiz` in a link: on unless it says off (`quiz`, `quiz=on` and `quiz=1` are on). */
export const quizFlag = (value) => !['off', '0', 'false', 'no'].includes(String(value).trim().toLowerCase());

/** Parses `#lab=…&alpha=0.5&…` into {lab, preset, backend, quiz, params, problems}. */
export function parseHash(hash) {
  const problems = [];
  const out = { lab: null, preset: null, backend: null, quiz: false, params: {}, problems };
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
    else if (key === 'quiz') out.quiz = quizFlag(value);
    else out.params[key] = value.slice(0, MAX_VALUE);
  }
  return out;
}

/**
 * Builds the hash for a lab state; numbers are written compactly. `preset` is written while the
 * parameters are still the preset's, so a shared link keeps its caption (what to look for).
 */
export function buildHash({ lab, preset, backend, params, quiz = false }) {
  const search = new URLSearchParams();
  search.set('lab', lab);
  if (preset) search.set('preset', preset);
  if (backend) search.set('backend', backend);
  if (quiz) search.set('quiz', 'on');
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

/** The values preset `presetId` of a lab (a catalog entry) stands for: the schema's defaults
 * overlaid with the preset's own values, as the engine resolves them. */
export function presetValues(info, presetId) {
  const preset = info.presets.find((p) => p.id === presetId);
  if (!preset) return null;
  const values = {};
  // A text parameter (your own points) is empty in every preset: absent.
  for (const s of info.schema) if (!s.text) values[s.name] = s.default;
  for (const [name, v] of preset.values) values[name] = v;
  return values;
}

/**
 * Whether link parameters (text, as parsed) are still preset `presetId`'s values, so the link
 * may keep the preset and its caption. A parameter the link leaves out takes the preset's
 * value, as in the engine; names outside the schema are the engine's to report. The seed may
 * differ: picking a preset keeps the current seed, and every seed tells the preset's story. So
 * may a fork's parameters: a fork adds a branch and changes none of the preset's runs.
 */
export function matchesPreset(info, presetId, params) {
  const expected = presetValues(info, presetId);
  if (!expected) return false;
  return info.schema.every((s) => {
    // The seed and a fork change none of the preset's runs.
    if (s.name === 'seed' || s.fork || !(s.name in params)) return true;
    const text = String(params[s.name]).trim();
    // Your own points change the data: no preset has any.
    if (s.text) return text === '';
    const v = Number(text);
    return text !== '' && Number.isFinite(v) && formatNumber(v) === formatNumber(expected[s.name]);
  });
}
