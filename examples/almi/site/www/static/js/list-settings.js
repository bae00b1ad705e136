// The list pages remember the chosen sorting and view in cookies, written
// from script the way the old jQuery cookie plugin did. The server sets them
// too. Neither is classified in the declaration.
(function () {
  window.listSettingsRan = (window.listSettingsRan || 0) + 1;
  function setCookie(name, value) {
    document.cookie = name + "=" + encodeURIComponent(value) + "; path=/";
  }
  function getCookie(name) {
    var m = new RegExp("(?:^|;\\s*)" + name.replace(/\./g, "\\.") + "=([^;]*)").exec(document.cookie);
    return m ? decodeURIComponent(m[1]) : null;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("list-controls");
    if (!form) return;
    var sorting = form.elements.sorting, view = form.elements.view;
    sorting.value = getCookie("oep.selectedSorting") || sorting.value;
    view.value = getCookie("oep.selectedView") || view.value;
    function apply() {
      setCookie("oep.selectedSorting", sorting.value);
      setCookie("oep.selectedView", view.value);
      document.getElementById("services").className = "services " + view.value;
    }
    form.addEventListener("change", apply);
    apply();
  });
})();
