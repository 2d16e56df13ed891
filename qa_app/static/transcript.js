// The transcript beside the recording: click a word or a time to play from there; the word
// being played is highlighted; search marks matching words. Works after HTMX swaps the panel.
(function () {
  "use strict";
  function audio() { return document.getElementById("recording"); }
  function words() { return Array.prototype.slice.call(document.querySelectorAll("#transcript .w")); }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("#transcript [data-start]");
    var player = audio();
    if (!target || !player) return;
    player.currentTime = parseFloat(target.dataset.start);
    player.play();
  });

  var playing = null;
  document.addEventListener("timeupdate", function (event) {
    if (event.target !== audio()) return;
    var now = event.target.currentTime, list = words(), low = 0, high = list.length - 1, found = null;
    while (low <= high) {  // the last word starting at or before now
      var mid = (low + high) >> 1;
      if (parseFloat(list[mid].dataset.start) <= now) { found = list[mid]; low = mid + 1; } else { high = mid - 1; }
    }
    if (found && now > parseFloat(found.dataset.end) + 0.3) found = null;
    if (found === playing) return;
    if (playing) playing.classList.remove("playing");
    playing = found;
    if (found) { found.classList.add("playing"); found.scrollIntoView({ block: "nearest" }); }
  }, true);

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-transcript-search]")) return;
    var query = event.target.value.trim().toLowerCase(), hits = 0;
    words().forEach(function (w) {
      var hit = query.length > 0 && w.textContent.toLowerCase().indexOf(query) !== -1;
      w.classList.toggle("hit", hit);
      if (hit) hits += 1;
    });
    var counter = document.querySelector("[data-transcript-hits]");
    if (counter) counter.textContent = query ? hits + (hits === 1 ? " match" : " matches") : "";
    var first = document.querySelector("#transcript .w.hit");
    if (first) first.scrollIntoView({ block: "nearest" });
  });
})();
