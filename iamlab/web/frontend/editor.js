// iamlab's policy editor: CodeMirror 6 over a <textarea data-policy-editor>.
//
// - JSON highlighting, brackets, undo history, search; the textarea stays the form field
//   (kept in sync), so the form posts as it would without JavaScript.
// - As you type, the document goes to data-validate-url (POST kind, text) and the engine's
//   problems come back as lint diagnostics at their line and column; a plain list under the
//   editor repeats them for screen readers.
// - Completion of action names inside "Action"/"NotAction" and of condition keys inside
//   "Condition" operator blocks, from data-complete-url.
// No inline script or style (the CSP forbids both): the editor lives in a shadow root, where
// CodeMirror's style-mod adopts constructed stylesheets instead of adding a <style> element.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { json } from "@codemirror/lang-json";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  indentOnInput,
  syntaxHighlighting,
  syntaxTree,
} from "@codemirror/language";
import { lintGutter, linter, lintKeymap } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

// Where a problem points: from its line/column to the end of the JSON token there.
function problemRange(doc, problem) {
  if (!problem.line || problem.line > doc.lines) return { from: 0, to: Math.min(doc.length, 1) };
  const line = doc.line(problem.line);
  const from = Math.min(line.from + Math.max((problem.column || 1) - 1, 0), line.to);
  const text = line.text.slice(from - line.from);
  let length = 1;
  if (text.startsWith('"')) {
    const end = text.slice(1).search(/(?<!\\)"/);
    length = end >= 0 ? end + 2 : text.length;
  } else {
    const m = text.match(/^[^\s,\]}:]+/);
    length = m ? m[0].length : 1;
  }
  return { from, to: Math.min(from + Math.max(length, 1), line.to === from ? from : line.to) };
}

function severityOf(problem) {
  if (problem.severity === "ERROR") return "error";
  if (problem.severity === "SECURITY_WARNING" || problem.severity === "WARNING") return "warning";
  return "info";
}

function showProblemList(host, problems) {
  const list = host.problemList;
  const status = host.problemStatus;
  if (list) {
    list.replaceChildren();
    for (const problem of problems) {
      const item = document.createElement("li");
      item.className = severityOf(problem);
      const where = problem.line ? `Line ${problem.line}, column ${problem.column}: ` : "";
      item.textContent = `${where}${problem.message}`;
      item.setAttribute("data-line", problem.line || "");
      list.appendChild(item);
    }
  }
  if (status) {
    const errors = problems.filter((p) => p.severity === "ERROR").length;
    status.textContent = problems.length === 0
      ? "No problems found."
      : `${errors} error${errors === 1 ? "" : "s"}, ${problems.length - errors} other finding${problems.length - errors === 1 ? "" : "s"}.`;
  }
}

function policyLinter(host) {
  return linter(async (view) => {
    const body = new URLSearchParams({ kind: host.kind, text: view.state.doc.toString() });
    let data;
    try {
      const response = await fetch(host.validateUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body,
        credentials: "same-origin",
      });
      if (!response.ok) {
        if (host.problemStatus) host.problemStatus.textContent = "Could not check the policy just now.";
        return [];
      }
      data = await response.json();
    } catch (error) {
      return [];
    }
    const problems = data.problems || [];
    showProblemList(host, problems);
    return problems.map((problem) => {
      const range = problemRange(view.state.doc, problem);
      return {
        from: range.from,
        to: range.to,
        severity: severityOf(problem),
        source: problem.code,
        message: problem.message,
      };
    });
  }, { delay: 400 });
}

function unquote(text) {
  return text.replace(/^"/, "").replace(/"$/, "");
}

