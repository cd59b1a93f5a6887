// Admin screen state for email configuration: the form model and its mapping to the API body.
import type { z } from 'zod';
import type { MailboxView as MailboxSchema } from '$lib/domain/email/schemas';

export type Mailbox = z.infer<typeof MailboxSchema>;

export interface MailboxForm {
	name: string;
	kind: 'imap' | 'pop3' | 'smtp' | 'webhook';
	address: string;
	host: string;
	port: string;
	security: 'none' | 'tls' | 'starttls';
	auth_method: 'none' | 'password' | 'oauth2';
	username: string;
	secret: string;
	folder: string;
	processed_folder: string;
	poll_interval_seconds: string;
	delete_after_import: boolean;
	use_idle: boolean;
	verify_tls: boolean;
	closed_ticket_policy: 'reopen' | 'new_linked';
	enabled: boolean;
	is_default: boolean;
	reply_domain: string;
}

export function emptyForm(): MailboxForm {
	return { name: '', kind: 'imap', address: '', host: '', port: '', security: 'tls', auth_method: 'password', username: '', secret: '', folder: 'INBOX', processed_folder: '', poll_interval_seconds: '60', delete_after_import: false, use_idle: true, verify_tls: true, closed_ticket_policy: 'reopen', enabled: false, is_default: false, reply_domain: '' };
}

export function formOf(m: Mailbox): MailboxForm {
	return {
		name: m.name,
		kind: m.kind,
		address: m.address ?? '',
		host: m.host ?? '',
		port: m.port === null ? '' : String(m.port),
		security: m.security,
		auth_method: m.auth_method,
		username: m.username ?? '',
		secret: '',
		folder: m.folder ?? 'INBOX',
		processed_folder: m.processed_folder ?? '',
		poll_interval_seconds: String(m.poll_interval_seconds),
		delete_after_import: m.delete_after_import,
		use_idle: m.use_idle,
		verify_tls: m.verify_tls,
		closed_ticket_policy: m.closed_ticket_policy,
		enabled: m.enabled,
		is_default: m.is_default,
		reply_domain: m.reply_domain ?? ''
	};
}

/** The API body; empty optional fields become null, an empty secret is left out (keep the stored one). */
export function bodyOf(f: MailboxForm, editing: boolean): Record<string, unknown> {
	const num = (v: string) => (v.trim() === '' ? null : Number(v));
	const body: Record<string, unknown> = {
		name: f.name,
		address: f.address.trim() || null,
		host: f.kind === 'webhook' ? null : f.host.trim() || null,
		port: num(f.port),
		security: f.security,
		auth_method: f.kind === 'webhook' ? 'none' : f.auth_method,
		username: f.username.trim() || null,
		folder: f.folder.trim() || 'INBOX',
		processed_folder: f.processed_folder.trim() || null,
		poll_interval_seconds: num(f.poll_interval_seconds) ?? 60,
		delete_after_import: f.delete_after_import,
		use_idle: f.use_idle,
		verify_tls: f.verify_tls,
		closed_ticket_policy: f.closed_ticket_policy,
		enabled: f.enabled,
		is_default: f.is_default
	};
	if (f.kind === 'smtp') body.reply_domain = f.reply_domain.trim() || null;
	if (!editing) body.kind = f.kind;
	if (f.secret) body.secret = f.secret;
	return body;
}
