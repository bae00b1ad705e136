// Månadsrapportering, a single-page e-service. It signs in with MSAL, which
// keeps its token index in sessionStorage, and its router keeps the scroll
// positions of its views there too.
(function () {
  window.monthlyAppRan = (window.monthlyAppRan || 0) + 1;
  var clientId = "6c1f0d2e-demo-4a5b-9c8d-000000000001";
  sessionStorage.setItem("msal.token.keys", JSON.stringify({
    idToken: [clientId + "-idtoken"],
    accessToken: [clientId + "-accesstoken"],
    refreshToken: [clientId + "-refreshtoken"]
  }));
  function saveScroll() {
    sessionStorage.setItem("react-router-scroll-positions", JSON.stringify({"/minasidor/manadsrapportering": window.scrollY}));
  }
  saveScroll();
  window.addEventListener("scroll", saveScroll, {passive: true});
  var partner = (/(?:^|;\s*)partnerNumber=([^;]*)/.exec(document.cookie) || [])[1] || "–";
  var org = (/(?:^|;\s*)Organization=([^;]*)/.exec(document.cookie) || [])[1] || "–";
  var app = document.getElementById("app");
  app.innerHTML = "";
  var h = document.createElement("h1");
  h.id = "title";
  h.textContent = "Månadsrapportering";
  var p = document.createElement("p");
  p.id = "company";
  p.textContent = "Företag " + decodeURIComponent(org) + ", kundnummer " + decodeURIComponent(partner) + ".";
  var a = document.createElement("p");
  a.innerHTML = '<label>Lönesumma för perioden <input type="number" name="sum"></label> <button type="button">Spara</button>';
  app.append(h, p, a);
})();
