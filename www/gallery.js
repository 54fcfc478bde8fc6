// The gallery: one card per lab with a still of its key chart, its phenomenon in a sentence
// and its paper.

import { el } from './dom.js';

/** Shortens a citation to its first authors and year: "Liu, S., … (2020)". */
function shortCitation(citation) {
  const m = citation.match(/^([^(]*?)\((\d{4})\)/);
  if (!m) return citation.split('.')[0];
  const authors = m[1].trim().replace(/,\s*$/, '');
  const first = authors.split(/,\s*(?=[A-Z][a-z])/)[0];
  return `${first}${authors.length > first.length + 4 ? ' et al.' : ''} (${m[2]})`;
}

export function renderGallery(main, catalog) {
  const cards = catalog.map((lab) =>
    el('li', { class: 'card' },
      el('a', { href: `#lab=${lab.id}`, 'aria-label': `open ${lab.title}` },
        el('img', { src: new URL(`./thumbs/${lab.id}.svg`, import.meta.url).href, alt: `${lab.title}: a chart from the lab`, loading: 'lazy', width: 480, height: 294 }),
        el('h2', {}, lab.title),
        el('p', {}, lab.summary),
        el('p', { class: 'paper' }, shortCitation(lab.citation)),
      ),
    ),
  );
  main.replaceChildren(
    el('section', { class: 'gallery-intro' },
      el('h1', {}, 'Watch small networks do what textbooks describe'),
      el('p', {}, 'Each lab trains its networks live in your browser and compares two or more methods on the same data and seed. Pick one; every run can be shared by its link and embedded in a course page.'),
    ),
    el('ul', { class: 'gallery', role: 'list' }, ...cards),
  );
}
