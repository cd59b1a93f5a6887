// Device time of offline work (ARCHITECTURE §5). A mutation carries the time the user made the
// change (`clientTime`); history and SLA clocks use it, clamped into [server now − 7 days,
// server now] so a wrong device clock cannot put events in the future or far in the past. Both
// the raw and the clamped value are recorded.
export const MAX_DEVICE_LAG_MS = 7 * 24 * 60 * 60 * 1000;

export function clampDeviceTime(clientTime: Date, serverNow: Date, maxLagMs = MAX_DEVICE_LAG_MS): Date {
  const t = clientTime.getTime();
  const now = serverNow.getTime();
  if (Number.isNaN(t) || t > now) return new Date(now);
  return new Date(Math.max(t, now - maxLagMs));
}

/** When a mutation happened, as every write it causes records it. */
export interface MutationTiming {
  /** Server time the mutation ran. */
  serverTime: Date;
  /** The device time the client sent, unchanged. */
  clientTime: Date;
  /** clientTime clamped (see above): what history and SLA clocks use. */
  deviceTime: Date;
  /** The mutation that caused the writes (null for writes made online through the REST API). */
  mutationId: string | null;
}

/** Timing of a write made online, now. */
export function onlineTiming(now = new Date()): MutationTiming {
  return { serverTime: now, clientTime: now, deviceTime: now, mutationId: null };
}
