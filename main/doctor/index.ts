// Public face of the doctor: checks with plain-language findings and one-call repairs, the
// troubleshooting ladder (status -> linked -> checks -> logs -> restart -> relink) and the
// diagnostics bundle. The gateway's doctor.run / doctor.fix and `clawline doctor` call these.
//
//   const ctx = createDoctorContext({ stateDir });           // or build a DoctorContext by hand in tests
//   const { checks } = await runDoctor(ctx);
//   const { ok, check } = await fixCheck('permissions', ctx);  // re-runs the check after the repair
//   const steps = await runLadder(ctx, { checks });
export { createDoctorContext, inProcessGateway } from './context.ts';
export type { DoctorContext, CreateDoctorContextOptions, NetProbes, DnsTlsResult, GatewayProbe, GatewayStatusSource } from './context.ts';
export { discoveredGateway } from './gateway-source.ts';
export { realNetProbes } from './net.ts';
export { runDoctor, fixCheck, fixAll, CHECKS } from './doctor.ts';
export type { DoctorReport, FixResult, FixAllReport } from './doctor.ts';
export type { CheckDefinition, FixOutcome, DoctorCheckResult } from './check-types.ts';
export { runLadder, ladderVerdict, LOG_WINDOW_MS, RECENT_RESTART_MS } from './ladder.ts';
export type { LadderStep, LadderAction, LadderOptions } from './ladder.ts';
export { LOCK_STALE_MS } from './locks.ts';
export { OFFLINE_WARN_DAYS, OFFLINE_UNLINK_DAYS } from './checks-accounts.ts';
export { OPENCLAW_DEFAULT_PORT, DISK_WARN_BYTES, DISK_FAIL_BYTES, CLOCK_WARN_MS, CLOCK_FAIL_MS } from './checks-system.ts';
export { createDiagnosticsBundle } from './diagnostics-bundle.ts';
export type { DiagnosticsBundleOptions, BundleVersions } from './diagnostics-bundle.ts';
