// DOM helpers shared by the page's modules: the one element builder, message text with code
// spans, counted nouns, and the one file download. The lab and the gallery build their nodes
// with these.

/**
 * An element with attributes and children. `class` sets the class name, `text` the text and
 * `on<event>` adds a listener; `true` writes an empty attribute, `false` and null none. Null
 * children are skipped, so optional parts can be written inline.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

/** Message text with `name` spans shown as code rather than as literal backticks. */
export function richText(text) {
  return String(text)
    .split(/`([^`]{1,80})`/)
    .map((part, i) => (i % 2 ? el('code', {}, part) : part));
}

/** "1 step", "2,000 steps": a count with its noun. */
export const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Saves `content` (a Blob, or text of MIME type `type`) as a file called `name`. */
export function download(name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked a little later, not at once: the browser reads the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
