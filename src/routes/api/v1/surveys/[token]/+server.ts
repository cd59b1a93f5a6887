import { app } from '$lib/server/app';
import { handle } from '$lib/server/http/route';
import { ticketOps } from '$lib/server/tickets/operations';

export const GET = handle(ticketOps.getSurvey, async ({ params }) => (await app()).ticketWork.surveyInfo(params.token));
export const POST = handle(ticketOps.answerSurvey, async ({ params, body, event }) =>
  (await app()).ticketWork.answerSurvey(params.token, body, { ip: event.locals.clientIp, userAgent: event.request.headers.get('user-agent') })
);
