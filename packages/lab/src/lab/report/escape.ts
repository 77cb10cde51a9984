/**
 * Escaping for report.html: text into HTML, and data into an inline `<script>` so no value
 * from a run (an instance name, a note, an error kind) can end the element or inject markup.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * A value as JSON safe inside `<script type="application/json">`: `<` becomes `\u003c`, so no
 * string can close the element, and U+2028/U+2029 are escaped for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script source safe inline: a literal `</script` inside it would end the element early. */
export function scriptForInline(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script');
}
