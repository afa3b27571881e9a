// A few DOM helpers, hand-written because the window is small: build elements without
// innerHTML (no markup injection from names or log lines), and patch lists in place so a live
// update never steals focus or wipes what someone is typing.

type Child = Node | string | number | false | null | undefined | Child[];

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  hidden?: boolean;
  /** Plain attributes (aria-*, data-*, type, for, ...); false/undefined removes them. */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.id) el.id = props.id;
    if (props.text !== undefined) el.textContent = props.text;
    if (props.hidden) el.hidden = true;
    if (props.attrs) setAttrs(el, props.attrs);
    if (props.on) for (const [type, fn] of Object.entries(props.on)) el.addEventListener(type, fn as EventListener);
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function setAttrs(el: Element, attrs: Record<string, string | number | boolean | undefined>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined) el.removeAttribute(k);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.textContent = '';
  append(el, children);
}

/** Sets text only when it changed (keeps screen readers and selections calm). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Keyed list patching: existing rows are updated in place, new ones created, gone ones removed,
 * order follows `items`. Rows keep focus and form state across live updates.
 */
export function syncList<T>(
  container: Element,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => HTMLElement,
  update: (el: HTMLElement, item: T) => void,
): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(container.children)) {
    const k = (child as HTMLElement).dataset.key;
    if (k !== undefined) existing.set(k, child as HTMLElement);
  }
  let cursor: Element | null = container.firstElementChild;
  for (const item of items) {
    const k = key(item);
    let el = existing.get(k);
    if (el) existing.delete(k);
    else {
      el = create(item);
      el.dataset.key = k;
    }
    update(el, item);
    if (el !== cursor) container.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const el of existing.values()) el.remove();
}

let idCounter = 0;
/** Unique ids for label/aria wiring. */
export function uid(prefix: string): string {
  return `${prefix}-${++idCounter}`;
}

/** A labelled form field: label, control, optional hint and an inline error slot. */
export function field(label: string, control: HTMLElement, hint?: string): { row: HTMLElement; error: HTMLElement; hint?: HTMLElement } {
  const id = control.id || uid('f');
  control.id = id;
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, hidden: true, attrs: { role: 'alert' } });
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint`, text: hint }) : undefined;
  const describedBy = [hintEl?.id, errorEl.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  const row = h('div', { class: 'field' }, h('label', { attrs: { for: id }, text: label }), hintEl, control, errorEl);
  return { row, error: errorEl, hint: hintEl };
}

/** Shows or clears an inline error, marking the control invalid for assistive tech. */
export function showFieldError(control: HTMLElement, errorEl: HTMLElement, message: string | undefined): void {
  if (message) {
    setText(errorEl, message);
    errorEl.hidden = false;
    control.setAttribute('aria-invalid', 'true');
  } else {
    errorEl.hidden = true;
    errorEl.textContent = '';
    control.removeAttribute('aria-invalid');
  }
}
