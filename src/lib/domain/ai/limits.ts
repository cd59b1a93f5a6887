// Limits of one turn and the per-user rate limit, as pure decisions (the loop and the service
// feed them the counts they measured).
import type { AiLimits } from './schemas';

export type StopReason = 'answer' | 'max_steps' | 'max_time' | 'max_tokens';

export interface TurnSpend {
  /** Model calls made so far. */
  steps: number;
  /** Tokens reported by the provider so far (prompt + completion over every step). */
  tokens: number;
  startedAt: number;
}

/** Must the loop stop before making another model call? */
export function limitBeforeStep(spend: TurnSpend, limits: AiLimits, now: number): Exclude<StopReason, 'answer'> | null {
  if (spend.steps >= limits.maxSteps) return 'max_steps';
  if (now - spend.startedAt >= limits.maxTurnMs) return 'max_time';
  if (spend.tokens >= limits.maxTurnTokens) return 'max_tokens';
  return null;
}

/** Time left in the turn (for the model call's timeout and provider retry waits). */
export const remainingMs = (spend: TurnSpend, limits: AiLimits, now: number) => Math.max(0, limits.maxTurnMs - (now - spend.startedAt));

/** `max_completion_tokens` for the next call: never more than the turn has left. */
export function nextOutputTokens(spend: TurnSpend, limits: AiLimits): number {
  return Math.max(16, Math.min(limits.maxOutputTokens, limits.maxTurnTokens - spend.tokens));
}

export const STOP_MESSAGES: Record<Exclude<StopReason, 'answer'>, string> = {
  max_steps: 'I had to stop: this question needed more steps than I may take in one answer. Try asking something narrower.',
  max_time: 'I had to stop: answering took longer than allowed. Please try again, or ask something narrower.',
  max_tokens: 'I had to stop: this answer reached its length budget. Try asking something narrower.'
};

/**
 * Sliding window: `recent` are the start times of the user's turns in the window (any order).
 * Beyond `turnsPerWindow`, the user may start again when the oldest of the counted turns leaves it.
 */
export function rateLimit(recent: readonly Date[], limits: AiLimits, now: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
  const windowMs = limits.windowSeconds * 1000;
  const inWindow = recent.map((d) => d.getTime()).filter((t) => now - t < windowMs).sort((a, b) => b - a);
  if (inWindow.length < limits.turnsPerWindow) return { allowed: true };
  const freeing = inWindow[limits.turnsPerWindow - 1];
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeing + windowMs - now) / 1000)) };
}
