// Link: a large QR that refreshes itself with a visible countdown, or an 8-character code for
// linking by phone number; every way linking can stall explained; success shows the number.
// The panel is also step 2 of the first-run setup.
import type { AccountStatus } from '../../main/connection/status.ts';
import { field, h, replaceChildren, setText, showFieldError } from '../dom.ts';
import { STALL_WORDS, accountLabel, checkPhone, formatCode, secondsUntil } from '../format.ts';
import { button, heading, notice, runAction, type Screen, type ScreenContext } from '../ui.ts';
import { performFix } from './home.ts';

export interface LinkPanel {
  el: HTMLElement;
  update(): void;
  tick(): void;
}

type View = 'start' | 'code-form' | 'qr' | 'code' | 'waiting-code' | 'scanned' | 'success' | 'already-linked' | 'gateway-stopped';

function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(text).catch(() => legacyCopy(text));
  return Promise.resolve(legacyCopy(text));
}

/** Fallback for pages where the async clipboard is refused (Electron denies permissions). */
function legacyCopy(text: string): void {
  const ta = h('textarea', { class: 'offscreen', attrs: { readonly: true, 'aria-hidden': 'true' } });
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  document.execCommand('copy');
  ta.remove();
}

export { copyText };

export function linkPanel(ctx: ScreenContext, accountId: string, onLinked?: (a: AccountStatus) => void): LinkPanel {
  const errorSlot = h('div');
  const stallSlot = h('div', { class: 'stall' });
  const body = h('div', { class: 'link-body' });
  const el = h('div', { class: 'link-panel' }, stallSlot, body, errorSlot);

  let view: View | undefined;
  let wantCodeForm = ctx.params.get('method') === 'code';
  /** True once this panel started linking or saw it in progress: a later "connected" is our success. */
  let inFlow = false;
  let successNumber = '';
  let lastStallKey = '';
  /** The method just asked for, until the status shows it (avoids showing the old QR meanwhile). */
  let requested: 'qr' | 'code' | undefined;

  const account = (): AccountStatus | undefined => ctx.store.state.summary?.accounts.find((a) => a.accountId === accountId);

  const start = async (method: 'qr' | 'code', phone?: string, btn?: HTMLButtonElement) => {
    inFlow = true;
    wantCodeForm = false;
    requested = method;
    const ok = await runAction(btn, errorSlot, async () => {
      await ctx.api.linkStart({ accountId, method, phone });
      ctx.announce(method === 'qr' ? 'Getting a QR code.' : 'Getting your code.');
      return true;
    }, method === 'qr' ? 'Getting a QR code…' : 'Getting your code…');
    if (!ok) { requested = undefined; if (method === 'code') wantCodeForm = true; }
    update();
  };

  const cancel = async (btn?: HTMLButtonElement) => {
    await runAction(btn, errorSlot, () => ctx.api.linkCancel(accountId));
    inFlow = false;
    requested = undefined;
    wantCodeForm = false;
    view = undefined;
    update();
  };

  // ---- views (built once each time the view changes; live values are patched by update/tick)
  const qrImg = h('img', { class: 'qr-img', attrs: { width: 320, height: 320, alt: 'QR code for linking WhatsApp. Scan it with the phone’s WhatsApp app.' } });
  const qrCountdown = h('p', { class: 'countdown' });
  const qrProgress = h('progress', { class: 'qr-progress', attrs: { max: 60, value: 60, 'aria-label': 'Time left for this QR code' } });
  const codeText = h('p', { class: 'pair-code' });

  const steps = (...items: (string | Node)[]) => h('ol', { class: 'steps-list' }, ...items.map((i) => h('li', null, i)));

  const render = (v: View, a: AccountStatus | undefined): void => {
    view = v;
    switch (v) {
      case 'gateway-stopped':
        replaceChildren(body, notice('warn', 'Clawline is stopped', 'Start it first, then link your WhatsApp.',
          button('Start Clawline', 'primary', (ev) => { void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, () => performFix(ctx, a, 'start')); })));
        return;
      case 'already-linked':
        replaceChildren(body,
          notice('ok', `Linked to ${a?.self?.number ?? 'your WhatsApp'}`, 'This computer is already linked. To link a different number, log out first.',
            button('Go to Home', 'primary', () => ctx.navigate('home')),
            button('Log out or reset…', 'secondary', () => ctx.navigate(`reset?account=${encodeURIComponent(accountId)}`))));
        return;
      case 'start':
        replaceChildren(body,
          h('p', null, 'You need the phone that has WhatsApp for this number. Linking adds this computer to WhatsApp’s “Linked devices”, like WhatsApp Web.'),
          h('div', { class: 'actions' },
            button('Show QR code', 'primary', (ev) => { void start('qr', undefined, ev.currentTarget as HTMLButtonElement); }, { 'data-action': 'start-qr' }),
            button('Link with phone number instead', 'secondary', () => { wantCodeForm = true; render('code-form', a); focusFirst(); }, { 'data-action': 'use-code' })));
        return;
      case 'code-form': {
        const input = h('input', { attrs: { type: 'tel', name: 'phone', autocomplete: 'tel', inputmode: 'tel', placeholder: '+44 7700 900123' } });
        const f = field('Phone number of the WhatsApp account', input, 'With the country code. This is the number on the phone you will type the code into.');
        const preview = h('p', { class: 'normalized', attrs: { 'aria-live': 'polite' } });
        const submit = h('button', { class: 'btn btn-primary', text: 'Get my code', attrs: { type: 'submit', 'data-action': 'get-code' } });
        const check = (showEmpty: boolean) => {
          const c = checkPhone(input.value);
          showFieldError(input, f.error, c.problem && (showEmpty || input.value.trim()) ? c.problem : undefined);
          setText(preview, c.e164 ? `WhatsApp will send the code request to ${c.e164}` : '');
          return c;
        };
        input.addEventListener('input', () => check(false));
        const form = h('form', { class: 'code-form', attrs: { novalidate: true } }, f.row, preview,
          h('div', { class: 'actions' }, submit, button('Use a QR code instead', 'secondary', (ev) => { void start('qr', undefined, ev.currentTarget as HTMLButtonElement); })));
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const c = check(true);
          if (!c.e164) { input.focus(); return; }
          void start('code', c.e164, submit);
        });
        replaceChildren(body, form);
        return;
      }
      case 'waiting-code':
        replaceChildren(body, h('p', { class: 'busy-line', attrs: { role: 'status' } }, 'Asking WhatsApp for your code…'),
          h('div', { class: 'actions' }, button('Cancel', 'quiet', (ev) => { void cancel(ev.currentTarget as HTMLButtonElement); })));
        return;
      case 'qr':
        replaceChildren(body, h('div', { class: 'qr-layout' },
          h('figure', { class: 'qr-frame' }, qrImg, h('figcaption', null, qrCountdown, qrProgress)),
          h('div', { class: 'qr-help' },
            h('h2', { text: 'Scan with your phone' }),
            steps('Open WhatsApp on your phone.',
              'Tap Settings (iPhone) or the ⋮ menu (Android), then Linked devices.',
              'Tap Link a device and unlock the phone if asked.',
              'Point the phone at this QR code.'),
            h('p', { class: 'muted' }, 'The code changes by itself every few seconds; any code on screen works.'),
            h('div', { class: 'actions' },
              button('Link with phone number instead', 'secondary', () => { wantCodeForm = true; render('code-form', a); focusFirst(); }, { 'data-action': 'use-code' }),
              button('Cancel', 'quiet', (ev) => { void cancel(ev.currentTarget as HTMLButtonElement); })))));
        ctx.announce('QR code ready. Scan it with WhatsApp on your phone.');
        return;
      case 'code': {
        const copy = button('Copy code', 'secondary', () => { void copyText(codeText.textContent ?? '').then(() => ctx.announce('Code copied.')); });
        replaceChildren(body, h('div', { class: 'code-layout' },
          h('p', { class: 'muted', text: 'Your linking code' }), codeText,
          h('div', { class: 'actions' }, copy),
          steps(`On the phone with ${a?.linking?.phone ?? 'this number'}, open WhatsApp.`,
            'Tap Settings (iPhone) or the ⋮ menu (Android), then Linked devices, then Link a device.',
            'Tap “Link with phone number instead”.',
            'Type the code shown above. WhatsApp may also show a notification you can tap.'),
          h('div', { class: 'actions' },
            button('Get a new code', 'secondary', (ev) => { void start('code', a?.linking?.phone, ev.currentTarget as HTMLButtonElement); }),
            button('Use a QR code instead', 'secondary', (ev) => { void start('qr', undefined, ev.currentTarget as HTMLButtonElement); }),
            button('Cancel', 'quiet', (ev) => { void cancel(ev.currentTarget as HTMLButtonElement); }))));
        ctx.announce('Your code is ready. Type it on your phone.');
        return;
      }
      case 'scanned':
        replaceChildren(body, h('p', { class: 'busy-line', attrs: { role: 'status' } }, 'Your phone accepted the link. Finishing up — keep WhatsApp open on the phone…'));
        return;
      case 'success':
        replaceChildren(body, notice('ok', 'Linked!', `WhatsApp is linked to ${successNumber || 'your number'}. Your agent can now receive messages.`,
          ...(onLinked ? [] : [button('Choose who may message your agent', 'primary', () => ctx.navigate('settings')), button('Go to Home', 'secondary', () => ctx.navigate('home'))])));
        ctx.announce(`Linked to ${successNumber || 'your number'}.`);
        return;
    }
  };

  const focusFirst = () => { body.querySelector<HTMLElement>('input, button')?.focus(); };

  const chooseView = (a: AccountStatus | undefined): View => {
    const s = ctx.store.state.summary;
    if (view === 'success') return 'success';
    if (s && !s.running) return 'gateway-stopped';
    if (!a) return wantCodeForm ? 'code-form' : 'start';
    if (a.state === 'linking') {
      const l = a.linking;
      if (requested && l?.method === requested && !l.stall) requested = undefined;
      if (l?.scanned) return 'scanned';
      if (requested === 'code') return 'waiting-code';
      if (l?.method === 'code') return l.code ? 'code' : 'waiting-code';
      if (wantCodeForm) return 'code-form';
      return 'qr';
    }
    if (a.state === 'connected' || a.state === 'connecting' || a.state === 'reconnecting') return 'already-linked';
    if (requested) return requested === 'code' ? 'waiting-code' : 'qr';
    return wantCodeForm ? 'code-form' : 'start';
  };

  const update = (): void => {
    const a = account();
    if (a?.state === 'linking') inFlow = true;
    // Success: we were linking and now the account is linked and connected.
    if (a && a.state === 'connected' && inFlow && view !== 'success') {
      successNumber = a.self?.number ?? '';
      inFlow = false;
      render('success', a);
      onLinked?.(a);
      return;
    }
    const v = inFlow && a?.state === 'connecting' ? 'scanned' : chooseView(a);
    if (v !== view) render(v, a);

    // Stall explanation, from the gateway's words when it has them.
    const stall = a?.linking?.stall;
    const key = stall ? `${stall.kind}:${stall.cause}` : '';
    if (key !== lastStallKey) {
      lastStallKey = key;
      if (stall) {
        const words = STALL_WORDS[stall.kind];
        const actions: HTMLButtonElement[] = [];
        if (words.action === 'new-qr') actions.push(button('Get a new QR', 'primary', (ev) => { void start('qr', undefined, ev.currentTarget as HTMLButtonElement); }, { 'data-action': 'new-qr' }));
        if (words.action === 'new-code') actions.push(button('Get a new code', 'primary', (ev) => { void start('code', a?.linking?.phone, ev.currentTarget as HTMLButtonElement); }, { 'data-action': 'new-code' }));
        if (words.action === 'use-code') actions.push(button('Link with phone number instead', 'secondary', () => { wantCodeForm = true; render('code-form', a); focusFirst(); }));
        replaceChildren(stallSlot, notice(stall.kind === 'passkey-required' ? 'warn' : 'error', words.title,
          h('div', null, h('p', { text: stall.cause || words.cause }), h('p', { text: `What to do: ${stall.nextStep || words.nextStep}` })), ...actions));
      } else replaceChildren(stallSlot);
    }
    if (a?.linking?.qrDataUrl && qrImg.getAttribute('src') !== a.linking.qrDataUrl) {
      qrImg.src = a.linking.qrDataUrl;
      qrImg.classList.remove('expired');
      // The bar runs from this code's full lifetime down to zero.
      if (a.linking.qrExpiresAt) qrProgress.max = Math.max(1, secondsUntil(a.linking.qrExpiresAt, ctx.now()));
    }
    if (a?.linking?.code) setText(codeText, formatCode(a.linking.code));
    codeText.setAttribute('aria-label', `Code: ${(a?.linking?.code ?? '').replace(/[^A-Za-z0-9]/g, '').split('').join(' ')}`);
    tick();
  };

  const tick = (): void => {
    if (view !== 'qr') return;
    const l = account()?.linking;
    if (!l?.qrExpiresAt) { setText(qrCountdown, 'Waiting for the first QR code…'); return; }
    const left = secondsUntil(l.qrExpiresAt, ctx.now());
    if (left > qrProgress.max) qrProgress.max = left;
    qrProgress.value = left;
    if (left > 0) setText(qrCountdown, `This code refreshes in ${left} s`);
    else {
      setText(qrCountdown, l.stall ? 'This code has expired.' : 'Getting a fresh code…');
      qrImg.classList.add('expired');
    }
  };

  update();
  return { el, update, tick };
}

export function linkScreen(ctx: ScreenContext): Screen {
  const accounts = ctx.store.state.summary?.accounts ?? [];
  const accountId = ctx.params.get('account') ?? accounts.find((a) => a.state !== 'connected')?.accountId ?? accounts[0]?.accountId ?? 'default';
  const a = accounts.find((x) => x.accountId === accountId);
  const panel = linkPanel(ctx, accountId);
  const el = h('section', { class: 'screen' },
    ...heading('Link WhatsApp', accounts.length > 1 && a ? `Account: ${accountLabel(a)}` : 'Connect this computer to your WhatsApp account.'),
    panel.el);
  return {
    title: 'Link WhatsApp',
    el,
    update: (change) => { if (change === 'summary') panel.update(); },
    tick: () => panel.tick(),
  };
}
