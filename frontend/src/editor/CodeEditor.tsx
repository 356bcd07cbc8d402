// A code editor (CodeMirror 6): syntax highlighting, auto-indentation, Tab indents (Shift-Tab
// dedents; Escape then Tab leaves the editor, as CodeMirror documents for keyboard users). Runs
// under the application's Content-Security-Policy: no eval, and its styles are injected as style
// elements / constructed style sheets, which `style-src 'self' 'unsafe-inline'` allows.
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { Annotation, EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

/** Marks a change that came from the `value` prop: it is not the user's, so not reported back. */
const fromProp = Annotation.define<boolean>();

interface Props {
  value: string;
  onChange?: (value: string) => void;
  language?: "python" | "yaml";
  readOnly?: boolean;
  label: string;
  testId?: string;
  minHeight?: string;
}

export function CodeEditor({ value, onChange, language = "python", readOnly = false, label, testId, minHeight = "12em" }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  useEffect(() => {
    changed.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          keymap.of([indentWithTab]),
          language === "yaml" ? yaml() : python(),
          indentUnit.of(language === "yaml" ? "  " : "    "), // PEP 8: four spaces
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.theme({ "&": { minHeight, fontSize: "13px" }, ".cm-scroller": { minHeight } }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((t) => t.annotation(fromProp)))
              changed.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // the editor is made once per language / mode; the value follows below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language, readOnly]);

  // a value changed from outside (another tab, the form, a template): replace the document
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value)
      editor.dispatch({ changes: { from: 0, to: current.length, insert: value }, annotations: fromProp.of(true) });
  }, [value]);

  return <div className="code-editor" ref={host} data-testid={testId} data-language={language} />;
}
