// The transcript beside the recording: click a word or a time to play from there; the word
// being played is highlighted; search marks matching words (a phrase across words too). Works
// after HTMX swaps the panel. `window.qaPlayFrom(seconds)` plays the recording from a moment,
// for other scripts of the page (the marking page's evidence buttons).
(function () {
  "use strict";
  function audio() { return document.getElementById("recording"); }
  function words() { return Array.prototype.slice.call(document.querySelectorAll("#transcript .w")); }

  function whenMetadata(player) {
    return new Promise(function (resolve) {
      if (player.readyState >= 1 || player.error) { resolve(); return; }
      var done = function () {
        player.removeEventListener("loadedmetadata", done);
        player.removeEventListener("error", done);
        resolve();
      };
      player.addEventListener("loadedmetadata", done);
      player.addEventListener("error", done);
      if (player.preload === "none") player.load();
    });
  }

  // The server answers byte-range requests, so the browser can seek anywhere in the recording
  // once it knows its length.
  var wanted = null;  // the latest moment asked for, while the recording's metadata loads
  function playFrom(seconds) {
    var player = audio();
    if (!player || isNaN(seconds)) return;
    wanted = seconds;
    whenMetadata(player).then(function () {
      if (wanted !== seconds) return;  // a later click won
      wanted = null;
      player.currentTime = seconds;
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {});
    });
  }
  window.qaPlayFrom = playFrom;

  // A link to a moment (/calls/12?t=34.5, from a coaching summary's evidence) opens the call
  // with the recording at that moment, ready to play.
  document.addEventListener("DOMContentLoaded", function () {
    var at = parseFloat(new URLSearchParams(window.location.search).get("t"));
    var player = audio();
    if (!player || isNaN(at)) return;
    whenMetadata(player).then(function () { player.currentTime = at; });
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("#transcript [data-start]");
    if (!target || !audio()) return;
    playFrom(parseFloat(target.dataset.start));
  });

  // The words in time order with their times, rebuilt when the panel is swapped. Turns of two
  // speakers may overlap, so the page's order is not always time order.
  var timeline = { panel: null, words: [] };
  function timedWords() {
    var panel = document.querySelector("#transcript");
    if (timeline.panel !== panel || (timeline.words.length && !timeline.words[0].el.isConnected)) {
      timeline = {
        panel: panel,
        words: words().map(function (el) {
          return { el: el, start: parseFloat(el.dataset.start), end: parseFloat(el.dataset.end) };
        }).sort(function (a, b) { return a.start - b.start; }),
      };
    }
    return timeline.words;
  }

  var playing = null;
  document.addEventListener("timeupdate", function (event) {
    if (event.target !== audio()) return;
    var now = event.target.currentTime, list = timedWords(), low = 0, high = list.length - 1, found = null;
    while (low <= high) {  // the last word starting at or before now
      var mid = (low + high) >> 1;
      if (list[mid].start <= now) { found = list[mid]; low = mid + 1; } else { high = mid - 1; }
    }
    var el = found && now <= found.end + 0.3 ? found.el : null;
    if (el === playing) return;
    if (playing) playing.classList.remove("playing");
    playing = el;
    if (el) { el.classList.add("playing"); el.scrollIntoView({ block: "nearest" }); }
  }, true);

  // A query of several words matches runs of consecutive words, as if the transcript were one
  // text: "my name is" or "name i" while typing.
  function matches(list, query) {
    var parts = query.split(/\s+/), found = [];
    for (var i = 0; i + parts.length <= list.length; i++) {
      var ok = true;
      for (var k = 0; k < parts.length && ok; k++) {
        var text = list[i + k].textContent.toLowerCase(), part = parts[k];
        if (parts.length === 1) ok = text.indexOf(part) !== -1;
        else if (k === 0) ok = text.slice(-part.length) === part;
        else if (k === parts.length - 1) ok = text.indexOf(part) === 0;
        else ok = text === part;
      }
      if (ok) found.push(list.slice(i, i + parts.length));
    }
    return found;
  }

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-transcript-search]")) return;
    var query = event.target.value.trim().toLowerCase(), list = words();
    var found = query ? matches(list, query) : [];
    list.forEach(function (w) { w.classList.remove("hit"); });
    found.forEach(function (run) { run.forEach(function (w) { w.classList.add("hit"); }); });
    var counter = document.querySelector("[data-transcript-hits]");
    if (counter) counter.textContent = query ? found.length + (found.length === 1 ? " match" : " matches") : "";
    if (found.length) found[0][0].scrollIntoView({ block: "nearest" });
  });
})();
