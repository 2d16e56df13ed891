// The report page's downloads (reports/templates/reports/page.html): a report takes a while to
// make, so the form says it is being made, and its buttons stay disabled until the file has come,
// so a second click cannot start it again. The file is fetched and handed to the browser as a
// download; without this script the form still works as a plain GET form.
(function () {
  "use strict";

  function filenameOf(response, fallback) {
    var header = response.headers.get("content-disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }

  function setUp(form) {
    var status = form.querySelector("[data-download-status]");
    var buttons = form.querySelectorAll("button[type=submit]");

    function busy(on) {
      form.toggleAttribute("data-busy", on);
      form.setAttribute("aria-busy", on ? "true" : "false");
      buttons.forEach(function (b) { b.disabled = on; });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.hasAttribute("data-busy")) return; // already making one
      var submitter = event.submitter;
      var action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
      var query = new URLSearchParams(new FormData(form)).toString();
      var url = action + (query ? "?" + query : "");
      busy(true);
      status.textContent = form.dataset.making;
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.blob().then(function (blob) {
            var link = document.createElement("a");
            link.href = URL.createObjectURL(blob);
            link.download = filenameOf(response, action.split("/").pop());
            document.body.appendChild(link);
            link.click();
            link.remove();
            setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
            status.textContent = form.dataset.done;
          });
        })
        .catch(function (error) {
          status.textContent = form.dataset.failed.replace("%(error)s", error.message);
        })
        .finally(function () { busy(false); });
    });
  }

  document.querySelectorAll("form[data-download]").forEach(setUp);
})();
