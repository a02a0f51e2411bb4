// The query page's editor: CodeMirror 6 over the page's <textarea id="query">, bundled by
// `make bundle` (esbuild) into ivig_graph/web/static/editor.js. The textarea stays in the form and
// holds the query at every keystroke, so the plain GET form (and static/query.js) work unchanged;
// without this bundle the page is the textarea. Completions come from /sparql/completions.json,
// built by the server from our own dataset.
import { basicSetup } from "codemirror";
import { EditorView, keymap } from "@codemirror/view";
import { EditorSelection, EditorState, Prec } from "@codemirror/state";
import { setDiagnostics } from "@codemirror/lint";
import { autocompletion } from "@codemirror/autocomplete";
import { sparql } from "codemirror-lang-sparql";
import { completionSource } from "./completion.js";

function lineColumnPosition(doc, line, column) {
  const number = Math.min(Math.max(1, line), doc.lines);
  const target = doc.line(number);
  return Math.min(target.from + Math.max(0, column - 1), target.to);
}

const MONO = '"DejaVu Sans Mono", ui-monospace, SFMono-Regular, Menlo, monospace';
const theme = EditorView.theme({
  "&": { fontSize: "0.95rem", backgroundColor: "#fff", minHeight: "16rem", maxHeight: "70vh" },
  "&.cm-focused": { outline: "3px solid #f0a500", outlineOffset: "1px" },
  ".cm-scroller": { fontFamily: MONO, minHeight: "16rem" },
  ".cm-gutters": { backgroundColor: "#f4f6fa", color: "#5b6475", borderRight: "1px solid #d8dce4" },
  ".cm-lineNumbers .cm-gutterElement": { color: "#5b6475" },
  ".cm-completionDetail": { color: "#5b6475", marginLeft: "0.75em", fontStyle: "normal" },
  ".cm-lintRange-error": { backgroundColor: "#fde8e8" },
});

// Typing over a selection ourselves: left to the browser, Chromium keeps the removed tokens'
// colours in a style="" attribute, which the Content-Security-Policy refuses (and logs). What the
// browser would replace is the event's target ranges or else the DOM's selection: CodeMirror's
// own selection follows that only on "selectionchange", which may not have come yet (Playwright's
// fill() selects everything and inserts at once: about one fill in ten then went to the browser).
function replacedRanges(event, view) {
  const given = event.getTargetRanges ? event.getTargetRanges() : [];
  let ends = given
    .filter((range) => !range.collapsed)
    .map((range) => [range.startContainer, range.startOffset, range.endContainer, range.endOffset]);
  const selection = view.root.getSelection ? view.root.getSelection() : null; // Chromium's
  if (!ends.length && selection && selection.rangeCount) {
    if (selection.isCollapsed) {
      return null; // nothing selected: the browser only inserts, which it does cleanly
    }
    const { anchorNode, anchorOffset, focusNode, focusOffset } = selection;
    ends = [[anchorNode, anchorOffset, focusNode, focusOffset]];
  }
  const ranges = [];
  for (const [startNode, startOffset, endNode, endOffset] of ends) {
    if (!view.contentDOM.contains(startNode) || !view.contentDOM.contains(endNode)) {
      return null; // not the editor's text: leave it to the browser
    }
    const from = view.posAtDOM(startNode, startOffset);
    const to = view.posAtDOM(endNode, endOffset);
    ranges.push(EditorSelection.range(Math.min(from, to), Math.max(from, to)));
  }
  return ranges; // empty: no word from the browser, CodeMirror's selection decides
}

const typingOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== "insertText" || !event.data || view.composing) {
      return false;
    }
    const targets = replacedRanges(event, view);
    if (targets === null) {
      return false;
    }
    const selection = targets.length ? EditorSelection.create(targets) : view.state.selection;
    if (selection.ranges.every((range) => range.empty)) {
      return false;
    }
    event.preventDefault();
    // The same document with the target selected: its replacement applies to view.state.
    const selected = view.state.update({ selection }).state;
    view.dispatch({
      ...selected.replaceSelection(event.data),
      userEvent: "input.type",
      scrollIntoView: true,
    });
    return true;
  },
});

// The nonce the page's Content-Security-Policy allows for <style> elements (ivig_graph/web/csp.py):
// CodeMirror adds one where the browser cannot adopt a stylesheet in the editor's shadow root.
// document.currentScript is this script only while it first runs.
const styleNonce = (document.currentScript && document.currentScript.dataset.styleNonce) || "";

function start(textarea) {
  const form = textarea.form;
  const lists = { prefixes: [], terms: [] };
  const url = textarea.dataset.completions;
  if (url) {
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : lists))
      .then((data) => Object.assign(lists, data))
      .catch(() => {}); // no completions from the data: the editor still works
  }
  const run = () => {
    if (form) {
      form.requestSubmit();
    }
    return true;
  };
  const label = textarea.labels && textarea.labels[0];
  // The editor lives in a shadow root: CodeMirror's styles are then an adopted (constructed)
  // stylesheet, which the pages' Content-Security-Policy (style-src 'self') allows, where the
  // <style> element it adds to a document's head would be refused.
  const host = document.createElement("div");
  host.className = "query-editor";
  const shadow = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        Prec.highest(keymap.of([{ key: "Mod-Enter", run }])),
        basicSetup,
        sparql(),
        autocompletion({ override: [completionSource(lists)], activateOnTyping: true }),
        EditorView.lineWrapping,
        theme,
        typingOverSelection,
        styleNonce ? EditorView.cspNonce.of(styleNonce) : [],
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Query",
          spellcheck: "false",
          autocapitalize: "off",
          autocorrect: "off",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            textarea.value = update.state.doc.toString();
          }
        }),
      ],
    }),
  });
  textarea.after(host);
  textarea.hidden = true;
  if (label) {
    label.htmlFor = ""; // the label now names the editor (aria-label), not the hidden textarea
    label.addEventListener("click", () => view.focus());
  }

  const editor = {
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: text },
        selection: { anchor: 0 },
        scrollIntoView: true,
      });
      view.dispatch(setDiagnostics(view.state, []));
      view.scrollDOM.scrollTop = 0;
    },
    focus: () => view.focus(),
    markError(line, column, message) {
      const doc = view.state.doc;
      const at = lineColumnPosition(doc, line, column);
      const row = doc.lineAt(at);
      // One character under the mark: the one at the error, or the last of its line at its end.
      const from = at < row.to ? at : Math.max(row.from, at - 1);
      const to = Math.min(from + 1, row.to);
      view.dispatch(setDiagnostics(view.state, [{ from, to, severity: "error", message }]));
      view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
      host.dataset.errorLine = String(line);
      host.dataset.errorColumn = String(column);
    },
    clearError() {
      view.dispatch(setDiagnostics(view.state, []));
      delete host.dataset.errorLine;
      delete host.dataset.errorColumn;
    },
    view: view,
  };
  window.ivigEditor = editor;
  document.dispatchEvent(new CustomEvent("ivig:editor", { detail: editor }));
}

const textarea = document.getElementById("query");
if (textarea) {
  start(textarea);
}
