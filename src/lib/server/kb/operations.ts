// Operations of the knowledge base REST API; spread into ../http/operations.ts so they appear in
// /api/v1/openapi.json. Readers without kb.read.internal see published public articles only;
// anything else does not exist for them (404).
import { z } from 'zod';
import { op } from '../http/route';
import {
  ArticleCreateBody,
  ArticleDetail,
  ArticleListQuery,
  ArticlePatchBody,
  ArticleRefParam,
  ArticleView,
  Attachment,
  CategoryBody,
  CategoryPatch,
  CategoryView,
  DiffQuery,
  DiffView,
  FeedbackBody,
  FeedbackView,
  RelatedView,
  TagView,
  TransitionBody,
  VersionView
} from '$lib/domain/kb/schemas';

const T = ['kb'];
const Ref = z.object({ ref: z.uuid() });
const CategoryId = z.object({ id: z.uuid() });

const move = (id: string, path: string, summary: string, permission: 'kb.write' | 'kb.publish') =>
  op({ id, method: 'POST', path: `/api/v1/kb/articles/{ref}/${path}`, summary: `${summary} (needs ${permission})`, tags: T, auth: { permission: 'kb.read.internal' }, params: Ref, body: TransitionBody, response: ArticleView, errors: [400, 403, 404, 409] });

