// Search boxes in place of long <select>s (migportal/widgets.py): an ARIA 1.2 combobox with a listbox.
// Typing asks the box's URL for matches; Arrow keys move, Enter or a click picks, Escape closes.
// A picked row becomes a ticked checkbox in the box's "chosen" list, which the filter form submits.
(function () {
  "use strict";

  function setUp(box) {
    var input = box.querySelector("input[role=combobox]");
    var listbox = box.querySelector("[role=listbox]");
    var status = box.querySelector("[aria-live]");
    var chosen = box.querySelector(".autocomplete-chosen");
    var name = box.dataset.autocompleteName;
    var single = box.hasAttribute("data-autocomplete-single");
    var active = -1;
    var timer = null;
    var asked = 0;

    function options() {
      return listbox.querySelectorAll("[role=option]");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function pick(option) {
      var value = option.dataset.value;
      if (single) chosen.textContent = "";
      if (!chosen.querySelector('input[value="' + CSS.escape(value) + '"]')) {
        var item = document.createElement("li");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = value;
        box.id = input.id + "_" + value;
        box.checked = true;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = option.textContent;
        item.append(box, " ", label);
        chosen.append(item);
      }
      input.value = "";
      close();
      input.focus();
    }

    function show(results) {
      listbox.textContent = "";
      results.forEach(function (result, i) {
        var option = document.createElement("li");
        option.id = input.id + "_option_" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.value = String(result.id);
        option.textContent = result.text;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the search box
          pick(option);
        });
        listbox.append(option);
      });
      status.textContent = results.length + " " + listbox.dataset[results.length === 1 ? "one" : "many"];
      listbox.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function search() {
      var ask = ++asked;
      var url = box.dataset.autocompleteUrl + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ask === asked) show(data.results);
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (listbox.hidden) search();
        else highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && !listbox.hidden && active >= 0) {
        event.preventDefault(); // pick, do not submit the filter form
        pick(options()[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  function start() {
    document.querySelectorAll(".autocomplete").forEach(setUp);
  }

  // Loaded from the page head (a form's media): wait for the boxes to exist.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
