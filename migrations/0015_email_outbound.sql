-- Outbound email (issue 6): compose then deliver.
--   * Compose renders the message once, in the transaction of the change it announces, and stores
--     it here (text, HTML, extra headers); the `email.deliver` job only sends the stored row, so a
--     retry never repeats domain logic.
--   * Delivery claims a row by moving it to 'sending' with a lease (next_attempt_at); a worker that
--     died mid-send leaves a lease that expires and the row is claimed again. The Message-ID is
--     fixed at compose time, so a resend after such a crash is recognised by the receiver.
--   * 'discarded': an admin gave up on a failed message (kept for the record, never sent).
alter table email_messages add column body_text text;
alter table email_messages add column body_html text;
alter table email_messages add column headers jsonb not null default '{}';
alter table email_messages drop constraint email_messages_status_check;
alter table email_messages add constraint email_messages_status_check
  check (status in ('received', 'processed', 'ignored', 'failed', 'queued', 'sending', 'sent', 'discarded'));
alter table email_messages drop constraint email_messages_out_status_check;
alter table email_messages add constraint email_messages_out_status_check
  check (direction = 'in' or status in ('queued', 'sending', 'sent', 'failed', 'discarded'));
-- The admin failed-mail view.
create index email_messages_out_failed_idx on email_messages (updated_at desc) where direction = 'out' and status = 'failed';
