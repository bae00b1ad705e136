// A stand-in for the chat's trigger service (triggers-v3.imbox.io). The real
// one keeps the visitor id imboxuid as its own cookie (1 day); over plain http
// a browser accepts no cross-site cookie, so this one writes it from script.
(function () {
  window.imboxTriggersRan = (window.imboxTriggersRan || 0) + 1;
  if (!/(^|;\s*)imboxuid=/.test(document.cookie)) {
    var id = Math.random().toString(36).slice(2, 12);
    document.cookie = "imboxuid=" + id + "; path=/; max-age=86400";
  }
})();
