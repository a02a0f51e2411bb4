// Completion for SPARQL from our own data: prefixes in a PREFIX declaration, our terms after
// `prefix:` (classes, properties, individuals, categories, conditions), condition names typed as
// words ("kawa" offers condition:kawasaki-disease), keywords, and the query's own variables.
// `lists` is filled from /sparql/completions.json once it has loaded.
import { syntaxTree } from "@codemirror/language";

const KEYWORDS = [
  "SELECT", "DISTINCT", "WHERE", "PREFIX", "BASE", "ASK", "CONSTRUCT", "DESCRIBE", "FROM",
  "NAMED", "GRAPH", "OPTIONAL", "UNION", "MINUS", "FILTER", "NOT EXISTS", "EXISTS", "BIND",
  "VALUES", "AS", "GROUP BY", "HAVING", "ORDER BY", "ASC", "DESC", "LIMIT", "OFFSET", "COUNT",
  "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG", "LANGMATCHES",
  "DATATYPE", "BOUND", "IRI", "CONTAINS", "STRSTARTS", "STRENDS", "LCASE", "UCASE", "REGEX",
  "REPLACE", "SUBSTR", "COALESCE", "IF", "IN", "isIRI", "isLiteral", "isBlank",
];
const TYPES = {
  class: "class",
  property: "property",
  individual: "enum",
  category: "constant",
  condition: "constant",
};
const QUIET = new Set(["String", "Comment", "IriRef"]);

function declared(doc, prefix) {
  return new RegExp("PREFIX\\s+" + prefix + ":", "i").test(doc);
}

// Insert the term, and a PREFIX line for it when the server does not predeclare its prefix.
function applyTerm(lists, curie) {
  return (view, completion, from, to) => {
    const prefix = curie.slice(0, curie.indexOf(":"));
    const known = lists.prefixes.find((p) => p.prefix === prefix);
    const changes = [{ from: from, to: to, insert: curie }];
    const doc = view.state.doc.toString();
    if (known && !known.predeclared && !declared(doc, prefix)) {
      changes.push({ from: 0, insert: "PREFIX " + prefix + ": <" + known.namespace + ">\n" });
    }
    view.dispatch({ changes: changes });
  };
}

function termOption(lists, term) {
  return {
    label: term.curie,
    detail: term.label || "",
    info: term.aliases && term.aliases.length ? "Also: " + term.aliases.join("; ") : undefined,
    type: TYPES[term.kind] || "variable",
    apply: applyTerm(lists, term.curie),
  };
}

function nameOptions(lists) {
  const options = [];
  for (const term of lists.terms) {
    if (term.kind !== "condition" && term.kind !== "category") {
      continue;
    }
    for (const name of [term.label, ...(term.aliases || [])]) {
      if (name) {
        options.push({
          label: name,
          detail: term.curie,
          type: "text",
          apply: applyTerm(lists, term.curie),
          boost: name === term.label ? 1 : 0,
        });
      }
    }
  }
  return options;
}

export function completionSource(lists) {
  return (context) => {
    const node = syntaxTree(context.state).resolveInner(context.pos, -1);
    if (QUIET.has(node.name)) {
      return null;
    }
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);

    const declaration = /PREFIX\s+([A-Za-z][\w-]*)?$/i.exec(before);
    if (declaration) {
      return {
        from: context.pos - (declaration[1] || "").length,
        options: lists.prefixes.map((p) => ({
          label: p.prefix + ":",
          detail: p.namespace,
          type: "namespace",
          apply: p.prefix + ": <" + p.namespace + ">",
        })),
      };
    }

    const prefixed = /([A-Za-z][\w-]*):([\w\-.]*)$/.exec(before);
    if (prefixed) {
      const start = context.pos - prefixed[0].length;
      const options = lists.terms
        .filter((t) => t.curie.startsWith(prefixed[1] + ":"))
        .map((t) => termOption(lists, t));
      return options.length ? { from: start, options: options, validFor: /^[\w:\-.]*$/ } : null;
    }

    const variable = context.matchBefore(/[?$]\w*/);
    if (variable) {
      const names = new Set(context.state.doc.toString().match(/[?$]\w+/g) || []);
      names.delete(variable.text);
      return {
        from: variable.from,
        options: [...names].map((name) => ({ label: name, type: "variable" })),
      };
    }

    const word = context.matchBefore(/[A-Za-z][\w-]*/);
    if (!word || (word.from === word.to && !context.explicit)) {
      return null;
    }
    if (word.to - word.from < 2 && !context.explicit) {
      return null;
    }
    return {
      from: word.from,
      options: [
        ...KEYWORDS.map((k) => ({ label: k, type: "keyword" })),
        ...lists.prefixes.map((p) => ({ label: p.prefix + ":", detail: p.namespace, type: "namespace" })),
        ...nameOptions(lists),
      ],
    };
  };
}
