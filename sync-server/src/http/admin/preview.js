// Live preview of a handbook page while it is typed: the text goes to the server, which
// draws it with the portal's own markdown code. Without JavaScript the form's preview
// button does the same on a click.
(function () {
  var body = document.getElementById("f-body");
  var form = body && body.form;
  if (!form) { return; }
  var out = document.getElementById("live-preview");
  var csrf = form.querySelector("input[name=csrf]").value;
  var timer = null;
  function draw() {
    var data = new URLSearchParams();
    data.set("csrf", csrf);
    data.set("body", body.value);
    fetch("/admin/haandbog/forhaandsvis", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { out.innerHTML = html; out.hidden = false; });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
})();
