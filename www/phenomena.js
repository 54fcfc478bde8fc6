// One script tag for course pages:
//   <script type="module" src="https://…/www/phenomena.js"></script>
//   <phenomena-lab lab="overoptimization" preset="dpo-drifts" autoplay></phenomena-lab>
// It adds the element's stylesheet once and defines <phenomena-lab>; each element loads the
// shared engine and builds its lab from its attributes.

const STYLE_ID = 'phenomena-lab-style';
if (!document.getElementById(STYLE_ID)) {
  const link = document.createElement('link');
  link.id = STYLE_ID;
  link.rel = 'stylesheet';
  link.href = new URL('./lab.css', import.meta.url).href;
  document.head.append(link);
}

await import('./lab-view.js');
