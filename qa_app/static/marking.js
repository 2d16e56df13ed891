// The marking page, from the keyboard (no inline scripts: the site's CSP forbids them).
// Outside text fields: p plays or pauses, [ and ] skip five seconds; on a criterion, the keys
// of its answers (1 Yes, 2 No, 3 N/A; a scale's points and n for N/A) answer it and move to
// the next unanswered criterion; j and k move between criteria; arrows change the answer one
// step without wrapping round (and an unanswered criterion's first arrow never picks "No");
// c opens the criterion's comment, where Enter goes back to the criterion and never submits.
// Ctrl+Enter submits (and the next call of the queue opens). An evidence button plays the
// recording from the moment the automatic check found. Drafts are saved in the background by
// HTMX (the form's hx-post): only the status line and the score are replaced, never the audio.
// Changing an automatic answer (a criterion with data-machine) shows "changed from the
// automatic result" and asks for a one-line reason (from the keys, the reason box takes the
// focus; Enter goes back to the criterion); changed back, both are hidden again.
(function () {
  "use strict";
  var form = document.getElementById("marking-form");

  function audio() { return document.getElementById("recording"); }
  function typing(target) {
    return target.closest && target.closest("input[type=text], input[type=search], input:not([type]), textarea, select, [contenteditable]");
  }
  function criteria() { return form ? Array.prototype.slice.call(form.querySelectorAll("fieldset.criterion")) : []; }
  function radios(criterion) { return Array.prototype.slice.call(criterion.querySelectorAll("input[type=radio]")); }
  function checkedIndex(criterion) {
    var all = radios(criterion);
    for (var i = 0; i < all.length; i++) { if (all[i].checked) return i; }
    return -1;
  }
  function answered(criterion) { return checkedIndex(criterion) >= 0; }
  function criterionOf(element) { return element && element.closest && form && form.contains(element) ? element.closest("fieldset.criterion") : null; }

  // Focus a criterion: its chosen answer, or its first one (focusing a radio never chooses it).
  function focusCriterion(criterion) {
    if (!criterion) return;
    var all = radios(criterion);
    var index = checkedIndex(criterion);
    var target = all[index >= 0 ? index : 0];
    if (target) target.focus({ preventScroll: true });
    var box = criterion.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) criterion.scrollIntoView({ block: "center" });
  }

  function choose(radio) {
    if (!radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event("input", { bubbles: true }));
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    radio.focus({ preventScroll: true });
  }

  // The page's own (translated) words for "every criterion is answered" (data-all-answered).
  function allAnswered() {
    var status = document.getElementById("draft-status");
    return (status && status.dataset.allAnswered) || "";
  }

  function say(text) {
    var status = document.getElementById("draft-status");
    if (status) status.textContent = text;
  }

  // The next unanswered criterion after this one (then from the top), or null.
  function nextUnanswered(criterion) {
    var all = criteria();
    var at = all.indexOf(criterion);
    var order = all.slice(at + 1).concat(all.slice(0, Math.max(at, 0)));
    for (var i = 0; i < order.length; i++) { if (!answered(order[i])) return order[i]; }
    return null;
  }

  function firstUnanswered() { return criteria().filter(function (c) { return !answered(c); })[0] || null; }

  function submitButton() { return document.getElementById("submit-marks"); }

  // Comment boxes open with "+ comment" (or c) rather than being Tab stops of their own.
  function openComment(criterion) {
    var box = criterion.querySelector(".comment-box");
    var button = criterion.querySelector(".add-comment");
    if (!box) return;
    box.hidden = false;
    if (button) button.hidden = true;
    var input = box.querySelector("input, textarea");
    if (input) input.focus();
  }

  // Whether the criterion's answer now differs from the automatic check's; shows or hides the
  // tag and the reason box to match. Answers true when a reason is still to be written.
  function syncOverride(criterion) {
    if (!criterion || criterion.dataset.machine === undefined) return false;
    var options = radios(criterion);
    var index = checkedIndex(criterion);
    var changed = index >= 0 && options[index].value !== criterion.dataset.machine;
    var box = criterion.querySelector(".override-reason");
    var tag = criterion.querySelector(".override-tag");
    if (box) box.hidden = !changed;
    if (tag) tag.hidden = !changed;
    var input = box && box.querySelector("input");
    return changed && !!input && !input.value.trim();
  }

  if (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=radio]")) syncOverride(criterionOf(event.target));
    });
    criteria().forEach(function (criterion) {
      var box = criterion.querySelector(".comment-box");
      var input = box && box.querySelector("input, textarea");
      var button = criterion.querySelector(".add-comment");
      if (box && input && !input.value && button) { box.hidden = true; button.hidden = false; }
    });
    // Focus lands on the first unanswered criterion, unless something has it already; after a
    // refused submission, on the reason (then j goes to the first unanswered criterion).
    var active = document.activeElement;
    var refused = document.getElementById("form-error");
    if (refused) {
      refused.setAttribute("tabindex", "-1");
      refused.focus();
    } else if (!active || active === document.body) {
      focusCriterion(firstUnanswered());
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-seek]");
    if (button && window.qaPlayFrom) window.qaPlayFrom(parseFloat(button.dataset.seek));
    var add = event.target.closest(".add-comment");
    if (add) openComment(add.closest("fieldset.criterion"));
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // Ctrl+Enter (or Cmd+Enter) submits, from anywhere in the marking form, comments included.
    if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey) && submitButton()) {
      event.preventDefault();
      form.requestSubmit(submitButton());
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var criterion = criterionOf(target);
    if (typing(target)) {
      // Enter (or Escape) in a criterion's comment goes back to the criterion; it never submits.
      if (criterion && (event.key === "Enter" || event.key === "Escape") && target.matches("input[type=text]")) {
        event.preventDefault();
        focusCriterion(criterion);
      }
      return;
    }
    var player = audio();
    if (player && event.key === "p") {
      if (player.paused) { var playing = player.play(); if (playing && playing.catch) playing.catch(function () {}); }
      else { player.pause(); }
      event.preventDefault();
      return;
    }
    if (player && event.key === "[") { player.currentTime = Math.max(0, player.currentTime - 5); event.preventDefault(); return; }
    if (player && event.key === "]") { player.currentTime = player.currentTime + 5; event.preventDefault(); return; }
    if (!form) return;
    var all = criteria();
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "j" || key === "k") {
      var at = all.indexOf(criterion);
      // From outside the criteria, j goes to the first unanswered one (or the first), k to the last.
      var to = at < 0 ? (key === "j" ? Math.max(all.indexOf(firstUnanswered()), 0) : all.length - 1)
        : Math.min(Math.max(at + (key === "j" ? 1 : -1), 0), all.length - 1);
      focusCriterion(all[to]);
      event.preventDefault();
      return;
    }
    if (!criterion) return;
    if (key === "c") { openComment(criterion); event.preventDefault(); return; }
    var keyed = criterion.querySelector('input[type=radio][data-key="' + key + '"]');
    if (keyed) {
      event.preventDefault();
      choose(keyed);
      if (syncOverride(criterion)) { criterion.querySelector(".override-reason input").focus(); return; }
      var following = nextUnanswered(criterion);
      if (following) focusCriterion(following);
      else say(allAnswered());
      return;
    }
    if (target.matches("input[type=radio]") && /^Arrow(Up|Down|Left|Right)$/.test(key)) {
      // One step from the chosen answer, never round from the last to the first; from no answer,
      // forward picks the first (Yes), backward nothing.
      event.preventDefault();
      var options = radios(criterion);
      var index = checkedIndex(criterion);
      var forward = key === "ArrowDown" || key === "ArrowRight";
      var next = index < 0 ? (forward ? 0 : -1) : Math.min(Math.max(index + (forward ? 1 : -1), 0), options.length - 1);
      if (next >= 0) choose(options[next]);
    }
  });
})();
