// The site's own script, which loads third parties at run time as tag
// managers do: the server never sees these tags in the HTML.
(function () {
  var s = document.createElement("script");
  s.src = "http://stats.localhost:8082/gtag.js";
  document.head.appendChild(s);
  document.addEventListener("DOMContentLoaded", function () {
    var img = new Image(1, 1);
    img.alt = "";
    img.src = "http://ads.localhost:8082/pixel.gif?page=widgets";
    document.body.appendChild(img);
  });
})();
