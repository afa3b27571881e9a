// Doctor: the troubleshooting ladder as a guided page. Running? -> linked? -> doctor checks ->
// recent errors -> restart -> link again. It stops at the first step that finds the cause and
// offers the one-click fix for it; the last two steps are actions the person chooses.
import type { DoctorCheckResult, LogLine } from '../../main/control/contract.ts';
import { errorWords } from '../api.ts';
import { h, replaceChildren, setText } from '../dom.ts';
import { FIX_LABELS, accountLabel, describeAccount, formatAgo } from '../format.ts';
import { button, heading, notice, runAction, type Screen, type ScreenContext } from '../ui.ts';
import { performFix } from './home.ts';

type StepState = 'waiting' | 'running' | 'ok' | 'found' | 'skipped' | 'action';
const RECENT_ERRORS_MS = 30 * 60_000;
const STATE_WORDS: Record<StepState, string> = { waiting: 'Not checked yet', running: 'Checking…', ok: 'Fine', found: 'Problem found', skipped: 'Skipped: a problem was found above', action: 'Your choice' };
const ICONS: Record<StepState, string> = { waiting: '○', running: '…', ok: '✓', found: '!', skipped: '–', action: '→' };

interface Step {
  li: HTMLElement;
  body: HTMLElement;
  setState(s: StepState, detail?: string): void;
}

