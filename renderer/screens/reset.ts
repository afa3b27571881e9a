// Reset: log out, or the clean reset for when linking keeps failing (the old login files are
// kept in a backup folder, shown afterwards). Both ask for confirmation in a dialog.
import { errorWords } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { accountLabel } from '../format.ts';
import { button, heading, notice, type Screen, type ScreenContext } from '../ui.ts';

export function resetScreen(ctx: ScreenContext): Screen {
  const accounts = ctx.store.state.summary?.accounts ?? [];
  let accountId = ctx.params.get('account') ?? accounts[0]?.accountId ?? 'default';
  const result = h('div', { attrs: { 'aria-live': 'polite' } });

  const picker = accounts.length > 1 ? (() => {
    const sel = h('select', { id: 'reset-account' }, ...accounts.map((a) => h('option', { attrs: { value: a.accountId }, text: accountLabel(a) })));
    sel.value = accountId;
    sel.addEventListener('change', () => { accountId = sel.value; });
    return h('div', { class: 'field' }, h('label', { attrs: { for: 'reset-account' }, text: 'Account' }), sel);
  })() : null;

  // One dialog, reused for both actions: a real modal, so focus stays inside and Escape cancels.
  const dTitle = h('h2', { id: 'confirm-title' });
  const dBody = h('p', { id: 'confirm-body' });
  const dConfirm = h('button', { class: 'btn btn-danger', attrs: { type: 'button', 'data-action': 'confirm' } });
  const dCancel = h('button', { class: 'btn btn-secondary', text: 'Cancel', attrs: { type: 'button' } });
  const dialog = h('dialog', { class: 'confirm', attrs: { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' } },
    dTitle, dBody, h('div', { class: 'actions' }, dCancel, dConfirm));
  dCancel.addEventListener('click', () => dialog.close('cancel'));

  const confirm = (title: string, body: string, confirmLabel: string): Promise<boolean> => new Promise((resolve) => {
    dTitle.textContent = title;
    dBody.textContent = body;
    dConfirm.textContent = confirmLabel;
    const onConfirm = () => dialog.close('confirm');
    dConfirm.addEventListener('click', onConfirm, { once: true });
    dialog.addEventListener('close', () => { dConfirm.removeEventListener('click', onConfirm); resolve(dialog.returnValue === 'confirm'); }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    dCancel.focus();
  });

  const act = async (kind: 'logout' | 'reset', btn: HTMLButtonElement) => {
    const a = ctx.store.state.summary?.accounts.find((x) => x.accountId === accountId);
    const name = a ? accountLabel(a) : accountId;
    const ok = kind === 'logout'
      ? await confirm(`Log out ${name}?`, 'Your agent stops receiving messages until you link again. Settings and approved people are kept.', 'Log out')
      : await confirm(`Reset ${name}?`, 'This logs out, moves the login files to a backup folder and starts fresh. You will scan a new QR code afterwards. Settings and approved people are kept.', 'Reset');
    btn.focus();
    if (!ok) return;
    btn.disabled = true;
    replaceChildren(result, h('p', { class: 'busy-line', attrs: { role: 'status' }, text: kind === 'logout' ? 'Logging out…' : 'Resetting…' }));
    try {
      if (kind === 'logout') {
        await ctx.api.logout(accountId);
        replaceChildren(result, notice('ok', 'Logged out', 'This computer is no longer linked.', button('Link again', 'primary', () => ctx.navigate(`link?account=${encodeURIComponent(accountId)}`))));
      } else {
        const r = await ctx.api.resetAccount(accountId);
        replaceChildren(result, notice('ok', 'Reset done',
          h('div', null, r.backupDir ? h('p', null, 'The old login files were saved to ', h('code', { class: 'path', text: r.backupDir }), '. You can delete that folder once the new link works.') : h('p', { text: 'There were no login files to back up.' })),
          button('Link again', 'primary', () => ctx.navigate(`link?account=${encodeURIComponent(accountId)}`))));
      }
      ctx.announce(kind === 'logout' ? 'Logged out.' : 'Reset done.');
      result.querySelector<HTMLElement>('button')?.focus();
    } catch (err) {
      const w = errorWords(err);
      replaceChildren(result, notice('error', w.message, w.nextStep));
    } finally {
      btn.disabled = false;
    }
  };

  const logoutBtn = button('Log out…', 'secondary', (ev) => { void act('logout', ev.currentTarget as HTMLButtonElement); }, { 'data-action': 'logout' });
  const resetBtn = button('Reset…', 'danger', (ev) => { void act('reset', ev.currentTarget as HTMLButtonElement); }, { 'data-action': 'reset' });

  const el = h('section', { class: 'screen' },
    ...heading('Reset', 'Start over with WhatsApp when linking keeps failing or you want to use another number.'),
    picker,
    h('div', { class: 'card' }, h('h2', { text: 'Log out' }),
      h('p', { text: 'Unlinks this computer from WhatsApp. It disappears from “Linked devices” on your phone. Your settings and the people you approved stay.' }),
      h('div', { class: 'actions' }, logoutBtn)),
    h('div', { class: 'card' }, h('h2', { text: 'Clean reset' }),
      h('p', { text: 'For when linking keeps failing or the connection is stuck. Clawline logs out if it can, stops the connection, moves the login files to a backup folder (nothing is deleted), and then you link again with a new QR code.' }),
      h('p', { class: 'muted', text: 'Your settings file and the people you approved are not touched.' }),
      h('div', { class: 'actions' }, resetBtn)),
    result, dialog);

  return { title: 'Reset', el, update: () => {} };
}
