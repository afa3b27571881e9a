// Requests: people who messaged the agent and wait for approval (DM pairing). Approve (with an
// optional "you're approved" message to them) or dismiss; the list follows the pairing event.
import type { PairingRequestView } from '../../main/control/contract.ts';
import { h, replaceChildren, setText, syncList } from '../dom.ts';
import { formatAgo, formatCode, formatIn } from '../format.ts';
import { button, heading, notice, runAction, timeEl, type Screen, type ScreenContext } from '../ui.ts';

export function requestsScreen(ctx: ScreenContext): Screen {
  const list = h('ul', { class: 'request-list', attrs: { 'aria-label': 'Waiting for approval' } });
  const empty = h('div');
  const done = h('div', { attrs: { 'aria-live': 'polite' } });
  const el = h('section', { class: 'screen' },
    ...heading('Requests', 'People who messaged your agent and are waiting for your approval. Approved people can message your agent from then on.'),
    done, empty, list);

  const key = (r: PairingRequestView) => `${r.accountId}:${r.code}`;

  const create = (r: PairingRequestView): HTMLElement => {
    const notifyId = `notify-${r.accountId}-${r.code}`;
    const errorSlot = h('div', { class: 'row-error' });
    const notify = h('input', { id: notifyId, attrs: { type: 'checkbox', checked: true } });
    const approve = button('Approve', 'primary', (ev) => {
      void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, async () => {
        const res = await ctx.api.approvePairing(r.code, notify.checked, r.accountId);
        replaceChildren(done, notice('ok', `${r.name ?? res.id} can now message your agent.`, notify.checked ? 'They were sent a short message saying so.' : undefined));
        ctx.announce(`Approved ${r.name ?? res.id}.`);
        removeRow(r);
      }, 'Approving…');
    }, { 'data-action': 'approve' });
    const dismiss = button('Dismiss', 'secondary', (ev) => {
      void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, async () => {
        await ctx.api.dismissPairing(r.code, r.accountId);
        replaceChildren(done, notice('info', `Dismissed the request from ${r.name ?? r.id}.`, 'They were not told. If they message again, a new request appears.'));
        ctx.announce(`Dismissed ${r.name ?? r.id}.`);
        removeRow(r);
      }, 'Dismissing…');
    }, { 'data-action': 'dismiss' });
    const nameId = `req-${r.accountId}-${r.code}`;
    return h('li', { class: 'card request', attrs: { 'aria-labelledby': nameId } },
      h('div', { class: 'request-who' },
        h('h2', { class: 'request-name', id: nameId }),
        h('p', { class: 'request-number' }),
        h('p', { class: 'request-times muted' }),
        h('p', { class: 'request-code muted' })),
      h('div', { class: 'request-actions' },
        h('div', { class: 'check' }, notify, h('label', { attrs: { for: notifyId }, text: 'Tell them they’re approved' })),
        h('div', { class: 'actions' }, approve, dismiss)),
      errorSlot);
  };

  const updateRow = (li: HTMLElement, r: PairingRequestView): void => {
    const now = ctx.now();
    setText(li.querySelector('.request-name')!, r.name ?? r.id);
    setText(li.querySelector('.request-number')!, r.name ? r.id : 'No name shared');
    const times = li.querySelector('.request-times')!;
    replaceChildren(times, 'Asked ', timeEl(r.createdAt, formatAgo(r.createdAt, now)), ' · request expires ', timeEl(r.expiresAt, formatIn(r.expiresAt, now)));
    setText(li.querySelector('.request-code')!, `Code they received: ${formatCode(r.code)}`);
  };

  const removeRow = (r: PairingRequestView) => {
    const idx = Array.from(list.children).findIndex((li) => (li as HTMLElement).dataset.key === key(r));
    ctx.store.state.requests = ctx.store.state.requests.filter((x) => key(x) !== key(r));
    ctx.store.emit('requests');
    // The focused button just disappeared: keep keyboard users in the list.
    const next = list.children[idx] ?? list.children[idx - 1];
    (next?.querySelector<HTMLElement>('button') ?? el.querySelector<HTMLElement>('h1'))?.focus();
  };

  const update = (): void => {
    const now = ctx.now();
    const reqs = ctx.store.state.requests.filter((r) => r.expiresAt > now).sort((a, b) => a.createdAt - b.createdAt);
    syncList(list, reqs, key, create, updateRow);
    if (reqs.length === 0) {
      if (!empty.firstChild) replaceChildren(empty, notice('info', 'Nobody is waiting', 'When someone new messages your agent and “Ask me first” is on, they appear here and you get a notification.'));
    } else replaceChildren(empty);
  };

  void ctx.store.refreshRequests();
  update();
  return {
    title: 'Requests',
    el,
    update: (change) => { if (change === 'requests') update(); },
    tick: () => update(),
  };
}
