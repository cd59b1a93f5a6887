// Schemas of the knowledge base REST API (/api/v1/kb/...) and the KB jobs. Snake_case fields,
// like the synced kb_articles rows the browser holds, so a screen can show either.
import { z } from 'zod';
import { KB_AUDIENCES, KB_STATUSES } from './workflow';
import { SLUG_MAX, SLUG_PATTERN, normaliseTags } from './slug';

export const KbStatus = z.enum(KB_STATUSES);
export const KbAudience = z.enum(KB_AUDIENCES);
export const Slug = z.string().trim().min(1, 'is empty').max(SLUG_MAX).regex(SLUG_PATTERN, 'must be lowercase letters and digits joined by single hyphens');
export const Title = z.string().trim().min(1, 'is empty').max(200);
export const Summary = z.string().trim().max(500);
export const Body = z.string().max(200_000, 'is longer than 200000 characters');
export const KbTags = z
  .array(z.string().trim().min(1, 'has an empty tag').max(50, 'has a tag longer than 50 characters'))
  .max(30, 'has more than 30 tags')
  .transform(normaliseTags);
export const ChangeNote = z.string().trim().max(500);

export const ArticleCreateBody = z
  .object({
    /** A UUIDv7 made by the client (optional; the server makes one otherwise). */
    id: z.uuid().optional(),
    title: Title,
    slug: Slug.optional(),
    summary: Summary.nullable().optional(),
    body: Body.default(''),
    audience: KbAudience.default('public'),
    category_id: z.uuid().nullable().optional(),
    tags: KbTags.optional(),
    change_note: ChangeNote.optional()
  })
  .strict()
  .meta({ id: 'KbArticleCreate' });
export type ArticleCreateBody = z.output<typeof ArticleCreateBody>;

export const ArticlePatchBody = z
  .object({
    /** The version the editor started from: a save over a newer version is a conflict (409). */
    base_version: z.number().int().min(1),
    title: Title.optional(),
    slug: Slug.optional(),
    summary: Summary.nullable().optional(),
    body: Body.optional(),
    audience: KbAudience.optional(),
    category_id: z.uuid().nullable().optional(),
    tags: KbTags.optional(),
    change_note: ChangeNote.optional()
  })
  .strict()
  .meta({ id: 'KbArticlePatch' });
export type ArticlePatchBody = z.output<typeof ArticlePatchBody>;

export const TransitionBody = z.object({ note: ChangeNote.optional() }).strict().meta({ id: 'KbTransition' });
export type TransitionBody = z.output<typeof TransitionBody>;

export const FeedbackBody = z.object({ helpful: z.boolean() }).strict().meta({ id: 'KbFeedback' });

export const ArticleIdParam = z.object({ id: z.uuid() });
/** An article by id or by slug (`/api/v1/kb/articles/reset-vpn-password`). */
export const ArticleRefParam = z.object({ ref: z.union([z.uuid(), Slug]) });
export const VersionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) });
export const DiffQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1).optional() });

export const ArticleListQuery = z.object({
  status: KbStatus.optional(),
  audience: KbAudience.optional(),
  category_id: z.uuid().optional(),
  tag: z.string().trim().toLowerCase().min(1).max(50).optional(),
  /** Full-text search over title (weighted most), summary and body. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0)
});
export type ArticleListQuery = z.output<typeof ArticleListQuery>;

const iso = z.iso.datetime({ offset: true });

export const ArticleView = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    status: KbStatus,
    audience: KbAudience,
    category_id: z.uuid().nullable(),
    tags: z.array(z.string()),
    version: z.number().int(),
    author_id: z.uuid().nullable(),
    reviewer_id: z.uuid().nullable(),
    published_at: iso.nullable(),
    revised_at: iso.nullable(),
    updated_at: iso,
    helpful_yes: z.number().int(),
    helpful_no: z.number().int(),
    view_count: z.number().int(),
    source_ticket_id: z.uuid().nullable(),
    ai_generated: z.boolean(),
    suspected_duplicate_id: z.uuid().nullable(),
    suspected_duplicate_score: z.number().nullable()
  })
  .meta({ id: 'KbArticle' });
export type ArticleView = z.output<typeof ArticleView>;

export const Attachment = z.object({ id: z.uuid(), name: z.string(), mime_type: z.string(), size_bytes: z.number().int(), url: z.string() }).meta({ id: 'KbAttachment' });

export const ArticleDetail = ArticleView.extend({
  body: z.string(),
  /** The body rendered to sanitised HTML (the browser renders the same Markdown the same way). */
  html: z.string(),
  attachments: z.array(Attachment),
  /** The caller's "was this helpful" vote, if any. */
  my_vote: z.boolean().nullable(),
  /** The moves the caller may make from the current status. */
  allowed_moves: z.array(KbStatus),
  can_edit: z.boolean()
}).meta({ id: 'KbArticleDetail' });
export type ArticleDetail = z.output<typeof ArticleDetail>;