// Which list to complete from at this position: "action", "condition" or null.
function completionField(state, pos) {
  let node = syntaxTree(state).resolveInner(pos, -1);
  if (node.name !== "String" && node.name !== "PropertyName") return null;
  const propertyName = (property) => {
    const nameNode = property && property.getChild("PropertyName");
    return nameNode ? unquote(state.sliceDoc(nameNode.from, nameNode.to)) : null;
  };
  if (node.name === "PropertyName") {
    // A key inside { "Condition": { "Operator": { KEY: ... } } }
    const operator = node.parent && node.parent.parent && node.parent.parent.parent;
    const condition = operator && operator.parent && operator.parent.parent;
    if (operator && operator.name === "Property" && condition && condition.name === "Property"
        && propertyName(condition) === "Condition") {
      return "condition";
    }
    return null;
  }
  let parent = node.parent;
  if (parent && parent.name === "Array") parent = parent.parent;
  if (parent && parent.name === "Property") {
    const name = propertyName(parent);
    if (name === "Action" || name === "NotAction") return "action";
  }
  return null;
}

function policyCompletion(host) {
  const cache = new Map();
  return async (context) => {
    const field = completionField(context.state, context.pos);
    if (!field) return null;
    const node = syntaxTree(context.state).resolveInner(context.pos, -1);
    const start = node.from + 1;
    const typed = context.state.sliceDoc(start, context.pos);
    if (!context.explicit && typed.length === 0) return null;
    const key = `${field}|${typed.toLowerCase()}`;
    let items = cache.get(key);
    if (!items) {
      const url = `${host.completeUrl}?field=${field}&q=${encodeURIComponent(typed)}`;
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) return null;
        items = (await response.json()).items || [];
      } catch (error) {
        return null;
      }
      cache.set(key, items);
    }
    return {
      from: start,
      options: items.map((item) => ({
        label: item.label,
        detail: item.detail || undefined,
        type: field === "action" ? "function" : "property",
      })),
      validFor: /^[\w:*\/-]*$/,
    };
  };
}

// The page's stylesheet does not reach into the shadow root: the editor's own look is here.
const editorTheme = EditorView.theme({
  "&": { minHeight: "14rem", maxHeight: "36rem", fontSize: "0.875rem", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": {
    fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
  },
  ".cm-content": { minHeight: "14rem" },
  ".cm-gutters": { backgroundColor: "#f4f6f8", color: "#545b64", borderRight: "1px solid #d5dbdb" },
  ".cm-tooltip": { fontFamily: "system-ui, sans-serif" },
});

function attach(textarea) {
  if (textarea.policyEditor) return;
  // A page restored from htmx's history cache keeps the editor's empty host (a shadow root is
  // not part of the saved HTML): replace it.
  const stale = textarea.nextElementSibling;
  if (stale && stale.classList.contains("editor")) stale.remove();
  const host = {
    kind: textarea.dataset.kind || "identity",
    validateUrl: textarea.dataset.validateUrl,
    completeUrl: textarea.dataset.completeUrl,
    problemList: document.getElementById("policy-problems"),
    problemStatus: document.getElementById("policy-problems-status"),
  };
  const wrapper = document.createElement("div");
  wrapper.className = "editor";
  textarea.insertAdjacentElement("afterend", wrapper);
  textarea.hidden = true;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const shadow = wrapper.attachShadow({ mode: "open" });

  const view = new EditorView({
    parent: shadow,
    root: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        json(),
        lintGutter(),
        policyLinter(host),
        autocompletion({ override: [policyCompletion(host)], activateOnTyping: true }),
        EditorState.tabSize.of(2),
        editorTheme,
        keymap.of([
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...completionKeymap,
          ...lintKeymap,
          indentWithTab,
        ]),
        EditorView.contentAttributes.of({
          "aria-label": label ? label.textContent.trim() : "Policy document",
          "aria-describedby": textarea.getAttribute("aria-describedby") || "",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
      ],
    }),
  });
  if (label) label.addEventListener("click", () => view.focus());
  textarea.policyEditor = view;
  const form = textarea.form;
  if (form) form.addEventListener("submit", () => { textarea.value = view.state.doc.toString(); });
}

function attachAll(root) {
  (root || document).querySelectorAll("textarea[data-policy-editor]").forEach(attach);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => attachAll(document));
} else {
  attachAll(document);
}
// Content swapped in by htmx (a tab loaded as a fragment) gets its editors too.
document.addEventListener("htmx:load", (event) => attachAll(event.target));
document.addEventListener("htmx:historyRestore", () => attachAll(document));

window.IamlabPolicyEditor = { attach, attachAll };
