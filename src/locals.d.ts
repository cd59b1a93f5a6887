import type { Actor } from '$lib/domain/auth/permissions';

declare global {
  namespace App {
    interface Locals {
      requestId: string;
      clientIp: string | null;
      actor: Actor | null;
      authError?: 'token_expired' | 'invalid';
    }
    interface Error {
      requestId?: string;
    }
  }
}

export {};