export function doctorScreen(ctx: ScreenContext): Screen {
  const ladder = h('ol', { class: 'ladder' });
  const summary = h('div', { attrs: { 'aria-live': 'polite' } });
  const errorSlot = h('div');
  const again = button('Check again', 'secondary', () => { void run(); }, { 'data-action': 'rerun' });
  const el = h('section', { class: 'screen' },
    ...heading('Doctor', 'Finds out why messages are not getting through, one step at a time, and fixes what it can.'),
    h('div', { class: 'actions' }, again), summary, errorSlot, ladder);

  const makeStep = (title: string, explain: string): Step => {
    const icon = h('span', { class: 'step-icon', attrs: { 'aria-hidden': 'true' } });
    const state = h('span', { class: 'step-state' });
    const body = h('div', { class: 'step-body' });
    const li = h('li', { class: 'ladder-step state-waiting' },
      h('div', { class: 'step-head' }, icon, h('h2', { class: 'step-title', text: title }), state),
      h('p', { class: 'muted', text: explain }), body);
    return {
      li, body,
      setState(s, detail) {
        li.className = `ladder-step state-${s}`;
        setText(icon, ICONS[s]);
        setText(state, STATE_WORDS[s]);
        if (detail !== undefined) replaceChildren(body, h('p', { text: detail }));
      },
    };
  };

  const steps = {
    running: makeStep('1. Is Clawline running?', 'The gateway must run for your agent to get messages.'),
    linked: makeStep('2. Is WhatsApp linked?', 'This computer must be a linked device of your WhatsApp.'),
    checks: makeStep('3. Health checks', 'Settings file, login files, connection, encryption and more.'),
    logs: makeStep('4. Recent errors', 'Errors logged in the last 30 minutes.'),
    restart: makeStep('5. Restart', 'A fresh start clears most temporary problems.'),
    relink: makeStep('6. Link again', 'If nothing else helped, a new link usually does.'),
  };
  ladder.append(...Object.values(steps).map((s) => s.li));
  for (const s of Object.values(steps)) s.setState('waiting');

  const checkRow = (c: DoctorCheckResult): HTMLElement => {
    const slot = h('div');
    const row = h('li', { class: `check-row check-${c.status}`, attrs: { 'data-check': c.id } },
      h('p', { class: 'check-title' }, h('strong', { text: c.title }), ` — ${c.finding}`),
      c.nextStep ? h('p', { text: `What to do: ${c.nextStep}` }) : null,
      c.fix ? h('div', { class: 'actions' }, button(c.fix.label, 'primary', (ev) => {
        void runAction(ev.currentTarget as HTMLButtonElement, slot, async () => {
          const r = await ctx.api.fixDoctor(c.id);
          const replacement = checkRow(r.check);
          row.replaceWith(replacement);
          ctx.announce(r.ok ? `Fixed: ${c.title}.` : `Could not fix: ${c.title}.`);
          if (r.ok) replacement.querySelector<HTMLElement>('.check-title')?.setAttribute('tabindex', '-1');
          replacement.querySelector<HTMLElement>('.check-title')?.focus();
        }, 'Fixing…');
      }, { 'data-fix-check': c.id })) : null,
      slot);
    return row;
  };

  const finish = (found: boolean, message: string) => {
    replaceChildren(summary, notice(found ? 'warn' : 'ok', message));
    ctx.announce(message);
  };

  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    again.disabled = true;
    replaceChildren(errorSlot);
    replaceChildren(summary);
    for (const s of Object.values(steps)) { s.setState('waiting'); replaceChildren(s.body); }
    const order = Object.values(steps);
    const stopAt = (step: Step) => { for (const s of order.slice(order.indexOf(step) + 1)) s.setState('skipped'); };
    try {
      // 1. running?
      steps.running.setState('running');
      const summaryNow = await ctx.api.status();
      ctx.store.state.summary = summaryNow;
      if (!summaryNow.running) {
        steps.running.setState('found', 'Clawline is stopped, so nobody is listening for WhatsApp messages.');
        steps.running.body.append(fixButton('start'));
        stopAt(steps.running);
        return finish(true, 'Found it: Clawline is stopped.');
      }
      steps.running.setState('ok', `Running (version ${summaryNow.version}).`);

      // 2. linked?
      steps.linked.setState('running');
      const broken = summaryNow.accounts.filter((a) => ['not-linked', 'logged-out', 'conflict', 'stopped'].includes(a.state));
      if (summaryNow.accounts.length === 0 || broken.length) {
        steps.linked.setState('found');
        if (!summaryNow.accounts.length) steps.linked.body.append(h('p', { text: 'No WhatsApp account is set up.' }), fixButton('link'));
        for (const a of broken) {
          const w = describeAccount(a, ctx.now());
          const fix = a.fix ?? (a.state === 'not-linked' ? 'link' : a.state === 'logged-out' ? 'relink' : undefined);
          steps.linked.body.append(h('p', null, h('strong', { text: `${accountLabel(a)}: ${w.title}. ` }), w.cause ?? ''),
            w.nextStep ? h('p', { text: `What to do: ${w.nextStep}` }) : '', fix ? fixButton(fix, a.accountId) : '');
        }
        stopAt(steps.linked);
        return finish(true, 'Found it: WhatsApp is not linked or not usable.');
      }
      steps.linked.setState('ok', summaryNow.accounts.map((a) => `${accountLabel(a)}: ${describeAccount(a, ctx.now()).title}${a.self ? ` (${a.self.number})` : ''}`).join('. ') + '.');

      // 3. doctor checks
      steps.checks.setState('running');
      const { checks } = await ctx.api.runDoctor();
      const bad = checks.filter((c) => c.status === 'fail' || c.status === 'warn');
      const good = checks.filter((c) => c.status === 'ok');
      const passed = h('details', null, h('summary', { text: `${good.length} check${good.length === 1 ? '' : 's'} passed` }),
        h('ul', { class: 'check-list' }, ...good.map((c) => h('li', { text: `${c.title} — ${c.finding}` }))));
      if (bad.length) {
        steps.checks.setState('found');
        steps.checks.body.append(h('ul', { class: 'check-list' }, ...bad.sort((a, b) => (a.status === 'fail' ? -1 : 0) - (b.status === 'fail' ? -1 : 0)).map(checkRow)), passed);
        stopAt(steps.checks);
        return finish(true, `Found ${bad.length === 1 ? 'a problem' : `${bad.length} problems`} in the health checks: see step 3.`);
      }
      steps.checks.setState('ok', `All ${checks.length} checks passed.`);

      // 4. recent errors
      steps.logs.setState('running');
      const { lines } = await ctx.api.tailLogs({ level: 'error', limit: 50 });
      const recent = lines.filter((l: LogLine) => ctx.now() - l.time < RECENT_ERRORS_MS);
      if (recent.length) {
        steps.logs.setState('found');
        steps.logs.body.append(h('p', { text: `${recent.length} error${recent.length === 1 ? '' : 's'} in the last 30 minutes. The latest:` }),
          h('ul', { class: 'check-list' }, ...recent.slice(-5).reverse().map((l) => h('li', null, h('strong', { text: formatAgo(l.time, ctx.now()) }), ` — ${l.subsystem ? `${l.subsystem}: ` : ''}${l.msg}`))),
          h('div', { class: 'actions' }, button('Open the logs', 'secondary', () => ctx.navigate('logs?level=error'))));
        steps.restart.setState('action');
        steps.restart.body.append(restartButton());
        steps.relink.setState('action');
        steps.relink.body.append(fixButton('relink', summaryNow.accounts[0]?.accountId));
        return finish(true, 'Found recent errors. If they do not tell you what to do, try a restart (step 5).');
      }
      steps.logs.setState('ok', 'No errors in the last 30 minutes.');

      // 5 and 6: nothing found; offer the two remaining remedies.
      steps.restart.setState('action', 'Everything above looks fine. If messages still do not arrive, restart Clawline:');
      steps.restart.body.append(restartButton());
      steps.relink.setState('action', 'Still nothing? Link WhatsApp again (you keep your settings and approved people):');
      steps.relink.body.append(fixButton('relink', summaryNow.accounts[0]?.accountId));
      return finish(false, 'No problem found. Clawline is running and linked.');
    } catch (err) {
      const w = errorWords(err);
      replaceChildren(errorSlot, notice('error', `The check could not finish: ${w.message}`, w.nextStep));
    } finally {
      running = false;
      again.disabled = false;
    }
  };

  const fixButton = (fix: keyof typeof FIX_LABELS, accountId?: string): HTMLElement => {
    const slot = h('div');
    return h('div', null, h('div', { class: 'actions' }, button(FIX_LABELS[fix], 'primary', (ev) => {
      void runAction(ev.currentTarget as HTMLButtonElement, slot, async () => {
        const a = ctx.store.state.summary?.accounts.find((x) => x.accountId === accountId);
        await performFix(ctx, a ?? (accountId ? { accountId, enabled: true, state: 'not-linked', reconnectAttempts: 0 } : undefined), fix);
        if (fix === 'start') void run();
      });
    }, { 'data-fix': fix })), slot);
  };

  const restartButton = (): HTMLElement => {
    const slot = h('div');
    return h('div', null, h('div', { class: 'actions' }, button('Restart Clawline', 'primary', (ev) => {
      void runAction(ev.currentTarget as HTMLButtonElement, slot, async () => {
        await ctx.api.restartGateway();
        replaceChildren(slot, notice('info', 'Restarted. Watch the status on Home; run the check again in a minute if it still does not work.'));
        ctx.announce('Clawline restarted.');
      }, 'Restarting…');
    }, { 'data-action': 'restart' })), slot);
  };

  void run();
  return { title: 'Doctor', el, update: () => {} };
}
