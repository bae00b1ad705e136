// The consent manager the site used before the proxy (a Cookiebot-style
// script). Its banner was switched off when the proxy came; the script still
// writes its CookieConsent cookie, a JavaScript object literal, with the
// default it assumes: necessary only.
(function () {
  window.legacyConsentRan = (window.legacyConsentRan || 0) + 1;
  if (/(^|;\s*)CookieConsent=/.test(document.cookie)) return;
  var now = Date.now();
  var value = "{stamp:'demo-" + now.toString(36) + "',necessary:true,preferences:false," +
    "statistics:false,marketing:false,method:'implied',ver:1,utc:" + now + ",region:'se'}";
  document.cookie = "CookieConsent=" + encodeURIComponent(value) + "; path=/; max-age=31536000; SameSite=Lax";
})();
