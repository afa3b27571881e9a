// Home: each WhatsApp account's state in plain words, why, what to do, and the one button that
// fixes the current problem.
import type { AccountStatus, FixAction } from '../../main/connection/status.ts';
import { h, replaceChildren, setText, syncList } from '../dom.ts';
import { FIX_LABELS, accountLabel, describeAccount, formatAgo, formatDuration } from '../format.ts';
import { button, heading, notice, pill, runAction, setPill, timeEl, type Screen, type ScreenContext } from '../ui.ts';

/** Carries out a status model fix; shared by Home and Doctor. */
export async function performFix(ctx: ScreenContext, account: AccountStatus | undefined, fix: FixAction): Promise<void> {
  switch (fix) {
    case 'link':
    case 'relink':
      ctx.navigate(`link?account=${encodeURIComponent(account?.accountId ?? 'default')}`);
      return;
    case 'open-doctor':
      ctx.navigate('doctor');
      return;
    case 'start':
      await ctx.api.startGateway();
      ctx.announce('Clawline is starting.');
      return;
    // The contract has one way to make a fresh connection attempt: restart the gateway.
    case 'restart':
    case 'reconnect-now':
    case 'take-over':
      await ctx.api.restartGateway();
      ctx.announce('Reconnecting.');
      return;
  }
}

