// One script tag for course pages:
//   <script src="https://…/www/phenomena.js" defer></script>
//   <phenomena-lab lab="overoptimization" preset="dpo-drifts" autoplay></phenomena-lab>
//
// A classic script on purpose: a browser runs a classic script from another origin without
// asking that origin for CORS headers, so this loader always runs, and when the modules it
// imports are refused (the host sends no Access-Control-Allow-Origin, a path is wrong, the
// course page's Content-Security-Policy blocks the host) every <phenomena-lab> on the page says
// what failed and how to fix it, rather than staying blank. It also works as a module script.
// No import, export or import.meta here: they are syntax errors in a classic script.
(() => {
  if (window.customElements?.get('phenomena-lab') || window.__phenomenaLoader) return;
  window.__phenomenaLoader = true;
  const script =
    document.currentScript ??
    [...document.querySelectorAll('script[src]')].find((s) => /\/phenomena\.js(?:[?#]|$)/.test(s.src));
  const base = new URL('./', script?.src || location.href);
  const moduleUrl = new URL('lab-view.js', base).href;

  // Violations of the course page's policy while loading: the clearest diagnosis there is.
  const blocked = [];
  const onViolation = (e) => blocked.push(e);
  document.addEventListener('securitypolicyviolation', onViolation);

  /** Why `url` could not be imported, in words a course-page author can act on. */
  async function diagnose(url, error) {
    const violation = blocked.find((v) => v.blockedURI && url.startsWith(v.blockedURI));
    if (violation) {
      return `this page's Content-Security-Policy (${violation.effectiveDirective}) does not allow ${base.origin}: add ${base.origin} to its script-src.`;
    }
    try {
      const response = await fetch(url, { mode: 'cors', credentials: 'omit' });
      if (!response.ok) {
        return `${url} answered ${response.status} ${response.statusText}: check the address in the script tag and that the playground's www/ folder is deployed there.`;
      }
      return `${url} loaded but did not run (${error?.message ?? error}).`;
    } catch {
      try {
        await fetch(url, { mode: 'no-cors', credentials: 'omit' });
        return `the server at ${base.origin} does not send the Access-Control-Allow-Origin header, so this page (on ${location.origin}) may not load its modules. Configure that server to send "Access-Control-Allow-Origin: *" for the playground's files (see docs/embedding.md).`;
      } catch {
        return `${base.origin} could not be reached (offline, a wrong address, or this page's Content-Security-Policy connect-src).`;
      }
    }
  }

  /** Every <phenomena-lab>, now and later, shows `reason` in one line. */
  function defineUnavailable(reason) {
    class UnavailableLab extends HTMLElement {
      connectedCallback() {
        const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
        const p = document.createElement('p');
        p.setAttribute('role', 'alert');
        p.textContent = `This lab could not be loaded: ${reason}`;
        // CSSOM, not a style attribute: allowed under a strict style-src too.
        Object.assign(p.style, {
          margin: '0', padding: '0.75rem 1rem', border: '1px solid #d55e00', borderRadius: '8px',
          background: '#fde8e4', color: '#1d2228', font: '15px/1.4 system-ui, sans-serif',
        });
        root.replaceChildren(p);
        this.dataset.state = 'error';
      }
    }
    if (!customElements.get('phenomena-lab')) customElements.define('phenomena-lab', UnavailableLab);
  }

  import(moduleUrl)
    .catch(async (error) => defineUnavailable(await diagnose(moduleUrl, error)))
    .finally(() => document.removeEventListener('securitypolicyviolation', onViolation));
})();
