// The query page without reloads: load examples into the editor, run the query and put the
// answer in place. The page works without this script: both forms are plain GET forms, and the
// server renders the same results section this script swaps in.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const exampleForm = document.getElementById("example-form");
  const queryForm = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const description = document.getElementById("example-description");
  const data = document.getElementById("examples-data");
  if (!exampleForm || !queryForm || !editor || !data) {
    return;
  }
  const examples = JSON.parse(data.textContent || "[]");

  exampleForm.addEventListener("submit", function (event) {
    const name = exampleForm.elements.namedItem("example").value;
    const example = examples.find(function (e) { return e.name === name; });
    if (!example) {
      return; // let the form load it from the server
    }
    event.preventDefault();
    editor.value = example.text;
    description.textContent = example.description || "";
    history.replaceState(null, "", exampleForm.action + "?" + new URLSearchParams({ example: name }));
    editor.focus();
  });

  function showError(results, message) {
    const box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = message;
    box.appendChild(text);
    results.replaceChildren(box);
  }

  async function run(url) {
    const results = document.getElementById("results");
    results.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("results");
      if (!fresh) {
        throw new Error("The server answered " + response.status + " " + response.statusText + ".");
      }
      results.replaceWith(fresh);
      const heading = fresh.querySelector("h2");
      if (heading) {
        heading.focus();
      }
      return true;
    } catch (error) {
      showError(results, "The query could not be sent: " + error.message);
      return false;
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  queryForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const params = new URLSearchParams(new FormData(queryForm));
    const url = queryForm.action + "?" + params.toString();
    if (await run(url)) {
      history.pushState({ url: url }, "", url);
    }
  });

  editor.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      queryForm.requestSubmit();
    }
  });

  window.addEventListener("popstate", function () {
    window.location.reload();
  });
})();
