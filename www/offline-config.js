// Whether this copy of the playground keeps itself for offline use. The repository's copy
// does not (a service worker would serve stale files while developing); `cargo xtask dist`
// writes this file again in the folder it builds, naming the version its service worker caches.
export const OFFLINE = null;
