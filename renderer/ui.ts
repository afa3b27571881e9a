// Shared building blocks for the screens: what a screen is, buttons that show they are busy and
// report failures in words, notices, and the status pill.
import type { Api } from './api.ts';
import { errorWords } from './api.ts';
import { h, replaceChildren, setText } from './dom.ts';
import type { Tone } from './format.ts';
import type { Change, Store } from './store.ts';

export interface ScreenContext {
  api: Api;
  store: Store;
  /** Goes to a route like "link?account=default". */
  navigate(route: string): void;
  /** Polite announcement for screen readers (status changes, results). */
  announce(message: string): void;
  now(): number;
  params: URLSearchParams;
}

export interface Screen {
  title: string;
  el: HTMLElement;
  /** Store changed. */
  update(change: Change): void;
  /** Once a second, for countdowns. */
  tick?(now: number): void;
  destroy?(): void;
}

export type ScreenFactory = (ctx: ScreenContext) => Screen;

export function pill(tone: Tone, text: string): HTMLElement {
  return h('span', { class: `pill tone-${tone}` }, h('span', { class: 'dot', attrs: { 'aria-hidden': 'true' } }), h('span', { class: 'pill-text', text }));
}

export function setPill(el: HTMLElement, tone: Tone, text: string): void {
  for (const c of Array.from(el.classList)) if (c.startsWith('tone-')) el.classList.remove(c);
  el.classList.add(`tone-${tone}`);
  setText(el.querySelector('.pill-text')!, text);
}

export type ButtonKind = 'primary' | 'secondary' | 'danger' | 'quiet';

export function button(label: string, kind: ButtonKind, onClick: (ev: MouseEvent) => void, extra: Record<string, string> = {}): HTMLButtonElement {
  return h('button', { class: `btn btn-${kind}`, text: label, attrs: { type: 'button', ...extra }, on: { click: onClick } });
}

/** A message box; `kind` picks the colour and the role (errors are alerts). */
export function notice(kind: 'info' | 'ok' | 'warn' | 'error', title: string, body?: string | Node, ...actions: HTMLElement[]): HTMLElement {
  return h('div', { class: `notice notice-${kind}`, attrs: kind === 'error' ? { role: 'alert' } : {} },
    h('p', { class: 'notice-title', text: title }),
    typeof body === 'string' ? h('p', { text: body }) : body ?? null,
    actions.length ? h('div', { class: 'actions' }, ...actions) : null,
  );
}

/**
 * Runs an action from a button: disables it while it runs, shows the error (message + next
 * step) in `errorSlot` when it fails, and returns the result (or undefined on failure).
 */
export async function runAction<T>(btn: HTMLButtonElement | undefined, errorSlot: HTMLElement, fn: () => Promise<T>, busyLabel?: string): Promise<T | undefined> {
  const label = btn?.textContent ?? '';
  if (btn) {
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    if (busyLabel) btn.textContent = busyLabel;
  }
  replaceChildren(errorSlot);
  try {
    return await fn();
  } catch (err) {
    const w = errorWords(err);
    replaceChildren(errorSlot, notice('error', w.message, w.nextStep));
    return undefined;
  } finally {
    if (btn) {
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
      if (busyLabel) btn.textContent = label;
    }
  }
}

/** `<time>` with a machine-readable value and the full date on hover. */
export function timeEl(at: number, text: string): HTMLTimeElement {
  const iso = new Date(at).toISOString();
  return h('time', { attrs: { datetime: iso, title: new Date(at).toLocaleString() }, text });
}

export function heading(title: string, intro?: string): HTMLElement[] {
  return [h('h1', { text: title, attrs: { tabindex: '-1' } }), intro ? h('p', { class: 'lead', text: intro }) : null].filter(Boolean) as HTMLElement[];
}
