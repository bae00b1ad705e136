// A stand-in for Hotjar's tracking code (site 123): a user and a session
// cookie, written from script. Fora's declaration lists neither.
(function () {
  window.hotjarRan = (window.hotjarRan || 0) + 1;
  var now = Date.now();
  document.cookie = "_hjSessionUser_123=" + encodeURIComponent(JSON.stringify({id: Math.random().toString(16).slice(2), created: now, existing: false})) + "; path=/; max-age=" + 365 * 24 * 3600;
  document.cookie = "_hjSession_123=" + encodeURIComponent(JSON.stringify({id: Math.random().toString(16).slice(2), c: now, s: 0, r: 0, sb: 0})) + "; path=/; max-age=1800";
})();
