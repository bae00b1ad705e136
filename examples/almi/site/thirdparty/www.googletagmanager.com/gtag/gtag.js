// A stand-in for the Google tag (www.googletagmanager.com/gtag/js?id=G-...):
// it writes the Analytics client and session cookies from script, as the real
// one does, and sends a hit to the collection host.
(function () {
  window.gtagRan = (window.gtagRan || 0) + 1;
  var src = document.currentScript && document.currentScript.src;
  var id = (src && new URL(src).searchParams.get("id")) || "G-DEMO";
  var now = Math.floor(Date.now() / 1000);
  var twoYears = 2 * 365 * 24 * 3600;
  if (!/(^|;\s*)_ga=/.test(document.cookie)) {
    document.cookie = "_ga=GA1.1." + Math.floor(Math.random() * 1e9) + "." + now + "; path=/; max-age=" + twoYears;
  }
  document.cookie = "_ga_" + id.replace(/^G-/, "") + "=GS1.1." + now + ".1.0." + now + ".0.0.0; path=/; max-age=" + twoYears;
  var hit = new Image(1, 1);
  hit.src = "http://region1.google-analytics.com:8092/g/collect?v=2&tid=" + encodeURIComponent(id) + "&dl=" + encodeURIComponent(location.href);
})();
