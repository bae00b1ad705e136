// The site's own script, on every page: hides the old cookie strip once the
// visitor has pressed its button (the server then set accepted_cookies).
(function () {
  window.foraSiteRan = (window.foraSiteRan || 0) + 1;
  document.addEventListener("DOMContentLoaded", function () {
    var strip = document.getElementById("cookie-strip");
    if (strip && /(^|;\s*)accepted_cookies=/.test(document.cookie)) strip.hidden = true;
    document.documentElement.classList.add("js");
  });
})();
