/* The practice editor's partner-city list: a filter box above it, and the chosen cities
   named below it, so that nobody has to Ctrl-click through 150 cities. Without JavaScript the
   plain multiple list still works. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "list-filter";
    box.setAttribute("aria-label", select.getAttribute("data-filter-label") || "Filter");
    box.setAttribute("placeholder", select.getAttribute("data-filter-label") || "");
    box.setAttribute("aria-controls", select.id);
    var chosen = document.createElement("p");
    chosen.className = "meta";
    chosen.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(chosen, select.nextSibling);

    function showChosen() {
      var names = Array.prototype.filter.call(select.options, function (o) {
        return o.selected;
      }).map(function (o) {
        return o.textContent;
      });
      chosen.textContent = names.length ? (select.getAttribute("data-selected-label") || "") + " " + names.join(", ") : "";
    }

    box.addEventListener("input", function () {
      var wanted = fold(box.value.trim());
      Array.prototype.forEach.call(select.options, function (o) {
        o.hidden = wanted !== "" && !o.selected && fold(o.textContent).indexOf(wanted) === -1;
      });
    });
    // A click chooses or unchooses one city, without Ctrl and without losing the others.
    select.addEventListener("mousedown", function (event) {
      var option = event.target;
      if (option && option.tagName === "OPTION") {
        event.preventDefault();
        option.selected = !option.selected;
        select.focus();
        showChosen();
      }
    });
    select.addEventListener("change", showChosen);
    showChosen();
  }

  document.querySelectorAll("select[data-filter-label]").forEach(enhance);
})();
