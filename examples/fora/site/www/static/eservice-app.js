// Anmäl arbetsskada, an e-service outside Mina sidor. Its texts come from
// i18next, whose language detector keeps the chosen language in a cookie.
(function () {
  window.eserviceAppRan = (window.eserviceAppRan || 0) + 1;
  var texts = {
    sv: {title: "Anmäl arbetsskada", intro: "Fyll i uppgifterna om skadan. Det tar ungefär tio minuter."},
    en: {title: "Report an occupational injury", intro: "Fill in the details of the injury. It takes about ten minutes."}
  };
  var lang = (/(?:^|;\s*)i18next=([^;]*)/.exec(document.cookie) || [])[1] || "sv";
  if (!texts[lang]) lang = "sv";
  document.cookie = "i18next=" + lang + "; path=/";
  var app = document.getElementById("app");
  app.innerHTML = "";
  var h = document.createElement("h1");
  h.id = "title";
  h.textContent = texts[lang].title;
  var p = document.createElement("p");
  p.textContent = texts[lang].intro;
  app.append(h, p);
})();
