// A stand-in for the chat widget (files.imbox.io/widget-v2/prod/widget.js):
// it draws the chat button and asks the trigger service when to offer a chat.
(function () {
  window.imboxWidgetRan = (window.imboxWidgetRan || 0) + 1;
  var cfg = window._imbox || {};
  function draw() {
    if (document.getElementById("imbox-launcher")) return;
    var b = document.createElement("button");
    b.type = "button";
    b.id = "imbox-launcher";
    b.textContent = "Chatta med oss";
    var st = b.style;
    st.position = "fixed"; st.right = "1.5rem"; st.bottom = "5rem"; st.padding = ".6rem 1rem";
    st.border = "0"; st.borderRadius = "2rem"; st.background = "#b8002e"; st.color = "#fff"; st.font = "inherit";
    document.body.appendChild(b);
  }
  if (document.body) draw(); else document.addEventListener("DOMContentLoaded", draw);
  var t = document.createElement("script");
  t.async = true;
  t.src = "http://triggers-v3.imbox.io:8092/v3/triggers.js?sid=" + encodeURIComponent(cfg.sid || "");
  document.head.appendChild(t);
})();
