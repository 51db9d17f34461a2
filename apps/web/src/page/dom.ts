/** Looks up an element that the page's HTML is known to have. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

/** An element with text content only: nothing from the server is ever parsed as HTML. */
export const element = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  className?: string,
): HTMLElementTagNameMap[K] => {
  const created = document.createElement(tag);
  created.textContent = text;
  if (className) created.className = className;
  return created;
};

export const row = (cells: readonly (string | number)[]): HTMLTableRowElement => {
  const tr = element('tr');
  for (const cell of cells) {
    tr.append(element('td', String(cell), typeof cell === 'number' ? 'number' : undefined));
  }
  return tr;
};

export const timeOf = (iso: string): string => new Date(iso).toLocaleTimeString();
