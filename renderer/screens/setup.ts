// First-run setup: what you need -> link -> who may message the agent -> prove it works by
// sending "ping" from another phone. The step lives in the route (setup?step=2) so Back works.
import type { AccountStatus } from '../../main/connection/status.ts';
import { h, replaceChildren, setText } from '../dom.ts';
import { checkPhone } from '../format.ts';
import { button, heading, notice, runAction, type Screen, type ScreenContext } from '../ui.ts';
import { linkPanel, type LinkPanel } from './link.ts';
import { fileSections } from './settings.ts';

const STEPS = ['Before you start', 'Link WhatsApp', 'Who may message', 'Say hello'] as const;
export const SETUP_DONE_KEY = 'clawline.setupDone';

const asList = (whatsapp: unknown): string[] => {
  const v = whatsapp && typeof whatsapp === 'object' ? (whatsapp as Record<string, unknown>).allowFrom : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

export function setupScreen(ctx: ScreenContext): Screen {
  const step = Math.min(STEPS.length, Math.max(1, Number(ctx.params.get('step') ?? '1') || 1));
  const go = (n: number) => ctx.navigate(`setup?step=${n}`);
  const accounts = ctx.store.state.summary?.accounts ?? [];
  const accountId = accounts[0]?.accountId ?? 'default';
  const account = (): AccountStatus | undefined => ctx.store.state.summary?.accounts.find((a) => a.accountId === accountId);

  const progress = h('ol', { class: 'wizard-steps', attrs: { 'aria-label': 'Setup steps' } },
    ...STEPS.map((name, i) => h('li', { class: i + 1 < step ? 'done' : i + 1 === step ? 'current' : '', attrs: { 'aria-current': i + 1 === step ? 'step' : undefined } },
      h('span', { class: 'step-num', text: String(i + 1), attrs: { 'aria-hidden': 'true' } }), h('span', { text: name }))));
  const content = h('div', { class: 'wizard-body' });
  const el = h('section', { class: 'screen' }, ...heading(`Set up Clawline — step ${step} of ${STEPS.length}`), progress, content);

  let panel: LinkPanel | undefined;
  let onUpdate: () => void = () => {};
  let onTick: () => void = () => {};

  if (step === 1) {
    replaceChildren(content,
      h('h2', { text: STEPS[0] }),
      h('ul', { class: 'checklist' },
        h('li', null, 'The phone with the WhatsApp account your agent will use, with internet.'),
        h('li', null, 'Best: a separate number just for the agent (a cheap prepaid SIM works). Using your personal number also works, but your agent then shares your chats.'),
        h('li', null, 'About two minutes.')),
      h('div', { class: 'actions' }, button('Start', 'primary', () => go(2), { 'data-action': 'next' }), button('Skip setup', 'quiet', () => finish())));
  } else if (step === 2) {
    const next = button('Next', 'primary', () => go(3), { 'data-action': 'next' });
    next.hidden = true;
    panel = linkPanel(ctx, accountId, () => { next.hidden = false; next.focus(); });
    const a = account();
    if (a?.state === 'connected') next.hidden = false;
    replaceChildren(content, h('h2', { text: STEPS[1] }), panel.el, h('div', { class: 'actions' }, button('Back', 'quiet', () => go(1)), next));
    onUpdate = () => panel!.update();
    onTick = () => panel!.tick();
  } else if (step === 3) {
    const errorSlot = h('div');
    const result = h('div', { attrs: { 'aria-live': 'polite' } });
    const choices: { value: string; label: string; help: string }[] = [
      { value: 'pairing', label: 'Ask me first (recommended)', help: 'Someone new gets a code and waits until you approve them in Requests.' },
      { value: 'allowlist', label: 'Only numbers I list', help: 'Everyone else is ignored. Add the first number below.' },
      { value: 'open', label: 'Anyone', help: 'Anybody who messages this number talks to your agent.' },
    ];
    const numberInput = h('input', { id: 'setup-allow', attrs: { type: 'tel', autocomplete: 'off', placeholder: '+44 7700 900123', 'aria-describedby': 'setup-allow-preview' } });
    const numberPreview = h('p', { id: 'setup-allow-preview', class: 'normalized', attrs: { 'aria-live': 'polite' } });
    const numberRow = h('div', { class: 'field', hidden: true }, h('label', { attrs: { for: 'setup-allow' }, text: 'Phone number allowed to message your agent' }), numberInput, numberPreview);
    numberInput.addEventListener('input', () => { const c = checkPhone(numberInput.value); setText(numberPreview, c.e164 ? `Will be saved as ${c.e164}` : c.problem ?? ''); });
    const fieldset = h('fieldset', { class: 'choices' }, h('legend', { text: 'Who may send messages to your agent?' }),
      ...choices.map((c) => h('div', { class: 'choice' },
        h('input', { id: `dm-${c.value}`, attrs: { type: 'radio', name: 'dmPolicy', value: c.value, checked: c.value === 'pairing', 'aria-describedby': `dm-${c.value}-help` }, on: { change: () => { numberRow.hidden = c.value !== 'allowlist'; } } }),
        h('label', { attrs: { for: `dm-${c.value}` } }, h('strong', { text: c.label }), h('span', { id: `dm-${c.value}-help`, class: 'choice-help', text: c.help })))));
    const save = button('Save and continue', 'primary', (ev) => {
      const value = (fieldset.querySelector<HTMLInputElement>('input[name=dmPolicy]:checked')?.value) ?? 'pairing';
      void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, async () => {
        // One key per call, in an order where the file is valid after every step whatever the
        // old policy was ("open" needs * in the list, "allowlist" needs one number, and a * left
        // in the list under "allowlist" would let everyone in).
        const steps: [string, unknown][] = [];
        const current = asList(fileSections(await ctx.api.getSettings()).whatsapp);
        if (value === 'allowlist') {
          const c = checkPhone(numberInput.value);
          if (!c.e164) { setText(numberPreview, c.problem ?? ''); numberInput.focus(); return; }
          const withNumber = [...new Set([...current, c.e164])];
          steps.push(['allowFrom', withNumber], ['dmPolicy', 'allowlist'], ['allowFrom', withNumber.filter((n) => n !== '*')]);
        } else if (value === 'open') {
          steps.push(['allowFrom', [...new Set([...current, '*'])]], ['dmPolicy', 'open']);
        } else steps.push(['dmPolicy', value]);
        for (const [key, v] of steps) {
          const r = await ctx.api.setSetting(['channels', 'whatsapp', key], v);
          if (!r.ok) { replaceChildren(result, notice('error', 'That was not saved', r.findings.map((f) => f.message).join(' '))); return; }
        }
        go(4);
      });
    }, { 'data-action': 'next' });
    replaceChildren(content, h('h2', { text: STEPS[2] }), fieldset, numberRow, result, errorSlot,
      h('p', { class: 'muted', text: 'You can change this any time in Settings.' }),
      h('div', { class: 'actions' }, button('Back', 'quiet', () => go(2)), save));
  } else {
    const startedAt = ctx.now();
    const a = account();
    const waiting = h('p', { class: 'busy-line', attrs: { role: 'status' } });
    const agentSlot = h('div', { attrs: { 'aria-live': 'polite' } });
    const errorSlot = h('div');
    replaceChildren(content, h('h2', { text: STEPS[3] }),
      h('p', null, 'From another phone, send the message ', h('strong', { text: 'ping' }), ` to ${a?.self?.number ?? 'your linked number'}.`),
      h('p', { class: 'muted', text: 'If you chose “Ask me first”, that phone will get a code: approve it in Requests, then send ping again.' }),
      waiting, agentSlot, errorSlot,
      h('div', { class: 'actions' },
        button('Check the agent', 'secondary', (ev) => {
          void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, async () => {
            const r = await ctx.api.testAgent();
            replaceChildren(agentSlot, notice(r.ok ? 'ok' : 'error', r.ok ? 'The agent answers' : 'The agent did not answer', r.message));
          }, 'Checking…');
        }),
        button('Back', 'quiet', () => go(3)),
        button('Finish', 'primary', () => finish(), { 'data-action': 'finish' })));
    onUpdate = () => {
      const acc = account();
      const got = acc?.lastInboundAt && acc.lastInboundAt >= startedAt;
      setText(waiting, got ? '✓ Message received. Your agent is answering it now — look at the other phone.' : 'Waiting for your message…');
      waiting.classList.toggle('busy-line', !got);
      waiting.classList.toggle('ok-line', !!got);
    };
    onUpdate();
  }

  function finish(): void {
    try { localStorage.setItem(SETUP_DONE_KEY, '1'); } catch { /* storage may be off */ }
    ctx.navigate('home');
  }

  return { title: 'Set up Clawline', el, update: (c) => { if (c === 'summary') onUpdate(); }, tick: () => onTick() };
}
