// Keyboard use for the review page (served by stalkflag itself; no script from elsewhere).
// j / k: next / previous case in the queue; Enter opens it.
// On a case: n next case, c confirmed, x not stalking, i needs information, e note, s save.
(function () {
  "use strict";
  // A field that takes text (a key there is the user's typing); a radio button or check box
  // does not, so c, x, i and s still work after one is picked.
  var NOT_TEXT = ["radio", "checkbox", "button", "submit", "reset"];
  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && NOT_TEXT.indexOf(el.type) < 0;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll("a.case-link"));
    var idx = rows.indexOf(document.activeElement);
    var pick = function (id) { var el = document.getElementById(id); if (el) { el.checked = true; el.focus(); } };
    switch (ev.key) {
      case "j": if (rows.length) { rows[Math.min(idx + 1, rows.length - 1)].focus(); ev.preventDefault(); } break;
      case "k": if (rows.length) { rows[Math.max(idx - 1, 0)].focus(); ev.preventDefault(); } break;
      case "n": var next = document.getElementById("next-case"); if (next) { next.click(); } break;
      case "c": pick("decision-confirmed"); break;
      case "x": pick("decision-not_stalking"); break;
      case "i": pick("decision-needs_info"); break;
      case "e": var note = document.getElementById("note"); if (note) { note.focus(); ev.preventDefault(); } break;
      case "s": var save = document.getElementById("save"); if (save) { save.click(); } break;
      default: return;
    }
  });
})();
