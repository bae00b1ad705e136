// The site's own script: marks the current page in the menu.
(function () {
  window.almiSiteRan = (window.almiSiteRan || 0) + 1;
  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
  });
})();
