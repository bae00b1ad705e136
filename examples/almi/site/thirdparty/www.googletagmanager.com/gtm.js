// A stand-in for the tag manager container (www.googletagmanager.com/gtm.js):
// the conversion linker writes _gcl_au as a cookie and keeps _gcl_ls in
// localStorage.
(function () {
  window.gtmRan = (window.gtmRan || 0) + 1;
  var now = Math.floor(Date.now() / 1000);
  if (!/(^|;\s*)_gcl_au=/.test(document.cookie)) {
    document.cookie = "_gcl_au=1.1." + Math.floor(Math.random() * 1e9) + "." + now + "; path=/; max-age=" + 90 * 24 * 3600;
  }
  try {
    localStorage.setItem("_gcl_ls", JSON.stringify({schema: "gcl", version: 1, linkDecorationSource: {value: {}, timestamp: Date.now()}}));
  } catch (e) {}
})();
