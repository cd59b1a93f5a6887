-- Files (ARCHITECTURE §11): the type allow-list setting, an index to find abandoned uploads
-- (stored but never attached) for the cleanup job, and change capture on ticket_attachments so
-- the attachments of a comment sync to the devices that may see the comment.
insert into system_settings (key, value, is_public, description) values
  ('files.allowedTypes', '["image/png","image/jpeg","image/gif","image/webp","image/bmp","image/tiff","image/heic","image/avif","image/svg+xml","image/x-icon","video/mp4","video/quicktime","video/webm","audio/mpeg","audio/mp4","audio/wav","audio/ogg","application/pdf","application/rtf","application/vnd.openxmlformats-officedocument.wordprocessingml.document","application/vnd.openxmlformats-officedocument.spreadsheetml.sheet","application/vnd.openxmlformats-officedocument.presentationml.presentation","application/vnd.oasis.opendocument.text","application/vnd.oasis.opendocument.spreadsheet","application/vnd.oasis.opendocument.presentation","application/x-ole-storage","message/rfc822","application/zip","application/gzip","application/x-7z-compressed","application/x-tar","text/plain","application/xml"]', true, 'File types (detected from their content) users may upload')
on conflict (key) do nothing;

create index files_unattached_idx on files (created_at) where owner_id is null and deleted_at is null;

-- Attachment rows reach devices like comments do (same visibility columns: requester_id, internal).
select outpost_sync_track('ticket_attachments');
