// The marking page, from the keyboard: p plays or pauses, [ and ] skip five seconds, and an
// evidence button plays the recording from the moment the automatic check found.
(function () {
  "use strict";
  function audio() { return document.getElementById("recording"); }
  function typing(target) { return target.closest("input[type=text], input[type=search], textarea, select"); }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-seek]");
    if (button && window.qaPlayFrom) window.qaPlayFrom(parseFloat(button.dataset.seek));
  });

  document.addEventListener("keydown", function (event) {
    var player = audio();
    if (!player || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "p") {
      if (player.paused) { var playing = player.play(); if (playing && playing.catch) playing.catch(function () {}); }
      else { player.pause(); }
      event.preventDefault();
    }
    else if (event.key === "[") { player.currentTime = Math.max(0, player.currentTime - 5); event.preventDefault(); }
    else if (event.key === "]") { player.currentTime = player.currentTime + 5; event.preventDefault(); }
  });
})();