export const kbOps = {
  listKbArticles: op({
    id: 'listKbArticles',
    method: 'GET',
    path: '/api/v1/kb/articles',
    summary: 'List articles (staff: every status; others: published public ones). `q` is a full-text search ranked with the title weighted over the body.',
    tags: T,
    auth: { permission: 'kb.read' },
    query: ArticleListQuery,
    response: z.object({ items: z.array(ArticleView), total: z.number().int() })
  }),
  createKbArticle: op({ id: 'createKbArticle', method: 'POST', path: '/api/v1/kb/articles', summary: 'Create a draft article (version 1); the slug comes from the title unless given', tags: T, auth: { permission: 'kb.write' }, body: ArticleCreateBody, status: 201, response: ArticleView, errors: [400, 403, 409] }),
  getKbArticle: op({
    id: 'getKbArticle',
    method: 'GET',
    path: '/api/v1/kb/articles/{ref}',
    summary: 'One article by id or slug, with its Markdown body, sanitised HTML, attachments, your vote and the workflow moves you may make',
    tags: T,
    auth: { permission: 'kb.read' },
    params: ArticleRefParam,
    response: ArticleDetail,
    errors: [404]
  }),
  updateKbArticle: op({
    id: 'updateKbArticle',
    method: 'PATCH',
    path: '/api/v1/kb/articles/{ref}',
    summary: 'Save changes: a new version with the change note. `base_version` must be the current version (409 otherwise). Published articles need kb.publish; a change to one is re-embedded.',
    tags: T,
    auth: { permission: 'kb.write' },
    params: Ref,
    body: ArticlePatchBody,
    response: ArticleView,
    errors: [400, 403, 404, 409]
  }),
  deleteKbArticle: op({ id: 'deleteKbArticle', method: 'DELETE', path: '/api/v1/kb/articles/{ref}', summary: 'Delete an article (soft). Your own drafts need kb.write, anything else kb.publish.', tags: T, auth: { permission: 'kb.write' }, params: Ref, status: 204, errors: [403, 404] }),

  submitKbArticle: move('submitKbArticle', 'submit', 'Submit a draft for review', 'kb.write'),
  publishKbArticle: move('publishKbArticle', 'publish', 'Publish an article in review (or a draft); enqueues kb.embed-article', 'kb.publish'),
  archiveKbArticle: move('archiveKbArticle', 'archive', 'Archive a published article', 'kb.publish'),
  draftKbArticle: move('draftKbArticle', 'draft', 'Back to draft: withdraw from review (kb.write), unpublish (kb.publish) or restore an archived article (kb.write)', 'kb.write'),

  listKbVersions: op({ id: 'listKbVersions', method: 'GET', path: '/api/v1/kb/articles/{ref}/versions', summary: 'Every saved version, newest first', tags: T, auth: { permission: 'kb.read.internal' }, params: Ref, response: z.object({ items: z.array(VersionView) }), errors: [404] }),
  getKbVersion: op({ id: 'getKbVersion', method: 'GET', path: '/api/v1/kb/articles/{ref}/versions/{version}', summary: 'One saved version', tags: T, auth: { permission: 'kb.read.internal' }, params: z.object({ ref: z.uuid(), version: z.coerce.number().int().min(1) }), response: VersionView, errors: [404] }),
  diffKbVersions: op({ id: 'diffKbVersions', method: 'GET', path: '/api/v1/kb/articles/{ref}/diff', summary: 'Line diff (with word changes) between version `from` and `to` (default: current)', tags: T, auth: { permission: 'kb.read.internal' }, params: Ref, query: DiffQuery, response: DiffView, errors: [400, 404] }),

  putKbFeedback: op({ id: 'putKbFeedback', method: 'PUT', path: '/api/v1/kb/articles/{ref}/feedback', summary: '"Was this helpful?" One vote per person per published article; voting again changes it.', tags: T, auth: { permission: 'kb.read' }, params: Ref, body: FeedbackBody, response: FeedbackView, errors: [400, 404, 409] }),
  recordKbView: op({ id: 'recordKbView', method: 'POST', path: '/api/v1/kb/articles/{ref}/views', summary: 'Count a read of a published article (once per reader per hour)', tags: T, auth: { permission: 'kb.read' }, params: Ref, status: 204, errors: [404] }),
  relatedKbArticles: op({
    id: 'relatedKbArticles',
    method: 'GET',
    path: '/api/v1/kb/articles/{ref}/related',
    summary: 'Published articles related by shared tags, category and full-text similarity of the title and tags',
    tags: T,
    auth: { permission: 'kb.read' },
    params: ArticleRefParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) }),
    response: z.object({ items: z.array(RelatedView) }),
    errors: [404]
  }),
  attachKbFiles: op({
    id: 'attachKbFiles',
    method: 'POST',
    path: '/api/v1/kb/articles/{ref}/attachments',
    summary: 'Attach files uploaded with POST /api/v1/files; readers of the article may download them',
    tags: T,
    auth: { permission: 'kb.write' },
    params: Ref,
    body: z.object({ fileIds: z.array(z.uuid()).min(1).max(20) }).strict(),
    status: 201,
    response: z.object({ items: z.array(Attachment) }),
    errors: [400, 403, 404]
  }),
  detachKbFile: op({ id: 'detachKbFile', method: 'DELETE', path: '/api/v1/kb/articles/{ref}/attachments/{fileId}', summary: 'Remove an attachment', tags: T, auth: { permission: 'kb.write' }, params: z.object({ ref: z.uuid(), fileId: z.uuid() }), status: 204, errors: [403, 404] }),

  listKbCategories: op({ id: 'listKbCategories', method: 'GET', path: '/api/v1/kb/categories', summary: 'Categories with the number of articles you can see in each', tags: T, auth: { permission: 'kb.read' }, response: z.object({ items: z.array(CategoryView) }) }),
  createKbCategory: op({ id: 'createKbCategory', method: 'POST', path: '/api/v1/kb/categories', summary: 'Create a category', tags: T, auth: { permission: 'kb.publish' }, body: CategoryBody, status: 201, response: CategoryView, errors: [400, 403, 409] }),
  updateKbCategory: op({ id: 'updateKbCategory', method: 'PATCH', path: '/api/v1/kb/categories/{id}', summary: 'Change a category', tags: T, auth: { permission: 'kb.publish' }, params: CategoryId, body: CategoryPatch, response: CategoryView, errors: [400, 403, 404, 409] }),
  deleteKbCategory: op({ id: 'deleteKbCategory', method: 'DELETE', path: '/api/v1/kb/categories/{id}', summary: 'Delete a category (its articles become uncategorised)', tags: T, auth: { permission: 'kb.publish' }, params: CategoryId, status: 204, errors: [403, 404] }),
  listKbTags: op({ id: 'listKbTags', method: 'GET', path: '/api/v1/kb/tags', summary: 'Tags in use with their article counts', tags: T, auth: { permission: 'kb.read' }, response: z.object({ items: z.array(TagView) }) })
};
