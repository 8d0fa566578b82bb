/* Search page enhancements. The page works without them: every facet, chip and page link is a
   plain link and the form a plain GET form. With JavaScript:
   - autocomplete: titles and city names from /api/v1/search/suggest/ fill the input's datalist;
   - live facets: following a facet, chip or page link swaps the results in place (and keeps the
     address, so Back and a shared link still work). */
(function () {
  "use strict";

  var timer = null;
  var lastPrefix = "";

  function fillSuggestions(input, prefix) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest-url");
    if (!list || !url) {
      return;
    }
    // The API is outside the language prefixes: say the page's language, so that the
    // suggestions link to pages in it.
    var headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" };
    fetch(url + "?q=" + encodeURIComponent(prefix), { headers: headers })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        var options = (data.suggestions || []).map(function (s) {
          var option = document.createElement("option");
          option.value = s.text;
          return option;
        });
        list.replaceChildren.apply(list, options);
      })
      .catch(function () {
        /* No suggestions is fine: the search itself still works. */
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-suggest-url")) {
      return;
    }
    var prefix = input.value.trim();
    window.clearTimeout(timer);
    if (prefix.length < 2 || prefix === lastPrefix) {
      return;
    }
    timer = window.setTimeout(function () {
      lastPrefix = prefix;
      fillSuggestions(input, prefix);
    }, 200);
  });

  function container() {
    return document.querySelector("[data-live-search]");
  }

  function announce(doc) {
    var status = document.getElementById("live-status");
    var total = doc.querySelector("[data-result-count]");
    if (status && total) {
      status.textContent = total.textContent;
    }
  }

  function load(url, push) {
    fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live-search]");
        var current = container();
        if (!fresh || !current) {
          window.location.assign(url);
          return;
        }
        var imported = document.importNode(fresh, true);
        current.replaceWith(imported);
        foldFilters(imported);
        document.title = doc.title;
        if (push) {
          window.history.pushState({ liveSearch: true }, "", url);
        }
        announce(doc);
      })
      .catch(function () {
        window.location.assign(url);
      });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target instanceof Element ? event.target.closest("a[data-live]") : null;
    if (!link || !container()) {
      return;
    }
    event.preventDefault();
    load(link.href, true);
  });

  // Phones: the filters start folded (they open with their button), so the first result
  // shows in the first screen; on a wide screen they stay open, and the button is hidden.
  function foldFilters(root) {
    if (!window.matchMedia("(max-width: 48rem)").matches) {
      return;
    }
    (root || document).querySelectorAll("details[data-collapse-narrow]").forEach(function (d) {
      d.removeAttribute("open");
    });
  }
  foldFilters(document);

  window.addEventListener("popstate", function () {
    if (container()) {
      load(window.location.href, false);
    }
  });
})();
