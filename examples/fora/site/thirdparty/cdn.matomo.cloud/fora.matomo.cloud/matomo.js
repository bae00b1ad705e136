// A stand-in for Matomo's tracker: it checks that cookies work with
// _pk_testcookie, then keeps a visitor id and a session in _pk_id.* and
// _pk_ses.* (which Fora's declaration does not list).
(function () {
  window.matomoRan = (window.matomoRan || 0) + 1;
  var now = Math.floor(Date.now() / 1000);
  document.cookie = "_pk_testcookie=1; path=/";
  document.cookie = "_pk_id.1.f0ra=" + Math.random().toString(16).slice(2, 18) + "." + now + "; path=/; max-age=" + 393 * 24 * 3600;
  document.cookie = "_pk_ses.1.f0ra=1; path=/; max-age=1800";
})();