export const VersionView = z
  .object({
    version: z.number().int(),
    title: z.string(),
    summary: z.string().nullable(),
    body: z.string(),
    status: KbStatus,
    change_note: z.string().nullable(),
    author_id: z.uuid().nullable(),
    author_name: z.string().nullable(),
    created_at: iso
  })
  .meta({ id: 'KbArticleVersion' });
export type VersionView = z.output<typeof VersionView>;

const WordPartView = z.object({ op: z.enum(['eq', 'del', 'ins']), text: z.string() });
export const DiffView = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    title: z.object({ from: z.string(), to: z.string() }),
    summary: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    lines: z.array(z.object({ op: z.enum(['eq', 'del', 'ins']), text: z.string(), oldNo: z.number().nullable(), newNo: z.number().nullable(), words: z.array(WordPartView).optional() })),
    stats: z.object({ added: z.number().int(), removed: z.number().int(), unchanged: z.number().int() })
  })
  .meta({ id: 'KbArticleDiff' });

export const RelatedView = z
  .object({ id: z.uuid(), slug: z.string(), title: z.string(), summary: z.string().nullable(), score: z.number(), reasons: z.array(z.enum(['tags', 'category', 'text'])) })
  .meta({ id: 'KbRelatedArticle' });

export const FeedbackView = z.object({ helpful_yes: z.number().int(), helpful_no: z.number().int(), my_vote: z.boolean() }).meta({ id: 'KbFeedbackResult' });

export const CategoryBody = z
  .object({
    name: z.string().trim().min(1, 'is empty').max(120),
    slug: Slug.optional(),
    description: z.string().trim().max(1000).nullable().optional(),
    parent_id: z.uuid().nullable().optional(),
    audience: KbAudience.default('public'),
    icon: z.string().trim().max(40).nullable().optional(),
    position: z.number().int().min(0).max(100_000).default(0)
  })
  .strict()
  .meta({ id: 'KbCategoryCreate' });
export type CategoryBody = z.output<typeof CategoryBody>;
export const CategoryPatch = z
  .object({
    name: z.string().trim().min(1, 'is empty').max(120).optional(),
    slug: Slug.optional(),
    description: z.string().trim().max(1000).nullable().optional(),
    parent_id: z.uuid().nullable().optional(),
    audience: KbAudience.optional(),
    icon: z.string().trim().max(40).nullable().optional(),
    position: z.number().int().min(0).max(100_000).optional()
  })
  .strict()
  .meta({ id: 'KbCategoryPatch' });
export type CategoryPatch = z.output<typeof CategoryPatch>;
export const CategoryView = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    parent_id: z.uuid().nullable(),
    audience: KbAudience,
    icon: z.string().nullable(),
    position: z.number().int(),
    article_count: z.number().int()
  })
  .meta({ id: 'KbCategory' });
export type CategoryView = z.output<typeof CategoryView>;

export const TagView = z.object({ tag: z.string(), count: z.number().int() }).meta({ id: 'KbTag' });

// ─── Jobs (ids only, never content) ─────────────────────────────────────────────────────────
/** kb.embed-article: (re-)embed one article; the search branch's handler reads the row. */
export const EmbedArticlePayload = z.object({ articleId: z.uuid() }).strict();
/** kb.draft-from-ticket: draft an article from a resolved ticket (idempotent per ticket). */
export const DraftFromTicketPayload = z.object({ ticketId: z.uuid() }).strict();