export function homeScreen(ctx: ScreenContext): Screen {
  const banners = h('div', { class: 'stack' });
  const cards = h('div', { class: 'cards' });
  const requestsCard = h('div');
  const footer = h('p', { class: 'muted small' });
  const el = h('section', { class: 'screen', attrs: { 'aria-labelledby': 'home-title' } }, ...heading('Home'), banners, cards, requestsCard, footer);
  el.querySelector('h1')!.id = 'home-title';

  const createCard = (a: AccountStatus): HTMLElement => {
    const title = h('h2', { class: 'card-title' });
    const status = pill('off', '');
    status.classList.add('account-state');
    const self = h('p', { class: 'self' });
    const cause = h('p', { class: 'cause' });
    const next = h('p', { class: 'next-step' });
    const warning = h('div', { class: 'account-warning' });
    const fixSlot = h('div', { class: 'actions' });
    const facts = h('dl', { class: 'facts' });
    const errorSlot = h('div');
    const card = h('article', { class: 'card account-card', attrs: { 'data-account': a.accountId, 'aria-labelledby': `acct-${a.accountId}` } },
      h('div', { class: 'card-head' }, title, status), self, cause, next, warning, fixSlot, errorSlot, facts);
    title.id = `acct-${a.accountId}`;
    return card;
  };

  const updateCard = (card: HTMLElement, a: AccountStatus): void => {
    const now = ctx.now();
    const words = describeAccount(a, now);
    setText(card.querySelector('.card-title')!, accountLabel(a));
    setPill(card.querySelector('.account-state')!, words.tone, words.title);
    const self = card.querySelector<HTMLElement>('.self')!;
    self.hidden = !a.self;
    if (a.self) setText(self, `Linked to ${a.self.number}${a.self.name ? ` (${a.self.name})` : ''}`);
    const cause = card.querySelector<HTMLElement>('.cause')!;
    cause.hidden = !words.cause || a.state === 'connected';
    setText(cause, words.cause ?? '');
    const next = card.querySelector<HTMLElement>('.next-step')!;
    next.hidden = !words.nextStep || a.state === 'connected';
    setText(next, words.nextStep ? `What to do: ${words.nextStep}` : '');

    // Works now, but needs action soon (e.g. the phone has been offline for days).
    const warningEl = card.querySelector<HTMLElement>('.account-warning')!;
    const warnKey = a.warning ? `${a.warning.kind}:${a.warning.cause}` : '';
    if (warningEl.dataset.key !== warnKey) {
      warningEl.dataset.key = warnKey;
      replaceChildren(warningEl, a.warning ? notice('warn', a.warning.cause, `What to do: ${a.warning.nextStep}`) : null);
    }

    const fixSlot = card.querySelector<HTMLElement>('.actions')!;
    const fix = a.fix ?? (a.state === 'not-linked' ? 'link' : a.state === 'logged-out' ? 'relink' : undefined);
    const current = fixSlot.dataset.fix;
    if ((fix ?? '') !== (current ?? '')) {
      fixSlot.dataset.fix = fix ?? '';
      const errorSlot = fixSlot.nextElementSibling as HTMLElement;
      replaceChildren(fixSlot, fix ? button(FIX_LABELS[fix], 'primary', (ev) => {
        void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, () => performFix(ctx, currentAccount(a.accountId), fix));
      }, { 'data-fix': fix }) : null);
    }

    const facts: [string, Node | string][] = [];
    if (a.lastConnectedAt) {
      if (a.state === 'connected') facts.push(['Connected for', timeEl(a.lastConnectedAt, formatDuration(Math.floor((now - a.lastConnectedAt) / 60_000) * 60 || (now - a.lastConnectedAt) / 1000))]);
      else facts.push(['Last connected', timeEl(a.lastConnectedAt, formatAgo(a.lastConnectedAt, now))]);
    }
    facts.push(['Last message', a.lastInboundAt ? timeEl(a.lastInboundAt, formatAgo(a.lastInboundAt, now)) : 'none yet']);
    if (a.phoneLastSeenAt) facts.push(['Phone last seen', timeEl(a.phoneLastSeenAt, formatAgo(a.phoneLastSeenAt, now))]);
    if (a.reconnectAttempts > 0) facts.push(['Reconnect attempts', String(a.reconnectAttempts)]);
    if (a.lastDisconnect && a.state !== 'connected') facts.push(['Last disconnect', `${a.lastDisconnect.reason} (${formatAgo(a.lastDisconnect.at, now)})`]);
    if (a.pendingReplies) facts.push(['Replies in progress', String(a.pendingReplies)]);
    if (a.decryptErrors) facts.push(['Messages that could not be decrypted', String(a.decryptErrors)]);
    replaceChildren(card.querySelector('.facts')!, facts.map(([k, v]) => h('div', null, h('dt', { text: k }), h('dd', null, v))));
  };

  const currentAccount = (id: string) => ctx.store.state.summary?.accounts.find((x) => x.accountId === id);

  const update = (): void => {
    const s = ctx.store.state.summary;
    const bannerEls: HTMLElement[] = [];
    if (s && !s.running) {
      const slot = h('div');
      bannerEls.push(notice('warn', 'Clawline is stopped', 'Your agent is not receiving WhatsApp messages while it is stopped.',
        button('Start Clawline', 'primary', (ev) => { void runAction(ev.currentTarget as HTMLButtonElement, slot, () => performFix(ctx, undefined, 'start')); }, { 'data-fix': 'start' })), slot);
    }
    if (s?.encryption && (!s.encryption.enabled || s.encryption.warning)) {
      bannerEls.push(notice('warn', 'Your WhatsApp login is stored without encryption',
        s.encryption.warning ?? 'The WhatsApp login files are protected only by your user account’s file permissions (as with OpenClaw). Anyone who can read your files can use this WhatsApp link.'));
    }
    const first = s?.accounts.length && s.accounts.every((a) => a.state === 'not-linked' && !a.lastConnectedAt);
    if (first) {
      bannerEls.push(notice('info', 'Welcome to Clawline', 'Link your WhatsApp in about a minute, then choose who may talk to your agent.',
        button('Set up Clawline', 'primary', () => ctx.navigate('setup'))));
    }
    replaceChildren(banners, bannerEls);
    syncList(cards, s?.accounts ?? [], (a) => a.accountId, createCard, updateCard);

    const pending = ctx.store.pendingCount();
    if (pending > 0) {
      replaceChildren(requestsCard, notice('info', pending === 1 ? 'One person is asking to talk to your agent' : `${pending} people are asking to talk to your agent`,
        'They messaged your WhatsApp and are waiting for your approval.', button('Review requests', 'primary', () => ctx.navigate('requests'))));
    } else replaceChildren(requestsCard);
    if (s) {
      const wa = s.waWebVersion ? ` · WhatsApp Web ${s.waWebVersion.version} (${s.waWebVersion.source === 'fetched' ? 'current' : s.waWebVersion.source})` : '';
      setText(footer, `Clawline ${s.version}${wa}`);
    }
  };

  update();
  return {
    title: 'Home',
    el,
    update: (change) => { if (change === 'summary' || change === 'requests') update(); },
    tick: () => { for (const card of Array.from(cards.children) as HTMLElement[]) { const a = currentAccount(card.dataset.key ?? ''); if (a) updateCard(card, a); } },
  };
}
